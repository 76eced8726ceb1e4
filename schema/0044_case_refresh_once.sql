-- 0044: recompute a case once per transaction, not once per changed row.
--
-- 0040's deferred triggers called ancong_case_refresh at COMMIT for every
-- queued row event: a worker storing one document queued the document's
-- status update, its case link and its two date/area fields, so the same
-- case was recomputed three or four times over the same data (measured on a
-- born-digital backfill: 2.6 refreshes per document, a third of the
-- database's time; and each reads every page of the case, so large cases
-- paid that many times over).
--
-- Now the triggers only note the case in case_refresh_pending (one row per
-- transaction and case; a second note while one is pending does nothing).
-- Inserting that row queues a deferred event behind the events that noted
-- it, so the refresh runs once, at COMMIT, after the changes that asked for
-- it, and sees them all.  The refresh deletes the row first: a change made
-- after it (a trigger linking another document to the case) notes the case
-- again and so refreshes it again.  A failing refresh still fails the
-- COMMIT.  The table only ever holds rows of running transactions.
CREATE UNLOGGED TABLE case_refresh_pending (
    xact     bigint NOT NULL,
    case_id  bigint NOT NULL,
    PRIMARY KEY (xact, case_id)
);

CREATE FUNCTION ancong_case_refresh_later(cid bigint) RETURNS void
    LANGUAGE sql AS $$
    INSERT INTO case_refresh_pending (xact, case_id)
    SELECT txid_current(), cid WHERE cid IS NOT NULL
    ON CONFLICT DO NOTHING;
$$;

CREATE FUNCTION ancong_case_refresh_pending_trigger() RETURNS trigger
    LANGUAGE plpgsql AS $$
BEGIN
    DELETE FROM case_refresh_pending WHERE xact = NEW.xact AND case_id = NEW.case_id;
    IF EXISTS (SELECT 1 FROM cases WHERE id = NEW.case_id) THEN
        PERFORM ancong_case_refresh(NEW.case_id);
    END IF;
    RETURN NULL;
END $$;
CREATE CONSTRAINT TRIGGER case_refresh_pending_run
    AFTER INSERT ON case_refresh_pending
    DEFERRABLE INITIALLY DEFERRED FOR EACH ROW
    EXECUTE FUNCTION ancong_case_refresh_pending_trigger();

-- As in 0040, with ancong_case_refresh(x) -> ancong_case_refresh_later(x).
CREATE OR REPLACE FUNCTION ancong_documents_case_trigger() RETURNS trigger
    LANGUAGE plpgsql AS $$
DECLARE
    cid bigint := NEW.case_id;
BEGIN
    IF TG_OP = 'UPDATE' AND OLD.case_id IS DISTINCT FROM NEW.case_id THEN
        PERFORM ancong_case_refresh_later(OLD.case_id);
    END IF;
    IF NEW.status IN ('indexed', 'needs_review', 'approved', 'signed') THEN
        IF NEW.doc_type = 'thong_bao_thu_ly' THEN
            cid := ancong_link_court_notice(NEW.id);
        ELSIF cid IS NULL THEN
            cid := ancong_link_by_reference(NEW.id);
        END IF;
    END IF;
    PERFORM ancong_case_refresh_later(cid);
    RETURN NULL;
END $$;

CREATE OR REPLACE FUNCTION ancong_fields_case_trigger() RETURNS trigger
    LANGUAGE plpgsql AS $$
BEGIN
    PERFORM ancong_case_refresh_later((SELECT case_id FROM documents WHERE id = NEW.document_id));
    RETURN NULL;
END $$;
