-- 0005: lenient readers for the pipeline's result JSON (store/jobs.c unpacks
-- it with these).  A value of the wrong type reads as NULL instead of
-- failing the whole transaction: a malformed number must not lose a document.

CREATE FUNCTION ancong_jnum(v jsonb) RETURNS double precision
    LANGUAGE sql IMMUTABLE PARALLEL SAFE
    RETURN CASE
        WHEN jsonb_typeof(v) = 'number' AND abs((v #>> '{}')::numeric) < 1e30
            THEN (v #>> '{}')::double precision
        WHEN jsonb_typeof(v) = 'string' AND (v #>> '{}') ~ '^\s*-?[0-9]{1,20}(\.[0-9]{1,20})?\s*$'
            THEN (v #>> '{}')::double precision
    END;

CREATE FUNCTION ancong_jint(v jsonb) RETURNS int
    LANGUAGE sql IMMUTABLE PARALLEL SAFE
    RETURN CASE WHEN abs(ancong_jnum(v)) < 2e9 THEN round(ancong_jnum(v))::int END;

CREATE FUNCTION ancong_jtext(v jsonb) RETURNS text
    LANGUAGE sql IMMUTABLE PARALLEL SAFE
    RETURN CASE WHEN jsonb_typeof(v) IN ('string', 'number', 'boolean') THEN v #>> '{}' END;

CREATE FUNCTION ancong_jbox(v jsonb) RETURNS int[]
    LANGUAGE sql IMMUTABLE PARALLEL SAFE
    RETURN CASE WHEN jsonb_typeof(v) = 'array'
                THEN ARRAY(SELECT ancong_jint(x) FROM jsonb_array_elements(v) AS x) END;

-- The status a result JSON asks for ("indexed" when it says nothing usable).
CREATE FUNCTION ancong_jstatus(v jsonb, dflt doc_status) RETURNS doc_status
    LANGUAGE sql IMMUTABLE PARALLEL SAFE
    RETURN CASE WHEN ancong_jtext(v) IN ('indexed', 'needs_review', 'failed')
                THEN ancong_jtext(v)::doc_status ELSE dflt END;

CREATE FUNCTION ancong_jarr(v jsonb) RETURNS jsonb
    LANGUAGE sql IMMUTABLE PARALLEL SAFE
    RETURN CASE WHEN jsonb_typeof(v) = 'array' THEN v ELSE '[]'::jsonb END;

CREATE FUNCTION ancong_jobj(v jsonb) RETURNS jsonb
    LANGUAGE sql IMMUTABLE PARALLEL SAFE
    RETURN CASE WHEN jsonb_typeof(v) = 'object' THEN v ELSE '{}'::jsonb END;
