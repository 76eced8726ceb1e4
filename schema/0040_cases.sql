-- 0040: the case index (issue 8): stage, who holds the case, what is due next
-- and by when, derived from the case's documents; working days with a
-- configurable holiday table; links between documents by cited numbers.

-- ---- calendar ---------------------------------------------------------------
-- kind 'off': a public holiday (or a bridging day off); kind 'work': a Saturday or
-- Sunday made a working day in exchange.  Edit this table as the Government
-- announces each year's schedule (ancong holidays list|add|remove).
CREATE TABLE holidays (
    day   date PRIMARY KEY,
    kind  text NOT NULL DEFAULT 'off' CHECK (kind IN ('off', 'work')),
    name  text NOT NULL
);
INSERT INTO holidays (day, kind, name) VALUES
    ('2025-01-01', 'off', 'Tết Dương lịch'),
    ('2025-01-25', 'off', 'Tết Nguyên đán'), ('2025-01-26', 'off', 'Tết Nguyên đán'),
    ('2025-01-27', 'off', 'Tết Nguyên đán'), ('2025-01-28', 'off', 'Tết Nguyên đán'),
    ('2025-01-29', 'off', 'Tết Nguyên đán'), ('2025-01-30', 'off', 'Tết Nguyên đán'),
    ('2025-01-31', 'off', 'Tết Nguyên đán'), ('2025-02-01', 'off', 'Tết Nguyên đán'),
    ('2025-02-02', 'off', 'Tết Nguyên đán'),
    ('2025-04-07', 'off', 'Giỗ Tổ Hùng Vương'),
    ('2025-04-30', 'off', 'Ngày Giải phóng miền Nam'), ('2025-05-01', 'off', 'Quốc tế Lao động'),
    ('2025-05-02', 'off', 'nghỉ bù'),
    ('2025-09-01', 'off', 'Quốc khánh'), ('2025-09-02', 'off', 'Quốc khánh'),
    ('2026-01-01', 'off', 'Tết Dương lịch'), ('2026-01-02', 'off', 'Tết Dương lịch (nghỉ bù)'),
    ('2026-02-14', 'off', 'Tết Nguyên đán'), ('2026-02-15', 'off', 'Tết Nguyên đán'),
    ('2026-02-16', 'off', 'Tết Nguyên đán'), ('2026-02-17', 'off', 'Tết Nguyên đán'),
    ('2026-02-18', 'off', 'Tết Nguyên đán'), ('2026-02-19', 'off', 'Tết Nguyên đán'),
    ('2026-02-20', 'off', 'Tết Nguyên đán'), ('2026-02-21', 'off', 'Tết Nguyên đán'),
    ('2026-02-22', 'off', 'Tết Nguyên đán'),
    ('2026-04-27', 'off', 'Giỗ Tổ Hùng Vương (nghỉ bù)'),
    ('2026-04-30', 'off', 'Ngày Giải phóng miền Nam'), ('2026-05-01', 'off', 'Quốc tế Lao động'),
    ('2026-08-31', 'off', 'Quốc khánh (nghỉ liền kề)'),
    ('2026-09-01', 'off', 'Quốc khánh'), ('2026-09-02', 'off', 'Quốc khánh'),
    ('2027-01-01', 'off', 'Tết Dương lịch'),
    ('2027-02-05', 'off', 'Tết Nguyên đán'), ('2027-02-06', 'off', 'Tết Nguyên đán'),
    ('2027-02-07', 'off', 'Tết Nguyên đán'), ('2027-02-08', 'off', 'Tết Nguyên đán'),
    ('2027-02-09', 'off', 'Tết Nguyên đán'), ('2027-02-10', 'off', 'Tết Nguyên đán'),
    ('2027-02-11', 'off', 'Tết Nguyên đán'),
    ('2027-04-16', 'off', 'Giỗ Tổ Hùng Vương'),
    ('2027-04-30', 'off', 'Ngày Giải phóng miền Nam'), ('2027-05-01', 'off', 'Quốc tế Lao động'),
    ('2027-09-02', 'off', 'Quốc khánh'), ('2027-09-03', 'off', 'Quốc khánh');

