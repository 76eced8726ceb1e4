-- 0002: scanning stations, cases, documents and what was read from them.

CREATE TABLE stations (
    id          serial PRIMARY KEY,
    code        text NOT NULL UNIQUE,           -- inbox/<code>/
    name        text,
    unit_id     int NOT NULL REFERENCES units (id),
    created_at  timestamptz NOT NULL DEFAULT now()
);

CREATE TYPE case_stage AS ENUM
    ('intake', 'examination', 'verification', 'recommendation', 'lawsuit', 'accepted', 'closed');

CREATE TABLE cases (
    id               bigserial PRIMARY KEY,
    unit_id          int NOT NULL REFERENCES units (id),
    code             text NOT NULL,             -- "06/2026/DSCI" (ma_vu_viec)
    title            text,
    area             text,                      -- FIELDS.md linh_vuc id
    stage            case_stage NOT NULL DEFAULT 'intake',
    procurator_id    int REFERENCES users (id),
    procurator_name  text,                      -- as printed on the assignment decision
    created_at       timestamptz NOT NULL DEFAULT now(),
    updated_at       timestamptz NOT NULL DEFAULT now(),
    UNIQUE (unit_id, code)
);
CREATE INDEX cases_stage_idx ON cases (unit_id, stage);

CREATE TYPE doc_status AS ENUM
    ('received', 'processing', 'indexed', 'needs_review', 'failed', 'approved', 'signed');
CREATE TYPE doc_source AS ENUM ('live', 'backfill');

-- One row per distinct original (unique sha256), plus one child row per part
-- of a split bundle (parent_id set, same sha256, its page range).
CREATE TABLE documents (
    id                     bigserial PRIMARY KEY,
    sha256                 text NOT NULL CHECK (sha256 ~ '^[0-9a-f]{64}$'),
    parent_id              bigint REFERENCES documents (id) ON DELETE CASCADE,
    name                   text NOT NULL,       -- as first dropped, NFC, no folder
    station_id             int REFERENCES stations (id),
    unit_id                int NOT NULL REFERENCES units (id),
    source                 doc_source NOT NULL DEFAULT 'live',
    status                 doc_status NOT NULL DEFAULT 'received',
    error                  text,                -- for a clerk: what is wrong, what to do
    doc_type               text,
    doc_type_confidence    real,
    first_page             int,                 -- parts: 1-based inclusive range in the file
    last_page              int,
    npages                 int,
    size_bytes             bigint,
    result                 jsonb,               -- the pipeline's result JSON as delivered
    searchable_pdf_sha256  text,
    signed_pdf_sha256      text,
    case_id                bigint REFERENCES cases (id),
    case_code_hint         text,                -- from a backfill manifest
    doc_type_hint          text,                -- from a backfill manifest
    archive_meta           jsonb,               -- record-level archival metadata (backfill)
    version                int NOT NULL DEFAULT 1,   -- optimistic locking by reviewers
    received_at            timestamptz NOT NULL DEFAULT now(),
    processed_at           timestamptz,
    updated_at             timestamptz NOT NULL DEFAULT now(),
    UNIQUE (parent_id, first_page)
);
CREATE UNIQUE INDEX documents_sha256_key ON documents (sha256) WHERE parent_id IS NULL;
CREATE INDEX documents_unit_status_idx ON documents (unit_id, status);
CREATE INDEX documents_case_idx ON documents (case_id);
CREATE INDEX documents_parent_idx ON documents (parent_id);
CREATE INDEX documents_type_idx ON documents (doc_type);

-- Every drop of a file, the duplicates too.
CREATE TABLE drops (
    id           bigserial PRIMARY KEY,
    document_id  bigint NOT NULL REFERENCES documents (id) ON DELETE CASCADE,
    name         text NOT NULL,
    station_id   int REFERENCES stations (id),
    source       doc_source NOT NULL,
    duplicate    boolean NOT NULL,
    size_bytes   bigint,
    dropped_at   timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX drops_document_idx ON drops (document_id);

-- Pages of the original file (a split bundle's parts point into these by range).
CREATE TABLE pages (
    id              bigserial PRIMARY KEY,
    document_id     bigint NOT NULL REFERENCES documents (id) ON DELETE CASCADE,
    number          int NOT NULL,
    text            text NOT NULL DEFAULT '',
    search_text     text GENERATED ALWAYS AS (ancong_fold(text)) STORED,
    search_tsv      tsvector GENERATED ALWAYS AS (to_tsvector('simple'::regconfig, ancong_fold(text))) STORED,
    words           jsonb,                      -- [{"text","bbox":[x0,y0,x1,y1],"conf"}...] when given
    rotation        smallint NOT NULL DEFAULT 0,
    skew_deg        real,
    dpi             int,
    dpi_source      text,
    source          text,                       -- 'ocr' | 'text_layer'
    ocr_confidence  real,
    width_px        int,
    height_px       int,
    blank           boolean NOT NULL DEFAULT false,
    extra           jsonb,                      -- other keys of the page object, kept
    UNIQUE (document_id, number)
);
CREATE INDEX pages_search_trgm_idx ON pages USING gin (search_text gin_trgm_ops);
CREATE INDEX pages_search_tsv_idx ON pages USING gin (search_tsv);

CREATE TABLE fields (
    id            bigserial PRIMARY KEY,
    document_id   bigint NOT NULL REFERENCES documents (id) ON DELETE CASCADE,
    name          text NOT NULL,                -- FIELDS.md id
    value         text,
    search_value  text GENERATED ALWAYS AS (ancong_fold(value)) STORED,
    confidence    real,
    page          int,
    bbox          int[],                        -- x0, y0, x1, y1
    source        text NOT NULL DEFAULT 'ocr',  -- 'ocr' | 'reviewer' | 'manifest'
    updated_by    int REFERENCES users (id),
    updated_at    timestamptz NOT NULL DEFAULT now(),
    UNIQUE (document_id, name)
);
CREATE INDEX fields_name_value_idx ON fields (name, value);
CREATE INDEX fields_search_trgm_idx ON fields USING gin (search_value gin_trgm_ops);

CREATE TABLE field_revisions (
    id              bigserial PRIMARY KEY,
    field_id        bigint REFERENCES fields (id) ON DELETE SET NULL,
    document_id     bigint NOT NULL REFERENCES documents (id) ON DELETE CASCADE,
    name            text NOT NULL,
    old_value       text,
    new_value       text,
    old_confidence  real,
    user_id         int REFERENCES users (id),
    changed_at      timestamptz NOT NULL DEFAULT now(),
    reason          text
);
CREATE INDEX field_revisions_document_idx ON field_revisions (document_id);
