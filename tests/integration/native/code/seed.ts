// Objects of every kind the function/trigger/policy/comment/owner/grant readers
// cover, with hostile names, for the integration tests of those readers. The
// roles get unique names per run (roles are cluster-wide); tests drop them.
import { randomBytes } from 'node:crypto';
import { quoteIdent } from '../../../../lib/sql/quote.js';

/** Two roles with hostile names, unique to this run, quoted for SQL. */
export function codeRoles(): { R1: string; R2: string } {
  const suffix = randomBytes(4).toString('hex');
  return { R1: quoteIdent(`pgbak "code" r1 ${suffix}`), R2: quoteIdent(`rôle;2_${suffix}`) };
}

/** The OID of the seeded large object. */
export const LO = 4_242_001;
/** The seeded table with the most decorations, quoted. */
export const T = `"Sch ""q;"."T;1 ""x"""`;

/** Tables, types and the rest of the table family: what a restore target has before these readers' SQL. */
export const BASE_SQL = `
CREATE SCHEMA "Sch ""q;";
CREATE TABLE ${T} (id serial PRIMARY KEY, "Col ""x" text, v int CONSTRAINT "v chk" CHECK (v > 0), "select" int);
CREATE INDEX "Idx é" ON ${T} (v);
CREATE TABLE public.ident (id int GENERATED ALWAYS AS IDENTITY PRIMARY KEY, note text);
CREATE TABLE public.parted (id int, k int) PARTITION BY RANGE (k);
CREATE TABLE public.parted_1 PARTITION OF public.parted FOR VALUES FROM (0) TO (10);
CREATE VIEW public."View 1" AS SELECT 1 AS a;
CREATE MATERIALIZED VIEW public.mv AS SELECT 1 AS a;
CREATE SEQUENCE public."Seq 1";
CREATE TYPE public.en AS ENUM ('a');
CREATE TYPE public.comp AS (a int, b text);
CREATE DOMAIN public.dm AS int CONSTRAINT "dm chk" CHECK (VALUE > 0);
CREATE COLLATION public."Coll 1" (provider = libc, locale = 'C');
CREATE EXTENSION pg_trgm;
`;

