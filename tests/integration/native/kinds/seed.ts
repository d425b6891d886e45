// Objects of the kinds outside the table and code families — statistics
// objects, casts, event triggers, languages… — with hostile names (quotes,
// spaces, upper case, unicode), for the native engine's round-trip tests.

/** The schema every seeded kind lives in, quoted. */
export const S = `"Kö ""k"" S"`;

/** A table the statistics objects describe. */
const tableSql = `
CREATE SCHEMA ${S};
CREATE TABLE ${S}."T a" (a int, "B b" int, c text);
INSERT INTO ${S}."T a" SELECT g, g % 7, g::text FROM generate_series(1, 50) g;
`;

/** Extended statistics: several kinds, an expression, a set target, a comment, another schema than its table. */
export const statisticsSeed = `
CREATE STATISTICS ${S}."St ""1"" É" (dependencies, ndistinct) ON a, "B b" FROM ${S}."T a";
CREATE STATISTICS ${S}.st_expr ON (a + 1), c FROM ${S}."T a";
ALTER STATISTICS ${S}.st_expr SET STATISTICS 50;
COMMENT ON STATISTICS ${S}."St ""1"" É" IS 'stats ''quoted''';
CREATE SCHEMA "Other St";
CREATE STATISTICS "Other St"."mcv ""x""" (mcv) ON a, c FROM ${S}."T a";
`;

/** Casts: with a function (assignment), WITH INOUT (implicit, commented), WITHOUT FUNCTION between
 * binary-coercible built-in types (which only a superuser, owning them, may create). */
export const castSeed = `
CREATE TYPE ${S}."Pair ""p""" AS (a int, b int);
CREATE FUNCTION ${S}."pair text"(${S}."Pair ""p""") RETURNS text LANGUAGE sql IMMUTABLE AS $$SELECT $1.a || ',' || $1.b$$;
CREATE CAST (${S}."Pair ""p""" AS text) WITH FUNCTION ${S}."pair text"(${S}."Pair ""p""") AS ASSIGNMENT;
CREATE CAST (int8 AS ${S}."Pair ""p""") WITH INOUT AS IMPLICIT;
COMMENT ON CAST (int8 AS ${S}."Pair ""p""") IS 'inout';
CREATE CAST (regrole AS regnamespace) WITHOUT FUNCTION;
-- Its range-to-multirange cast is part of the type: no CREATE CAST of its own.
CREATE TYPE ${S}."Text R" AS RANGE (subtype = text);
`;

/**
 * Text search dictionaries (options, another one's template) and configurations
 * (copied mappings, reserved-word token names, several dictionaries per token, none).
 */
export const textSearchSeed = `
CREATE TEXT SEARCH DICTIONARY ${S}."Dict ""É""" (TEMPLATE = pg_catalog.simple, STOPWORDS = english, ACCEPT = false);
CREATE TEXT SEARCH DICTIONARY ${S}.syn (TEMPLATE = synonym, SYNONYMS = synonym_sample);
COMMENT ON TEXT SEARCH DICTIONARY ${S}.syn IS 'synonyms';
CREATE TEXT SEARCH CONFIGURATION ${S}."Cfg ""1""" (COPY = pg_catalog.english);
ALTER TEXT SEARCH CONFIGURATION ${S}."Cfg ""1""" ALTER MAPPING FOR asciiword, "int" WITH ${S}.syn, ${S}."Dict ""É""", english_stem;
CREATE TEXT SEARCH CONFIGURATION ${S}.empty (PARSER = default);
COMMENT ON TEXT SEARCH CONFIGURATION ${S}.empty IS 'no mappings';
`;

/** Operators: infix with commutator (itself), negator (a shell), estimators, MERGES, HASHES; prefix; comments. */
export const operatorSeed = `
CREATE FUNCTION ${S}."f eq"(int, int) RETURNS bool LANGUAGE sql IMMUTABLE AS 'SELECT $1 = $2';
CREATE FUNCTION ${S}."f ne"(int, int) RETURNS bool LANGUAGE sql IMMUTABLE AS 'SELECT $1 <> $2';
CREATE FUNCTION ${S}.f_neg(int) RETURNS int LANGUAGE sql IMMUTABLE AS 'SELECT -$1';
CREATE OPERATOR ${S}.=== (FUNCTION = ${S}."f eq", LEFTARG = int, RIGHTARG = int, COMMUTATOR = OPERATOR(${S}.===),
  NEGATOR = OPERATOR(${S}.!==), RESTRICT = eqsel, JOIN = eqjoinsel, HASHES, MERGES);
CREATE OPERATOR ${S}.<~> (FUNCTION = ${S}."f ne", LEFTARG = int, RIGHTARG = int, COMMUTATOR = OPERATOR(${S}.<~>));
CREATE OPERATOR ${S}.~~~ (FUNCTION = ${S}.f_neg, RIGHTARG = int);
COMMENT ON OPERATOR ${S}.~~~ (NONE, int) IS 'prefix ''minus''';
COMMENT ON OPERATOR ${S}.=== (int, int) IS 'equal';
`;