CREATE FUNCTION ancong_is_working_day(d date) RETURNS boolean
    LANGUAGE sql STABLE PARALLEL SAFE
    RETURN CASE
        WHEN EXISTS (SELECT 1 FROM holidays h WHERE h.day = d AND h.kind = 'work') THEN true
        WHEN extract(isodow FROM d) >= 6 THEN false
        WHEN EXISTS (SELECT 1 FROM holidays h WHERE h.day = d AND h.kind = 'off') THEN false
        ELSE true END;

-- The n-th working day after d ("within n working days of d").
CREATE FUNCTION ancong_add_working_days(d date, n int) RETURNS date
    LANGUAGE plpgsql STABLE AS $$
DECLARE
    cur date := d;
    left_ int := n;
BEGIN
    WHILE left_ > 0 LOOP
        cur := cur + 1;
        IF ancong_is_working_day(cur) THEN
            left_ := left_ - 1;
        END IF;
    END LOOP;
    RETURN cur;
END $$;

-- ---- procedure -------------------------------------------------------------
-- Stage reached by a document of each type (DOC_TYPES.md process order).
CREATE FUNCTION ancong_stage_rank(t text) RETURNS int
    LANGUAGE sql IMMUTABLE PARALLEL SAFE
    RETURN CASE t
        WHEN 'don_de_nghi' THEN 1 WHEN 'bien_ban_tiep_nhan' THEN 1 WHEN 'thong_bao_tiep_nhan' THEN 1
        WHEN 'quyet_dinh_phan_cong' THEN 2
        WHEN 'quyet_dinh_xac_minh' THEN 3 WHEN 'bien_ban_xac_minh' THEN 3
        WHEN 'yeu_cau_cung_cap' THEN 3 WHEN 'bao_cao_de_xuat' THEN 3
        WHEN 'kien_nghi' THEN 4 WHEN 'tra_loi_kien_nghi' THEN 4
        WHEN 'quyet_dinh_khoi_kien' THEN 5 WHEN 'don_khoi_kien' THEN 5
        WHEN 'thong_bao_thu_ly' THEN 6
        WHEN 'quyet_dinh_ket_thuc' THEN 7
        ELSE 0 END;

CREATE FUNCTION ancong_stage_of_rank(r int) RETURNS case_stage
    LANGUAGE sql IMMUTABLE PARALLEL SAFE
    RETURN (ARRAY['intake', 'examination', 'verification', 'recommendation', 'lawsuit',
                  'accepted', 'closed']::case_stage[])[greatest(r, 1)];

-- Time limits.  Each rule: once a document of an "after" type exists, one of
-- the "done" types dated on or after it is due within `days` (working days when
-- working_days, else calendar days); extension_days are added when the case's
-- verification was extended.  Sources: Joint Circular 09/2025/TTLT art. 6
-- (receipt notice 3 working days, forwarding 2 working days, examination 30
-- days); the verification and reply periods are this installation's settings:
-- change them here if your practice differs.
CREATE TABLE deadline_rules (
    code            text PRIMARY KEY,
    ord             int NOT NULL,
    after_types     text[] NOT NULL,
    done_types      text[] NOT NULL,
    days            int NOT NULL CHECK (days > 0),
    working_days    boolean NOT NULL,
    extension_days  int NOT NULL DEFAULT 0,
    what            text NOT NULL           -- shown to people: what is due
);
INSERT INTO deadline_rules VALUES
    ('receipt_notice', 1, '{bien_ban_tiep_nhan}', '{thong_bao_tiep_nhan}', 3, true, 0,
     'Thông báo về việc tiếp nhận thông tin (3 ngày làm việc)'),
    ('examination', 3, '{bien_ban_tiep_nhan}', '{quyet_dinh_xac_minh,quyet_dinh_ket_thuc,kien_nghi}', 30, false, 0,
     'Kết thúc kiểm tra: quyết định xác minh hoặc kết thúc (30 ngày)'),
    ('verification', 4, '{quyet_dinh_xac_minh}', '{bao_cao_de_xuat,kien_nghi,quyet_dinh_khoi_kien,quyet_dinh_ket_thuc}', 60, false, 30,
     'Kết thúc xác minh: báo cáo đề xuất (60 ngày, gia hạn 30 ngày)'),
    ('reply', 5, '{kien_nghi}', '{tra_loi_kien_nghi,quyet_dinh_khoi_kien,quyet_dinh_ket_thuc}', 30, false, 0,
     'Chủ thể được kiến nghị trả lời (30 ngày)'),
    ('lawsuit_decision', 6, '{tra_loi_kien_nghi}', '{quyet_dinh_khoi_kien,quyet_dinh_ket_thuc}', 15, false, 0,
     'Quyết định khởi kiện hoặc kết thúc việc xem xét (15 ngày)'),
    ('filing', 7, '{quyet_dinh_khoi_kien}', '{don_khoi_kien}', 5, true, 0,
     'Gửi đơn khởi kiện đến Tòa án (5 ngày làm việc)');

