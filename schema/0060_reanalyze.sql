-- 0060: re-analysis of the parts of a split bundle (issue 9).  When a reviewer
-- moves a boundary, merges two parts or splits one, the parts affected get a
-- "reanalyze" job: a worker classifies and extracts their new page ranges
-- again from the OCR kept at the first pass (never OCR'd again).
-- Only adds; earlier files stay as released.

-- The OCR of the original (words, lines, boxes: the text form of ocr/page.h)
-- in blobs/ocr/<sha256>.  NULL for documents processed before 0060: their
-- re-analysis reads the page texts of the pages table instead.
ALTER TABLE documents ADD COLUMN ocr_sha256 text CHECK (ocr_sha256 ~ '^[0-9a-f]{64}$');

-- Who asked for a job (a reviewer's change), for the audit log of its result.
ALTER TABLE jobs ADD COLUMN requested_by int REFERENCES users (id) ON DELETE SET NULL;

-- Queue (or re-queue) the re-analysis of a part, asked for by a user.  A job
-- already running is left to its worker, which checks the part's page range
-- under a row lock when it stores the result and analyses again when the
-- range moved meanwhile.
CREATE FUNCTION web_queue_reanalyze(p_doc bigint, p_user int) RETURNS bigint
    LANGUAGE sql AS $$
    INSERT INTO jobs (kind, document_id, priority, requested_by) VALUES ('reanalyze', p_doc, 0, p_user)
    ON CONFLICT (document_id, kind) DO UPDATE
        SET state = 'ready', attempts = 0, next_run_at = now(), lease_until = NULL,
            worker = NULL, last_error = NULL, finished_at = NULL, requested_by = p_user,
            updated_at = now()
        WHERE jobs.state <> 'running'
    RETURNING id
$$;
