-- 0006: ancong_fold() becomes the exact twin of common/str.h utf8_fold():
-- compatibility decomposition (NFKD: "m²" -> "m2"), combining marks removed,
-- đ/Đ/ð/Ð -> d, lower case, runs of white space -> one space, trimmed.
-- (0001 used unaccent(), which also rewrote curly quotes and disagreed with
-- the C side on a few characters; a query folded in C must find text
-- folded here.)  Stored search columns are recomputed.

CREATE OR REPLACE FUNCTION ancong_fold(t text) RETURNS text
    LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
    RETURN btrim(regexp_replace(
        lower(translate(
            regexp_replace(normalize(t, NFKD),
                           '[\u0300-\u036f\u0483-\u0489\u1ab0-\u1aff\u1dc0-\u1dff\u20d0-\u20ff\ufe20-\ufe2f]',
                           '', 'g'),
            'đĐðÐ', 'dddd')),
        '[ \t\n\r\u00a0\u1680\u2000-\u200a\u202f\u205f\u3000]+', ' ', 'g'), ' ');

UPDATE pages SET text = text WHERE search_text IS DISTINCT FROM ancong_fold(text);
UPDATE fields SET value = value WHERE search_value IS DISTINCT FROM ancong_fold(value);