/** Everything the readers under test own, on top of BASE_SQL. */
export function codeSql({ R1, R2 }: { R1: string; R2: string }, major: number): string {
  return `
CREATE FUNCTION "Sch ""q;"."F ""x"(a integer, b text DEFAULT 'x''y') RETURNS int LANGUAGE sql IMMUTABLE AS $$ select a $$;
CREATE FUNCTION public.trg() RETURNS trigger LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog
  AS $$ begin return new; end $$;
CREATE FUNCTION public."atomic fn"(x int) RETURNS int LANGUAGE sql BEGIN ATOMIC SELECT x + 1; END;
CREATE FUNCTION public.pair(OUT a int, OUT b text) RETURNS SETOF record LANGUAGE sql STABLE ROWS 5 COST 7 AS $$ select 1, 'x' $$;
CREATE PROCEDURE public."Proc;1"(INOUT x int) LANGUAGE plpgsql AS $$ begin x := x + 1; end $$;
CREATE FUNCTION public.add_state(s int, v int) RETURNS int LANGUAGE sql IMMUTABLE AS $$ select s + v $$;

CREATE AGGREGATE public."Sum ""agg"(int) (sfunc = public.add_state, stype = int, initcond = '0', parallel = safe);
CREATE AGGREGATE public.myavg(numeric) (sfunc = numeric_avg_accum, stype = internal, finalfunc = numeric_avg,
  combinefunc = numeric_avg_combine, serialfunc = numeric_avg_serialize, deserialfunc = numeric_avg_deserialize,
  msfunc = numeric_avg_accum, minvfunc = numeric_accum_inv, mstype = internal, mfinalfunc = numeric_avg, parallel = safe);
CREATE AGGREGATE public.mymax(int) (sfunc = int4larger, stype = int, sortop = >);
CREATE AGGREGATE public.pct(float8 ORDER BY float8) (sfunc = ordered_set_transition, stype = internal,
  finalfunc = percentile_disc_final, finalfunc_extra);
CREATE AGGREGATE public.cnt(*) (sfunc = int8inc, stype = int8, initcond = '0');

CREATE TRIGGER "tr ""1" BEFORE INSERT OR UPDATE OF v ON ${T} FOR EACH ROW WHEN (new.v > 1) EXECUTE FUNCTION public.trg();
CREATE TRIGGER tr_disabled AFTER DELETE ON public.ident FOR EACH STATEMENT EXECUTE FUNCTION public.trg();
ALTER TABLE public.ident DISABLE TRIGGER tr_disabled;
CREATE TRIGGER tr_parted AFTER INSERT ON public.parted FOR EACH ROW EXECUTE FUNCTION public.trg();
CREATE CONSTRAINT TRIGGER ctr AFTER INSERT ON public.ident DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION public.trg();

CREATE RULE "r ""1" AS ON DELETE TO ${T} DO INSTEAD NOTHING;
CREATE RULE r_always AS ON UPDATE TO public.ident DO ALSO NOTIFY ident;
ALTER TABLE public.ident ENABLE ALWAYS RULE r_always;

ALTER TABLE ${T} ENABLE ROW LEVEL SECURITY;
ALTER TABLE ${T} FORCE ROW LEVEL SECURITY;
ALTER TABLE public.ident ENABLE ROW LEVEL SECURITY;
CREATE POLICY "p ""1" ON ${T} AS RESTRICTIVE FOR UPDATE TO ${R1}, ${R2} USING (v > 0) WITH CHECK (v < 100);
CREATE POLICY p2 ON ${T} USING (true);
CREATE POLICY p3 ON public.ident FOR INSERT TO PUBLIC, ${R2} WITH CHECK (note IS NOT NULL);

SELECT pg_catalog.lo_create(${LO});

COMMENT ON SCHEMA "Sch ""q;" IS 'schema ''quoted''';
COMMENT ON SCHEMA public IS 'not the stock comment';
COMMENT ON EXTENSION pg_trgm IS 'trigrams';
COMMENT ON TABLE ${T} IS 'table; --';
COMMENT ON COLUMN ${T}."Col ""x" IS 'column';
COMMENT ON CONSTRAINT "v chk" ON ${T} IS 'check';
COMMENT ON CONSTRAINT "T;1 ""x""_pkey" ON ${T} IS 'primary key';
COMMENT ON INDEX "Sch ""q;"."T;1 ""x""_pkey" IS 'pk index';
COMMENT ON INDEX "Sch ""q;"."Idx é" IS 'plain index';
COMMENT ON VIEW public."View 1" IS 'view';
COMMENT ON COLUMN public."View 1".a IS 'view column';
COMMENT ON MATERIALIZED VIEW public.mv IS 'matview';
COMMENT ON SEQUENCE public."Seq 1" IS 'sequence';
COMMENT ON TYPE public.en IS 'enum';
COMMENT ON COLUMN public.comp.a IS 'composite column';
COMMENT ON DOMAIN public.dm IS 'domain';
COMMENT ON CONSTRAINT "dm chk" ON DOMAIN public.dm IS 'domain check';
COMMENT ON COLLATION public."Coll 1" IS 'collation';
COMMENT ON FUNCTION "Sch ""q;"."F ""x"(int, text) IS 'function';
COMMENT ON PROCEDURE public."Proc;1"(int) IS 'procedure';
COMMENT ON AGGREGATE public."Sum ""agg"(int) IS 'aggregate';
COMMENT ON AGGREGATE public.cnt(*) IS 'count star';
COMMENT ON AGGREGATE public.pct(float8 ORDER BY float8) IS 'ordered set';
COMMENT ON TRIGGER "tr ""1" ON ${T} IS 'trigger';
COMMENT ON POLICY "p ""1" ON ${T} IS 'policy';
COMMENT ON RULE "r ""1" ON ${T} IS 'rule';
COMMENT ON LARGE OBJECT ${LO} IS 'large object';

ALTER SCHEMA "Sch ""q;" OWNER TO ${R2};
ALTER SCHEMA public OWNER TO ${R1};
ALTER TABLE ${T} OWNER TO ${R2};
ALTER TABLE public.ident OWNER TO ${R1};
ALTER VIEW public."View 1" OWNER TO ${R2};
ALTER MATERIALIZED VIEW public.mv OWNER TO ${R2};
ALTER SEQUENCE public."Seq 1" OWNER TO ${R1};
ALTER TYPE public.en OWNER TO ${R2};
ALTER DOMAIN public.dm OWNER TO ${R2};
ALTER COLLATION public."Coll 1" OWNER TO ${R2};
ALTER FUNCTION "Sch ""q;"."F ""x"(int, text) OWNER TO ${R1};
ALTER PROCEDURE public."Proc;1"(int) OWNER TO ${R2};
ALTER AGGREGATE public."Sum ""agg"(int) OWNER TO ${R2};
ALTER LARGE OBJECT ${LO} OWNER TO ${R2};

GRANT CREATE ON SCHEMA public TO PUBLIC;
GRANT USAGE ON SCHEMA "Sch ""q;" TO PUBLIC;
REVOKE ALL ON FUNCTION "Sch ""q;"."F ""x"(int, text) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION "Sch ""q;"."F ""x"(int, text) TO ${R2} WITH GRANT OPTION;
REVOKE EXECUTE ON PROCEDURE public."Proc;1"(int) FROM PUBLIC;
REVOKE EXECUTE ON FUNCTION public.cnt() FROM PUBLIC;
GRANT EXECUTE ON FUNCTION public.pct(float8, float8) TO ${R1} WITH GRANT OPTION;
GRANT ALL ON ${T} TO ${R1} WITH GRANT OPTION;
REVOKE DELETE ON ${T} FROM ${R2};
GRANT INSERT ON ${T} TO PUBLIC;
GRANT SELECT ("Col ""x"), UPDATE ("Col ""x") ON ${T} TO ${R1};
SET ROLE ${R1};
GRANT SELECT ON ${T} TO postgres;
RESET ROLE;
GRANT SELECT, UPDATE ON public.ident TO ${R2};
GRANT SELECT ON public."View 1" TO PUBLIC;
GRANT USAGE ON SEQUENCE public."Seq 1" TO ${R2};
REVOKE USAGE ON TYPE public.en FROM PUBLIC;
GRANT USAGE ON DOMAIN public.dm TO ${R1};
GRANT SELECT ON LARGE OBJECT ${LO} TO ${R1};
ALTER DEFAULT PRIVILEGES FOR ROLE ${R2} GRANT SELECT ON TABLES TO ${R1};
ALTER DEFAULT PRIVILEGES FOR ROLE ${R2} REVOKE EXECUTE ON FUNCTIONS FROM PUBLIC;
ALTER DEFAULT PRIVILEGES FOR ROLE ${R2} IN SCHEMA "Sch ""q;" GRANT USAGE ON SEQUENCES TO ${R1};
${major >= 17 ? `GRANT MAINTAIN ON public.ident TO ${R2};` : ''}
`;
}

