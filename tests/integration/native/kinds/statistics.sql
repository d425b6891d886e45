-- Optimizer statistics (PostgreSQL 18; pg_dump --with-statistics, profile statistics: true):
-- tables of many column types whose most_common_vals, histograms and element/range
-- statistics are anyarray values in text form, an expression index (statistics of its
-- expressions), a primary key (an index a constraint makes), a materialized view with an
-- index, a partitioned table, an inheritance parent (inherited rows), an extended
-- statistics object (pg_dump 18 writes its definition, not its data). Hostile names.
-- Autovacuum is off per table, so nothing analyzes the copy behind the test's back.
CREATE SCHEMA "Stats ""sch""";
CREATE TYPE "Stats ""sch"""."mo od" AS ENUM ('sad', 'o''k', 'happy "x"');
CREATE TABLE "Stats ""sch"""."Ta'ble ü" (
  id int PRIMARY KEY,
  "Co""l" text,
  n int,
  arr int[],
  r int4range,
  js jsonb,
  ts timestamptz,
  f float8,
  b bytea,
  e "Stats ""sch"""."mo od",
  tv tsvector
) WITH (autovacuum_enabled = false);
INSERT INTO "Stats ""sch"""."Ta'ble ü"
SELECT g,
       CASE g % 4 WHEN 0 THEN 'a''b"c{,}' WHEN 1 THEN E'x\\y' WHEN 2 THEN 'NULL' ELSE NULL END,
       g % 7,
       ARRAY[g % 5, g % 3],
       int4range(g % 10, g % 10 + 5),
       jsonb_build_object('k"', g % 4),
       timestamptz '2026-01-01 00:00:00+00' + make_interval(hours => g),
       g / 7.0,
       decode(lpad(to_hex(g % 9), 2, '0'), 'hex'),
       (ARRAY['sad', 'o''k', 'happy "x"']::"Stats ""sch"""."mo od"[])[g % 3 + 1],
       to_tsvector('simple', 'w' || (g % 6) || ' v' || (g % 2))
  FROM generate_series(1, 3000) g;
CREATE INDEX "ix ""expr""" ON "Stats ""sch"""."Ta'ble ü" (lower("Co""l"), (n + 1));
CREATE STATISTICS "Stats ""sch"""."ext st" (ndistinct, dependencies, mcv) ON n, "Co""l" FROM "Stats ""sch"""."Ta'ble ü";

CREATE MATERIALIZED VIEW "Stats ""sch"""."mv ü" WITH (autovacuum_enabled = false) AS
  SELECT n, count(*) AS c FROM "Stats ""sch"""."Ta'ble ü" GROUP BY n;
CREATE INDEX "mv ix" ON "Stats ""sch"""."mv ü" (c);

CREATE TABLE "Stats ""sch"""."parted" (k int, v text) PARTITION BY RANGE (k);
CREATE TABLE "Stats ""sch"""."parted 1" PARTITION OF "Stats ""sch"""."parted" FOR VALUES FROM (0) TO (500) WITH (autovacuum_enabled = false);
CREATE TABLE "Stats ""sch"""."parted 2" PARTITION OF "Stats ""sch"""."parted" FOR VALUES FROM (500) TO (1000) WITH (autovacuum_enabled = false);
CREATE INDEX "parted v" ON "Stats ""sch"""."parted" (v);
INSERT INTO "Stats ""sch"""."parted" SELECT g, 'v' || (g % 13) FROM generate_series(0, 999) g;

CREATE TABLE "Stats ""sch"""."inh parent" (a int, t text) WITH (autovacuum_enabled = false);
CREATE TABLE "Stats ""sch"""."inh child" () INHERITS ("Stats ""sch"""."inh parent") WITH (autovacuum_enabled = false);
INSERT INTO "Stats ""sch"""."inh parent" SELECT g % 11, 'p' FROM generate_series(1, 200) g;
INSERT INTO "Stats ""sch"""."inh child" SELECT g % 17, 'c' FROM generate_series(1, 400) g;

-- Never analyzed: its statistics say so (reltuples -1) and come back the same.
CREATE TABLE "Stats ""sch"""."never analyzed" (x int) WITH (autovacuum_enabled = false);
