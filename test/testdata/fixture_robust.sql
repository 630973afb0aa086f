-- Fixture for the robustness tests (robustness_test.go). The tables are
-- named like aliases rowgate's statements use, or start with rb_.
--
-- pgrst_e1 is named like the alias of the first embedded relation of a
-- statement, and pgrst_root like the alias of the relation a read starts
-- from; rb_kids belong to pgrst_e1 rows and pgrst_root rows belong to
-- rb_kids.
CREATE TABLE pgrst_e1 (
    id    integer PRIMARY KEY,
    title text NOT NULL
);

CREATE TABLE rb_kids (
    id     integer PRIMARY KEY,
    parent integer NOT NULL REFERENCES pgrst_e1
);

CREATE TABLE pgrst_root (
    id     integer PRIMARY KEY,
    kid_id integer REFERENCES rb_kids
);

GRANT SELECT ON pgrst_e1, rb_kids, pgrst_root TO anon, authenticated;

INSERT INTO pgrst_e1 VALUES (1, 'one'), (2, 'two');
INSERT INTO rb_kids VALUES (10, 1), (11, 1), (20, 2);
INSERT INTO pgrst_root VALUES (100, 10), (200, 20);

-- rb_colpriv has a column anon may not read: the OpenAPI document anon
-- gets must not list it.
CREATE TABLE rb_colpriv (
    id        integer PRIMARY KEY,
    visible   text,
    secretcol text
);
GRANT SELECT (id, visible) ON rb_colpriv TO anon;
GRANT SELECT ON rb_colpriv TO authenticated;
INSERT INTO rb_colpriv VALUES (1, 'shown', 'hidden');