ALTER TABLE cases
    ADD COLUMN next_due_on            date,
    ADD COLUMN next_due_rule          text,
    ADD COLUMN next_due_what          text,
    ADD COLUMN opened_on              date,
    ADD COLUMN last_activity_on       date,
    ADD COLUMN verification_extended  boolean NOT NULL DEFAULT false,
    ADD COLUMN documents              int NOT NULL DEFAULT 0,
    ADD COLUMN court_code             text;       -- the court's thụ lý number, once accepted
CREATE INDEX cases_due_idx ON cases (next_due_on) WHERE next_due_on IS NOT NULL;

-- The date a document speaks for: its issue date when read, else when received.
CREATE FUNCTION ancong_doc_date(doc bigint) RETURNS date
    LANGUAGE sql STABLE
    RETURN coalesce(
        (SELECT CASE WHEN f.value ~ '^\d{4}-\d{2}-\d{2}$' THEN f.value::date END
           FROM fields f WHERE f.document_id = doc AND f.name = 'ngay_ban_hanh'),
        (SELECT (d.received_at AT TIME ZONE 'Asia/Ho_Chi_Minh')::date FROM documents d WHERE d.id = doc));

-- Recompute a case from its documents: stage, area, procurator, next deadline.
CREATE FUNCTION ancong_case_refresh(cid bigint) RETURNS void
    LANGUAGE plpgsql AS $$
DECLARE
    r record;
    start_ date;
    due date;
    best_due date;
    best_rule text;
    best_what text;
    ext boolean;
