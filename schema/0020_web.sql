-- 0020: the review web app (web/): sessions, login attempts, review marks,
-- a review deadline, and read views that keep web/'s queries independent of
-- how the store names its columns.  Only adds; 0001-0019 stay as released.

-- Sessions: only the SHA-256 of the cookie's token is kept.
CREATE TABLE web_sessions (
    token_hash  text PRIMARY KEY CHECK (token_hash ~ '^[0-9a-f]{64}$'),
    user_id     int NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    csrf        text NOT NULL,
    ip          text,
    created_at  timestamptz NOT NULL DEFAULT now(),
    last_seen   timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX web_sessions_user_idx ON web_sessions (user_id);

-- Every login attempt (throttling per user name and per address).
CREATE TABLE web_login_attempts (
    id        bigserial PRIMARY KEY,
    at        timestamptz NOT NULL DEFAULT now(),
    username  text NOT NULL,
    ip        text,
    ok        boolean NOT NULL
);
CREATE INDEX web_login_attempts_user_idx ON web_login_attempts (username, at);
CREATE INDEX web_login_attempts_ip_idx ON web_login_attempts (ip, at);

-- A reviewer looked at the field (corrected or accepted it).
ALTER TABLE fields ADD COLUMN reviewed_by int REFERENCES users (id);
ALTER TABLE fields ADD COLUMN reviewed_at timestamptz;

-- When the review is due (the case index may set it from the procedure's
-- time limits); the queue shows the closest first, then the oldest.
ALTER TABLE documents ADD COLUMN review_due_at timestamptz;
CREATE INDEX documents_review_queue_idx ON documents (review_due_at, received_at, id)
    WHERE status = 'needs_review';

-- Units whose documents a user may see: their own and every unit under it
-- (the Supreme procuracy sees all).  A disabled user sees nothing.
CREATE FUNCTION web_visible_units(p_user bigint) RETURNS TABLE (unit_id int)
    LANGUAGE sql STABLE AS $$
    WITH RECURSIVE sub (id) AS (
        SELECT u.unit_id FROM users u WHERE u.id = p_user AND u.active
        UNION
        SELECT c.id FROM units c JOIN sub ON c.parent_id = sub.id)
    SELECT id FROM sub
$$;

-- Approving queues (or re-queues) the signing job.
CREATE FUNCTION web_queue_sign(p_doc bigint) RETURNS bigint
    LANGUAGE sql AS $$
    INSERT INTO jobs (kind, document_id, priority) VALUES ('sign', p_doc, 0)
    ON CONFLICT (document_id, kind) DO UPDATE
        SET state = 'ready', attempts = 0, next_run_at = now(), lease_until = NULL,
            last_error = NULL, updated_at = now()
    RETURNING id
$$;

CREATE VIEW web_doc AS
SELECT d.id, d.sha256, d.name AS file_name, s.code AS station, d.unit_id, un.name AS unit_name,
       d.status::text AS status, d.doc_type, d.doc_type_confidence, c.code AS case_code,
       d.received_at AS created_at, d.review_due_at AS deadline, d.version
  FROM documents d
  JOIN units un ON un.id = d.unit_id
  LEFT JOIN stations s ON s.id = d.station_id
  LEFT JOIN cases c ON c.id = d.case_id;

-- The columns a review changes (a simple, updatable view).
CREATE VIEW web_doc_rw AS
SELECT id, unit_id, status, doc_type, version, updated_at FROM documents;

-- A part of a split bundle shows its page range of the original's pages.
CREATE VIEW web_page AS
SELECT d.id AS document_id, p.number, p.text, p.width_px, p.height_px, p.rotation
  FROM documents d
  JOIN pages p ON p.document_id = coalesce(d.parent_id, d.id)
              AND p.number BETWEEN coalesce(d.first_page, 1) AND coalesce(d.last_page, 2147483647);

CREATE VIEW web_field AS
SELECT id, document_id, name, value, confidence, page,
       bbox[1] AS x0, bbox[2] AS y0, bbox[3] AS x1, bbox[4] AS y1,
       reviewed_at IS NOT NULL AS reviewed
  FROM fields;

CREATE VIEW web_revision AS
SELECT id, document_id, name AS field, old_value, new_value, user_id, changed_at AS at
  FROM field_revisions;
