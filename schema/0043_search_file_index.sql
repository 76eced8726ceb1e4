-- 0043: search filters by document type and by field (cases/search.c) are
-- semi-joins from a page to its file: the document itself, or a part of a
-- split bundle (whose parent is the file).  This index lets the planner check
-- each candidate page with one index probe, instead of hashing every document
-- of a common type or every field of a common value first (0.3 s over
-- 500,000 documents).
CREATE INDEX documents_file_type_idx ON documents ((coalesce(parent_id, id)), doc_type);