BEGIN
    IF cid IS NULL THEN RETURN; END IF;
    CREATE TEMP TABLE IF NOT EXISTS _case_docs (doc_type text, day date) ON COMMIT DROP;
    DELETE FROM _case_docs;
    INSERT INTO _case_docs
        SELECT d.doc_type, ancong_doc_date(d.id) FROM documents d
        WHERE d.case_id = cid AND d.status <> 'failed' AND d.doc_type IS NOT NULL;
    SELECT verification_extended OR EXISTS (
               SELECT 1 FROM documents d JOIN pages p ON p.document_id = coalesce(d.parent_id, d.id)
               WHERE d.case_id = cid AND p.search_text LIKE '%gia han thoi han%xac minh%')
      INTO ext FROM cases WHERE id = cid;
    FOR r IN SELECT * FROM deadline_rules ORDER BY ord LOOP
        SELECT max(day) INTO start_ FROM _case_docs WHERE doc_type = ANY (r.after_types);
        CONTINUE WHEN start_ IS NULL;
        CONTINUE WHEN EXISTS (SELECT 1 FROM _case_docs WHERE doc_type = ANY (r.done_types) AND day >= start_);
        -- A later stage already reached makes an earlier limit moot.
        CONTINUE WHEN EXISTS (SELECT 1 FROM _case_docs c
                              WHERE ancong_stage_rank(c.doc_type) >
                                    (SELECT max(ancong_stage_rank(t)) FROM unnest(r.done_types) t));
        IF r.working_days THEN
            due := ancong_add_working_days(start_, r.days + CASE WHEN ext THEN r.extension_days ELSE 0 END);
        ELSE
            due := start_ + r.days + CASE WHEN ext THEN r.extension_days ELSE 0 END;
        END IF;
        IF best_due IS NULL OR due < best_due THEN
            best_due := due; best_rule := r.code; best_what := r.what;
        END IF;
    END LOOP;
    UPDATE cases c SET
        stage = coalesce((SELECT ancong_stage_of_rank(max(ancong_stage_rank(doc_type))) FROM _case_docs
                           HAVING max(ancong_stage_rank(doc_type)) > 0), 'intake'),
        area = coalesce((SELECT f.value FROM fields f JOIN documents d ON d.id = f.document_id
                          WHERE d.case_id = cid AND f.name = 'linh_vuc' AND f.value <> ''
                          GROUP BY f.value ORDER BY count(*) DESC, f.value LIMIT 1), c.area),
        procurator_name = coalesce((
            SELECT substring(p.text FROM '(?:[Pp]hân công|[Cc]ử)\s+(?:ông|bà|Ông|Bà)\s+([^,\n]+?)\s*,\s*(?:là\s+)?Kiểm\s+sát\s+viên')
              FROM documents d JOIN pages p ON p.document_id = coalesce(d.parent_id, d.id)
                   AND p.number BETWEEN coalesce(d.first_page, 1) AND coalesce(d.last_page, 100000)
             WHERE d.case_id = cid AND d.doc_type = 'quyet_dinh_phan_cong'
             ORDER BY ancong_doc_date(d.id) DESC, p.number LIMIT 1), c.procurator_name),
        opened_on = (SELECT min(day) FROM _case_docs),
        last_activity_on = (SELECT max(day) FROM _case_docs),
        documents = (SELECT count(*) FROM _case_docs),
        next_due_on = best_due, next_due_rule = best_rule, next_due_what = best_what,
        updated_at = now()
    WHERE c.id = cid;
END $$;

-- A processed document without a case code joins the case of a document whose
-- number it cites ("trả lời Kiến nghị số 11/KN-VKS-DS ...").
CREATE FUNCTION ancong_link_by_reference(doc bigint) RETURNS bigint
    LANGUAGE plpgsql AS $$
DECLARE
    cid bigint;
BEGIN
    SELECT d2.case_id INTO cid
      FROM documents d
      JOIN pages p ON p.document_id = coalesce(d.parent_id, d.id)
                  AND p.number BETWEEN coalesce(d.first_page, 1) AND coalesce(d.last_page, 100000)
      JOIN fields f2 ON f2.name = 'so_van_ban' AND length(f2.value) >= 5 AND f2.document_id <> d.id
      JOIN documents d2 ON d2.id = f2.document_id AND d2.case_id IS NOT NULL
     WHERE d.id = doc
       AND position(f2.value IN p.text) > 0
       AND NOT EXISTS (SELECT 1 FROM fields own WHERE own.document_id = d.id
                         AND own.name = 'so_van_ban' AND own.value = f2.value)
     ORDER BY (d2.unit_id = d.unit_id) DESC, d2.id DESC
     LIMIT 1;
    IF cid IS NOT NULL THEN
        UPDATE documents SET case_id = cid WHERE id = doc AND case_id IS NULL;
        INSERT INTO audit_log (actor, action, document_id, case_id, details)
        VALUES ('system:cases', 'document.linked_by_reference', doc, cid, '{}'::jsonb);
    END IF;
    RETURN cid;
END $$;

-- Deferred to commit, when the worker's whole result (status, pages, fields,
-- case link) is in place.
-- A court's notice of acceptance carries the court's own number (TLST), not the
-- procuracy's case code: it joins the case whose lawsuit names the same
-- defendant, and the court's number is kept on that case.
CREATE FUNCTION ancong_link_court_notice(doc bigint) RETURNS bigint
    LANGUAGE plpgsql AS $$
DECLARE
    target bigint;
    old_case bigint;
