-- 0061: signatures a file arrives with (origin 'input', from the result
-- JSON's "signatures"): their time as written by the issuer's software,
-- read without ever failing the document over a malformed one.

CREATE FUNCTION ancong_jtime(v jsonb) RETURNS timestamptz
    LANGUAGE plpgsql IMMUTABLE PARALLEL SAFE AS $$
BEGIN
    IF jsonb_typeof(v) <> 'string' OR (v #>> '{}') !~ '^[0-9]{4}-[0-9]{2}-[0-9]{2}[T ][0-9]{2}:[0-9]{2}' THEN
        RETURN NULL;
    END IF;
    RETURN (v #>> '{}')::timestamptz;
EXCEPTION WHEN others THEN
    RETURN NULL;
END;
$$;
