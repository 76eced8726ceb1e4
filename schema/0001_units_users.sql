-- 0001: organisation (units), people (users and their role), search helpers.
-- Every row a user can see belongs to a unit (DESIGN.md, Database).

CREATE EXTENSION IF NOT EXISTS unaccent;
CREATE EXTENSION IF NOT EXISTS pg_trgm;

-- Search key, the SQL twin of common/str.h utf8_fold(): diacritics removed,
-- đ/Đ -> d, lower case, runs of white space folded to one space, trimmed.
-- IMMUTABLE (the dictionary is named explicitly) so that generated columns
-- and indexes can use it.
CREATE FUNCTION ancong_fold(t text) RETURNS text
    LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
    RETURN btrim(regexp_replace(
        lower(public.unaccent('public.unaccent'::regdictionary, translate(t, 'đĐ', 'dd'))),
        '\s+', ' ', 'g'));

CREATE TYPE unit_level AS ENUM ('supreme', 'provincial', 'regional');

CREATE TABLE units (
    id          serial PRIMARY KEY,
    code        text NOT NULL UNIQUE,           -- 'vkstc', 'ha_noi', 'ha_noi_kv3' ...
    name        text NOT NULL,
    level       unit_level NOT NULL,
    parent_id   int REFERENCES units (id),
    province    text,                           -- FIELDS.md "tinh" id; NULL for the Supreme
    created_at  timestamptz NOT NULL DEFAULT now(),
    CHECK ((level = 'supreme') = (parent_id IS NULL))
);

INSERT INTO units (code, name, level) VALUES
    ('vkstc', 'Viện kiểm sát nhân dân tối cao', 'supreme');
INSERT INTO units (code, name, level, parent_id, province)
SELECT p.code, p.name, 'provincial', (SELECT id FROM units WHERE code = 'vkstc'), p.code
FROM (VALUES
    ('ha_noi',      'Viện kiểm sát nhân dân thành phố Hà Nội'),
    ('ho_chi_minh', 'Viện kiểm sát nhân dân Thành phố Hồ Chí Minh'),
    ('da_nang',     'Viện kiểm sát nhân dân thành phố Đà Nẵng'),
    ('can_tho',     'Viện kiểm sát nhân dân thành phố Cần Thơ'),
    ('quang_ninh',  'Viện kiểm sát nhân dân tỉnh Quảng Ninh'),
    ('dak_lak',     'Viện kiểm sát nhân dân tỉnh Đắk Lắk')
) AS p (code, name);

CREATE TYPE user_role AS ENUM
    ('leader', 'procurator', 'inspector', 'specialist', 'reviewer', 'operator', 'admin');

CREATE TABLE users (
    id             serial PRIMARY KEY,
    login          text NOT NULL UNIQUE,
    full_name      text NOT NULL,
    unit_id        int NOT NULL REFERENCES units (id),
    role           user_role NOT NULL,
    password_hash  text,                        -- libsodium/argon2 string; NULL = cannot log in
    active         boolean NOT NULL DEFAULT true,
    created_at     timestamptz NOT NULL DEFAULT now(),
    last_login_at  timestamptz
);
CREATE INDEX users_unit_idx ON users (unit_id);
