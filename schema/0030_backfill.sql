-- 0030: backfill completeness, per unit and day (issue 6).
-- "day" is the day the document was loaded; cases are those its documents link to.
CREATE VIEW backfill_completeness AS
SELECT u.code                                   AS unit,
       u.name                                   AS unit_name,
       (d.received_at AT TIME ZONE 'Asia/Ho_Chi_Minh')::date AS day,
       count(DISTINCT d.case_id)                AS cases,
       count(*)                                 AS documents,
       count(*) FILTER (WHERE d.status IN ('indexed', 'approved', 'signed')) AS indexed,
       count(*) FILTER (WHERE d.status = 'needs_review') AS needs_review,
       count(*) FILTER (WHERE d.status = 'failed') AS failed,
       count(*) FILTER (WHERE d.status IN ('received', 'processing')) AS pending
FROM documents d
JOIN units u ON u.id = d.unit_id
WHERE d.source = 'backfill' AND d.parent_id IS NULL
GROUP BY u.code, u.name, 3;