/** Statistics objects, casts, operators and text search objects (restored by a superuser: only one may cast between built-in types). */
export function ownerKindsSeed(): string {
  return tableSql + statisticsSeed + castSeed + textSearchSeed + operatorSeed;
}

/**
 * Event triggers (one per event, tags, each non-default state, a comment, an
 * owner that is not the creator), hand-made languages, text search parsers
 * and templates: only a superuser may create them.
 */
export function superuserKindsSeed(owner: string): string {
  return `
CREATE SCHEMA IF NOT EXISTS ${S};
CREATE FUNCTION ${S}."Evt fn"() RETURNS event_trigger LANGUAGE plpgsql AS $$BEGIN END$$;
CREATE EVENT TRIGGER "Evt ""1"" ü" ON ddl_command_start WHEN TAG IN ('CREATE TABLE', 'DROP TABLE') EXECUTE FUNCTION ${S}."Evt fn"();
CREATE EVENT TRIGGER evt_drop ON sql_drop EXECUTE FUNCTION ${S}."Evt fn"();
ALTER EVENT TRIGGER evt_drop DISABLE;
COMMENT ON EVENT TRIGGER evt_drop IS 'drop ''watch''';
CREATE EVENT TRIGGER evt_end ON ddl_command_end EXECUTE FUNCTION ${S}."Evt fn"();
ALTER EVENT TRIGGER evt_end ENABLE REPLICA;
CREATE EVENT TRIGGER evt_rewrite ON table_rewrite EXECUTE FUNCTION ${S}."Evt fn"();
ALTER EVENT TRIGGER evt_rewrite ENABLE ALWAYS;
ALTER EVENT TRIGGER evt_rewrite OWNER TO ${owner};
CREATE FUNCTION ${S}."Pl handler"() RETURNS language_handler AS '$libdir/plpgsql', 'plpgsql_call_handler' LANGUAGE c;
CREATE FUNCTION ${S}."Pl inline"(internal) RETURNS void AS '$libdir/plpgsql', 'plpgsql_inline_handler' LANGUAGE c STRICT;
CREATE FUNCTION ${S}."Pl validator"(oid) RETURNS void AS '$libdir/plpgsql', 'plpgsql_validator' LANGUAGE c STRICT;
CREATE TRUSTED LANGUAGE "My PL ""x""" HANDLER ${S}."Pl handler" INLINE ${S}."Pl inline" VALIDATOR ${S}."Pl validator";
COMMENT ON LANGUAGE "My PL ""x""" IS 'a copy of plpgsql';
ALTER LANGUAGE "My PL ""x""" OWNER TO ${owner};
REVOKE USAGE ON LANGUAGE "My PL ""x""" FROM PUBLIC;
GRANT USAGE ON LANGUAGE "My PL ""x""" TO ${owner};
CREATE LANGUAGE "Untrusted pl" HANDLER ${S}."Pl handler";
CREATE FUNCTION ${S}."in my pl"() RETURNS int LANGUAGE "My PL ""x""" AS $$BEGIN RETURN 1; END$$;
CREATE TEXT SEARCH TEMPLATE ${S}."Tmpl ""t""" (INIT = dsimple_init, LEXIZE = dsimple_lexize);
CREATE TEXT SEARCH TEMPLATE ${S}.lexize_only (LEXIZE = dsimple_lexize);
COMMENT ON TEXT SEARCH TEMPLATE ${S}.lexize_only IS 'no init';
CREATE TEXT SEARCH PARSER ${S}."Prs ü" (START = prsd_start, GETTOKEN = prsd_nexttoken, END = prsd_end, LEXTYPES = prsd_lextype, HEADLINE = prsd_headline);
COMMENT ON TEXT SEARCH PARSER ${S}."Prs ü" IS 'the default parser again';
CREATE TEXT SEARCH DICTIONARY ${S}.d3 (TEMPLATE = ${S}."Tmpl ""t""");
CREATE TEXT SEARCH CONFIGURATION ${S}.c3 (PARSER = ${S}."Prs ü");
ALTER TEXT SEARCH CONFIGURATION ${S}.c3 ADD MAPPING FOR word, "int" WITH ${S}.d3, simple;
`;
}