BEGIN
    SELECT d2.case_id INTO target
      FROM fields fb
      JOIN fields f2 ON f2.name = 'bi_don' AND f2.search_value = fb.search_value AND f2.document_id <> fb.document_id
      JOIN documents d2 ON d2.id = f2.document_id AND d2.case_id IS NOT NULL
                       AND d2.doc_type IN ('quyet_dinh_khoi_kien', 'don_khoi_kien')
     WHERE fb.document_id = doc AND fb.name = 'bi_don' AND length(fb.value) > 3
     ORDER BY d2.id DESC LIMIT 1;
    SELECT case_id INTO old_case FROM documents WHERE id = doc;
    IF target IS NULL OR target = old_case THEN
        RETURN old_case;
    END IF;
    UPDATE documents SET case_id = target WHERE id = doc;
    UPDATE cases SET court_code = (SELECT value FROM fields WHERE document_id = doc AND name = 'ma_vu_viec')
     WHERE id = target;
    INSERT INTO audit_log (actor, action, document_id, case_id, details)
    VALUES ('system:cases', 'document.linked_to_lawsuit', doc, target, jsonb_build_object('from_case', old_case));
    IF old_case IS NOT NULL AND NOT EXISTS (SELECT 1 FROM documents WHERE case_id = old_case) THEN
        DELETE FROM cases WHERE id = old_case;
    END IF;
    RETURN target;
END $$;

CREATE FUNCTION ancong_documents_case_trigger() RETURNS trigger
    LANGUAGE plpgsql AS $$
DECLARE
    cid bigint := NEW.case_id;
BEGIN
    IF TG_OP = 'UPDATE' AND OLD.case_id IS DISTINCT FROM NEW.case_id
       AND EXISTS (SELECT 1 FROM cases WHERE id = OLD.case_id) THEN
        PERFORM ancong_case_refresh(OLD.case_id);
    END IF;
    IF NEW.status IN ('indexed', 'needs_review', 'approved', 'signed') THEN
        IF NEW.doc_type = 'thong_bao_thu_ly' THEN
            cid := ancong_link_court_notice(NEW.id);
        ELSIF cid IS NULL THEN
            cid := ancong_link_by_reference(NEW.id);
        END IF;
    END IF;
    IF EXISTS (SELECT 1 FROM cases WHERE id = cid) THEN
        PERFORM ancong_case_refresh(cid);
    END IF;
    RETURN NULL;
END $$;
CREATE CONSTRAINT TRIGGER documents_case_refresh
    AFTER INSERT OR UPDATE OF case_id, doc_type, status ON documents
    DEFERRABLE INITIALLY DEFERRED FOR EACH ROW
    EXECUTE FUNCTION ancong_documents_case_trigger();

CREATE FUNCTION ancong_fields_case_trigger() RETURNS trigger
    LANGUAGE plpgsql AS $$
BEGIN
    PERFORM ancong_case_refresh((SELECT case_id FROM documents WHERE id = NEW.document_id));
    RETURN NULL;
END $$;
CREATE CONSTRAINT TRIGGER fields_case_refresh
    AFTER INSERT OR UPDATE OF value ON fields
    DEFERRABLE INITIALLY DEFERRED FOR EACH ROW
    WHEN (NEW.name IN ('ngay_ban_hanh', 'linh_vuc'))
    EXECUTE FUNCTION ancong_fields_case_trigger();

-- ---- what people look at ----------------------------------------------------
-- Units a unit may see: itself and the units under it (the Supreme sees all).
CREATE FUNCTION ancong_visible_units(u int) RETURNS SETOF int
    LANGUAGE sql STABLE AS $$
    WITH RECURSIVE t(id) AS (SELECT u UNION SELECT x.id FROM units x JOIN t ON x.parent_id = t.id)
    SELECT id FROM t
$$;

CREATE VIEW case_overview AS
SELECT c.id, c.code, u.code AS unit, u.name AS unit_name,
       coalesce(u.province, pu.province) AS province,
       c.stage, c.area, c.procurator_name, c.documents, c.opened_on, c.last_activity_on,
       c.next_due_on, c.next_due_rule, c.next_due_what,
       (c.next_due_on IS NOT NULL AND c.next_due_on < (now() AT TIME ZONE 'Asia/Ho_Chi_Minh')::date) AS overdue
FROM cases c
JOIN units u ON u.id = c.unit_id
LEFT JOIN units pu ON pu.id = u.parent_id;
