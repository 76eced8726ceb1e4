-- 0041: statistics (issue 8).  One function feeds `ancong report`, its CSV and
-- the web page, so their numbers agree.  Periods are inclusive dates; the
-- procuracy's statistical year runs 1 December to 30 November.
--
-- Rows: (section, k1, k2, value)
--   cases_by_stage      unit   stage          cases opened in the period, by current stage
--   cases_by_province   province stage
--   cases_by_area       unit   area
--   documents_by_type   unit   doc_type       documents dated in the period
--   documents_by_month  unit   YYYY-MM
--   documents_by_status unit   status
--   overdue             unit   case code      1 per overdue case (any period)
--   backfill            unit   status         documents loaded by backfill
--   recommendations     unit   issued|replied
CREATE FUNCTION ancong_report(p_from date, p_to date, p_unit int)
    RETURNS TABLE (section text, k1 text, k2 text, value bigint)
    LANGUAGE sql STABLE AS $$
WITH vis AS (SELECT ancong_visible_units(p_unit) AS id),
cs AS (
    SELECT o.*, u.id AS unit_id FROM case_overview o JOIN units u ON u.code = o.unit
     WHERE u.id IN (SELECT id FROM vis)
),
cs_period AS (SELECT * FROM cs WHERE coalesce(opened_on, p_from) BETWEEN p_from AND p_to),
docs AS (
    SELECT d.id, d.doc_type, d.status, d.source, u.code AS unit, ancong_doc_date(d.id) AS day
      FROM documents d JOIN units u ON u.id = d.unit_id
     WHERE d.unit_id IN (SELECT id FROM vis)
       AND NOT EXISTS (SELECT 1 FROM documents ch WHERE ch.parent_id = d.id)   -- a bundle counts as its parts
),
docs_period AS (SELECT * FROM docs WHERE day BETWEEN p_from AND p_to)
SELECT 'cases_by_stage', unit, stage::text, count(*) FROM cs_period GROUP BY 2, 3
UNION ALL
SELECT 'cases_by_province', coalesce(province, '-'), stage::text, count(*) FROM cs_period GROUP BY 2, 3
UNION ALL
SELECT 'cases_by_area', unit, coalesce(area, '-'), count(*) FROM cs_period GROUP BY 2, 3
UNION ALL
SELECT 'documents_by_type', unit, coalesce(doc_type, '-'), count(*) FROM docs_period GROUP BY 2, 3
UNION ALL
SELECT 'documents_by_month', unit, to_char(day, 'YYYY-MM'), count(*) FROM docs_period GROUP BY 2, 3
UNION ALL
SELECT 'documents_by_status', unit, status::text, count(*) FROM docs_period GROUP BY 2, 3
UNION ALL
SELECT 'overdue', unit, code, 1 FROM cs WHERE overdue
UNION ALL
SELECT 'backfill', unit, status::text, count(*) FROM docs WHERE source = 'backfill' GROUP BY 2, 3
UNION ALL
SELECT 'recommendations', unit, CASE WHEN doc_type = 'kien_nghi' THEN 'issued' ELSE 'replied' END, count(*)
  FROM docs_period WHERE doc_type IN ('kien_nghi', 'tra_loi_kien_nghi') GROUP BY 2, 3
ORDER BY 1, 2, 3
$$;
