-- 0004: signatures and the append-only audit log.

CREATE TABLE signatures (
    id           bigserial PRIMARY KEY,
    document_id  bigint NOT NULL REFERENCES documents (id) ON DELETE CASCADE,
    origin       text NOT NULL DEFAULT 'ancong',   -- 'ancong' (we signed) | 'input' (found in the file)
    signer       text,
    signed_at    timestamptz,
    level        text,                             -- 'B-B', 'B-T', ...
    subfilter    text,
    pdf_sha256   text,                             -- the signed PDF in blobs/signed
    valid        boolean,
    details      jsonb,
    created_by   int REFERENCES users (id),
    created_at   timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX signatures_document_idx ON signatures (document_id);

CREATE TABLE audit_log (
    id           bigserial PRIMARY KEY,
    at           timestamptz NOT NULL DEFAULT now(),
    actor        text NOT NULL,                    -- user login, or 'system:<role>'
    user_id      int REFERENCES users (id),
    unit_id      int REFERENCES units (id),
    action       text NOT NULL,                    -- 'document.received', 'field.corrected' ...
    document_id  bigint,
    case_id      bigint,
    details      jsonb
);
CREATE INDEX audit_log_document_idx ON audit_log (document_id);

CREATE FUNCTION audit_log_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'audit_log is append-only: % is not allowed', TG_OP
        USING HINT = 'Audit entries are never changed or removed.';
END
$$;
CREATE TRIGGER audit_log_no_change BEFORE UPDATE OR DELETE ON audit_log
    FOR EACH ROW EXECUTE FUNCTION audit_log_append_only();
CREATE TRIGGER audit_log_no_truncate BEFORE TRUNCATE ON audit_log
    FOR EACH STATEMENT EXECUTE FUNCTION audit_log_append_only();