/**
 * Operator classes and families: a btree class over int with its own ordering
 * (by absolute value: operators, a comparison function, a comment) that an index
 * uses; a hash family with a loose member (ALTER OPERATOR FAMILY … ADD) and a
 * class in it (FAMILY …), used by a hash index.
 */
export const operatorClassSeed = `
CREATE SCHEMA IF NOT EXISTS ${S};
CREATE FUNCTION ${S}."abs cmp"(int, int) RETURNS int LANGUAGE sql IMMUTABLE STRICT
  AS 'SELECT CASE WHEN abs($1) < abs($2) THEN -1 WHEN abs($1) > abs($2) THEN 1 ELSE 0 END';
CREATE FUNCTION ${S}.abs_lt(int, int) RETURNS bool LANGUAGE sql IMMUTABLE STRICT AS 'SELECT abs($1) < abs($2)';
CREATE FUNCTION ${S}.abs_le(int, int) RETURNS bool LANGUAGE sql IMMUTABLE STRICT AS 'SELECT abs($1) <= abs($2)';
CREATE FUNCTION ${S}.abs_eq(int, int) RETURNS bool LANGUAGE sql IMMUTABLE STRICT AS 'SELECT abs($1) = abs($2)';
CREATE FUNCTION ${S}.abs_ge(int, int) RETURNS bool LANGUAGE sql IMMUTABLE STRICT AS 'SELECT abs($1) >= abs($2)';
CREATE FUNCTION ${S}.abs_gt(int, int) RETURNS bool LANGUAGE sql IMMUTABLE STRICT AS 'SELECT abs($1) > abs($2)';
CREATE FUNCTION ${S}."abs hash"(int) RETURNS int LANGUAGE sql IMMUTABLE STRICT AS 'SELECT hashint4(abs($1))';
CREATE FUNCTION ${S}.abs_hash_ext(int, bigint) RETURNS bigint LANGUAGE sql IMMUTABLE STRICT AS 'SELECT hashint4extended(abs($1), $2)';
CREATE OPERATOR ${S}.<| (FUNCTION = ${S}.abs_lt, LEFTARG = int, RIGHTARG = int);
CREATE OPERATOR ${S}.<|= (FUNCTION = ${S}.abs_le, LEFTARG = int, RIGHTARG = int);
CREATE OPERATOR ${S}.=| (FUNCTION = ${S}.abs_eq, LEFTARG = int, RIGHTARG = int, COMMUTATOR = OPERATOR(${S}.=|), HASHES, MERGES);
CREATE OPERATOR ${S}.|>= (FUNCTION = ${S}.abs_ge, LEFTARG = int, RIGHTARG = int);
CREATE OPERATOR ${S}.|> (FUNCTION = ${S}.abs_gt, LEFTARG = int, RIGHTARG = int);
CREATE OPERATOR CLASS ${S}."Abs ""ops"" é" FOR TYPE int USING btree AS
  OPERATOR 1 ${S}.<|, OPERATOR 2 ${S}.<|=, OPERATOR 3 ${S}.=|, OPERATOR 4 ${S}.|>=, OPERATOR 5 ${S}.|>,
  FUNCTION 1 ${S}."abs cmp"(int, int);
COMMENT ON OPERATOR CLASS ${S}."Abs ""ops"" é" USING btree IS 'by ''absolute'' value';
CREATE OPERATOR FAMILY ${S}."Fam ü" USING hash;
COMMENT ON OPERATOR FAMILY ${S}."Fam ü" USING hash IS 'hash by absolute value';
CREATE OPERATOR CLASS ${S}.abs_hash FOR TYPE int USING hash FAMILY ${S}."Fam ü" AS
  OPERATOR 1 ${S}.=|, FUNCTION 1 ${S}."abs hash"(int);
ALTER OPERATOR FAMILY ${S}."Fam ü" USING hash ADD FUNCTION 2 (int, int) ${S}.abs_hash_ext(int, bigint);
CREATE TABLE ${S}.nums (n int);
INSERT INTO ${S}.nums SELECT g * (CASE WHEN g % 2 = 0 THEN 1 ELSE -1 END) FROM generate_series(1, 100) g;
CREATE INDEX "Nums abs" ON ${S}.nums (n ${S}."Abs ""ops"" é");
CREATE INDEX nums_hash ON ${S}.nums USING hash (n ${S}.abs_hash);
`;
