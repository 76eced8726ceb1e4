-- 0042: a reviewer groups cases beyond attaching one document (issue 8).
--
--   merge: case A is merged into case B.  Every document of A moves to B; A
--          stays as a row with merged_into = B, so its code becomes an alias:
--          a document that later names A's code (the worker's "link the case",
--          a reviewer's attach) lands in B (trigger documents_case_alias).
--          A merged case leaves case_overview, so lists, reports and CSVs
--          count it once, as B.
--   split: chosen documents of a case move to another case (existing, or new
--          in the first case's unit).
-- Both recompute the stage, procurator and deadlines of every case touched
-- (ancong_case_refresh, now and again at COMMIT by documents_case_refresh) and
-- write one audit_log row.  Who may do it (the unit check) is the caller's
-- job: the web app checks web_visible_units, the CLI is the operator's.
--
-- Errors carry their own SQLSTATE so callers can tell a person what to do:
--   AC001 no such case        AC002 the same case       AC003 already merged
--   AC004 a document is not in the case being split     AC005 nothing chosen
--   AC006 a split would need a new case but no code was given

ALTER TABLE cases
    ADD COLUMN merged_into bigint REFERENCES cases (id),
    ADD COLUMN merged_at   timestamptz,
    ADD CONSTRAINT cases_merged_not_self CHECK (merged_into <> id);
CREATE INDEX cases_merged_into_idx ON cases (merged_into) WHERE merged_into IS NOT NULL;

-- The case a case id stands for now: itself, or the case it was merged into.
CREATE FUNCTION ancong_case_resolve(cid bigint) RETURNS bigint
    LANGUAGE plpgsql STABLE AS $$
DECLARE
    cur bigint := cid;
    nxt bigint;
BEGIN
    FOR hop IN 1..64 LOOP
        SELECT merged_into INTO nxt FROM cases WHERE id = cur;
        IF nxt IS NULL THEN
            RETURN cur;
        END IF;
        cur := nxt;
    END LOOP;
    RAISE EXCEPTION 'case % is merged in a loop', cid;
END $$;

CREATE FUNCTION ancong_documents_case_alias() RETURNS trigger
    LANGUAGE plpgsql AS $$
BEGIN
    IF NEW.case_id IS NOT NULL THEN
        NEW.case_id := ancong_case_resolve(NEW.case_id);
    END IF;
    RETURN NEW;
END $$;
CREATE TRIGGER documents_case_alias
    BEFORE INSERT OR UPDATE OF case_id ON documents
    FOR EACH ROW EXECUTE FUNCTION ancong_documents_case_alias();

-- Merged cases are aliases, not cases: out of the overview (and so out of
-- ancong_report, the web lists and the CSV).  Same columns as 0040.
CREATE OR REPLACE VIEW case_overview AS
SELECT c.id, c.code, u.code AS unit, u.name AS unit_name,
       coalesce(u.province, pu.province) AS province,
       c.stage, c.area, c.procurator_name, c.documents, c.opened_on, c.last_activity_on,
       c.next_due_on, c.next_due_rule, c.next_due_what,
       (c.next_due_on IS NOT NULL AND c.next_due_on < (now() AT TIME ZONE 'Asia/Ho_Chi_Minh')::date) AS overdue
FROM cases c
JOIN units u ON u.id = c.unit_id
LEFT JOIN units pu ON pu.id = u.parent_id
WHERE c.merged_into IS NULL;

-- Merge case p_from into case p_into.  p_actor: the user's login or
-- 'cli:<who>'; p_user: users.id or NULL; p_details: added to the audit row.
-- Returns the number of documents moved.
CREATE FUNCTION ancong_case_merge(p_from bigint, p_into bigint, p_actor text, p_user int, p_details jsonb)
    RETURNS int
    LANGUAGE plpgsql AS $$
DECLARE
    f cases;
    t cases;
    moved bigint[];
BEGIN
    -- both rows locked, in id order (two reviewers merging crosswise wait, not deadlock)
    PERFORM 1 FROM cases WHERE id IN (p_from, p_into) ORDER BY id FOR UPDATE;
    SELECT * INTO f FROM cases WHERE id = p_from;
    SELECT * INTO t FROM cases WHERE id = p_into;
    IF f.id IS NULL OR t.id IS NULL THEN
        RAISE EXCEPTION 'no such case' USING ERRCODE = 'AC001';
    END IF;
    IF f.id = t.id THEN
        RAISE EXCEPTION 'a case cannot be merged into itself' USING ERRCODE = 'AC002';
    END IF;
    IF f.merged_into IS NOT NULL OR t.merged_into IS NOT NULL THEN
        RAISE EXCEPTION 'case "%" is already merged into another case',
            CASE WHEN f.merged_into IS NOT NULL THEN f.code ELSE t.code END USING ERRCODE = 'AC003';
    END IF;
    WITH m AS (
        UPDATE documents SET case_id = t.id, version = version + 1, updated_at = now()
         WHERE case_id = f.id RETURNING id)
    SELECT coalesce(array_agg(id ORDER BY id), '{}') INTO moved FROM m;
    -- earlier aliases of the merged case now point at the case it joins
    UPDATE cases SET merged_into = t.id WHERE merged_into = f.id;
    UPDATE cases SET merged_into = t.id, merged_at = now(), updated_at = now() WHERE id = f.id;
    UPDATE cases SET verification_extended = verification_extended OR f.verification_extended,
                     court_code = coalesce(court_code, f.court_code),
                     procurator_id = coalesce(procurator_id, f.procurator_id),
                     title = coalesce(title, f.title),
                     area = coalesce(area, f.area)
     WHERE id = t.id;
    PERFORM ancong_case_refresh(t.id);
    PERFORM ancong_case_refresh(f.id);
    INSERT INTO audit_log (actor, user_id, unit_id, action, case_id, details)
    VALUES (p_actor, p_user, (SELECT unit_id FROM users WHERE id = p_user), 'case.merge', t.id,
            coalesce(p_details, '{}'::jsonb) || jsonb_build_object(
                'from_case', f.id, 'from_code', f.code, 'into_case', t.id, 'into_code', t.code,
                'documents', to_jsonb(moved),
                'stage_before', t.stage, 'stage_after', (SELECT stage FROM cases WHERE id = t.id)));
    RETURN cardinality(moved);
END $$;

-- Move documents p_docs of case p_from to case p_into (an id; an alias is
-- followed), or when p_into is NULL to the case of code p_code in p_from's
-- unit, made when new.  Returns the id of the case they moved to.
CREATE FUNCTION ancong_case_split(p_from bigint, p_docs bigint[], p_into bigint, p_code text,
                                  p_actor text, p_user int, p_details jsonb)
    RETURNS bigint
    LANGUAGE plpgsql AS $$
DECLARE
    f cases;
    target bigint;
    created boolean := false;
    stray bigint;
    moved bigint[];
BEGIN
    SELECT * INTO f FROM cases WHERE id = p_from FOR UPDATE;
    IF f.id IS NULL THEN
        RAISE EXCEPTION 'no such case' USING ERRCODE = 'AC001';
    END IF;
    IF f.merged_into IS NOT NULL THEN
        RAISE EXCEPTION 'case "%" is already merged into another case', f.code USING ERRCODE = 'AC003';
    END IF;
    IF p_docs IS NULL OR cardinality(p_docs) = 0 THEN
        RAISE EXCEPTION 'no document chosen' USING ERRCODE = 'AC005';
    END IF;
    SELECT x INTO stray FROM unnest(p_docs) x
     WHERE NOT EXISTS (SELECT 1 FROM documents d WHERE d.id = x AND d.case_id = f.id) LIMIT 1;
    IF stray IS NOT NULL THEN
        RAISE EXCEPTION 'document % is not in case "%"', stray, f.code USING ERRCODE = 'AC004';
    END IF;
    IF p_into IS NOT NULL THEN
        target := ancong_case_resolve(p_into);
        IF target IS NULL OR NOT EXISTS (SELECT 1 FROM cases WHERE id = target) THEN
            RAISE EXCEPTION 'no such case' USING ERRCODE = 'AC001';
        END IF;
    ELSE
        IF p_code IS NULL OR btrim(p_code) = '' THEN
            RAISE EXCEPTION 'give the code of the case to move the documents to' USING ERRCODE = 'AC006';
        END IF;
        INSERT INTO cases (unit_id, code) VALUES (f.unit_id, btrim(p_code))
            ON CONFLICT (unit_id, code) DO NOTHING RETURNING id INTO target;
        created := target IS NOT NULL;
        IF NOT created THEN
            SELECT ancong_case_resolve(id) INTO target FROM cases WHERE unit_id = f.unit_id AND code = btrim(p_code);
        END IF;
    END IF;
    IF target = f.id THEN
        RAISE EXCEPTION 'the documents are already in case "%"', f.code USING ERRCODE = 'AC002';
    END IF;
    PERFORM 1 FROM cases WHERE id = target FOR UPDATE;
    WITH m AS (
        UPDATE documents SET case_id = target, version = version + 1, updated_at = now()
         WHERE id = ANY (p_docs) AND case_id = f.id RETURNING id)
    SELECT array_agg(id ORDER BY id) INTO moved FROM m;
    PERFORM ancong_case_refresh(f.id);
    PERFORM ancong_case_refresh(target);
    INSERT INTO audit_log (actor, user_id, unit_id, action, case_id, details)
    VALUES (p_actor, p_user, (SELECT unit_id FROM users WHERE id = p_user), 'case.split', f.id,
            coalesce(p_details, '{}'::jsonb) || jsonb_build_object(
                'from_case', f.id, 'from_code', f.code, 'into_case', target,
                'into_code', (SELECT code FROM cases WHERE id = target), 'case_created', created,
                'documents', to_jsonb(moved),
                'from_stage_after', (SELECT stage FROM cases WHERE id = f.id),
                'into_stage_after', (SELECT stage FROM cases WHERE id = target)));
    RETURN target;
END $$;
