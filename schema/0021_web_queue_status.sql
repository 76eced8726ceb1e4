-- 0021: web_doc exposes documents.status as the enum itself (0020 cast it to
-- text, which kept the planner from using documents_unit_status_idx for the
-- queue's "status = 'needs_review'").  Only the view changes.
DROP VIEW web_doc;
CREATE VIEW web_doc AS
SELECT d.id, d.sha256, d.name AS file_name, s.code AS station, d.unit_id, un.name AS unit_name,
       d.status, d.doc_type, d.doc_type_confidence, c.code AS case_code,
       d.received_at AS created_at, d.review_due_at AS deadline, d.version
  FROM documents d
  JOIN units un ON un.id = d.unit_id
  LEFT JOIN stations s ON s.id = d.station_id
  LEFT JOIN cases c ON c.id = d.case_id;
