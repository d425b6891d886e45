// A schema that exercises what compare looks at, with hostile names, as a list
// of statements that can be applied in two different orders and still give the
// same shape.

/** Statements creating the reference schema; each entry is independent of the ones after it. */
export const baseStatements: string[] = [
  `CREATE SCHEMA app`,
  `CREATE SCHEMA "Billing Dept"`,
  `CREATE TYPE app.status AS ENUM ('new', 'paid', 'shipped')`,
  `CREATE DOMAIN app.positive AS integer CHECK (VALUE > 0)`,
  `CREATE SEQUENCE app.invoice_no INCREMENT BY 10 MINVALUE 100 MAXVALUE 100000 START 100`,
  `CREATE TABLE app.customers (
     id integer GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
     "E-Mail" text NOT NULL UNIQUE,
     name text COLLATE "C" NOT NULL,
     created timestamptz NOT NULL DEFAULT now()
   )`,
  `CREATE TABLE app.orders (
     id bigserial PRIMARY KEY,
     customer_id integer NOT NULL REFERENCES app.customers (id) ON DELETE CASCADE DEFERRABLE,
     status app.status NOT NULL DEFAULT 'new',
     quantity app.positive NOT NULL,
     price numeric(10, 2) NOT NULL CHECK (price >= 0),
     total numeric GENERATED ALWAYS AS (quantity * price) STORED,
     note text
   )`,
  `CREATE INDEX orders_customer_idx ON app.orders (customer_id) INCLUDE (status) WHERE note IS NULL`,
  `CREATE TABLE "Billing Dept"."Invoice ""Lines""" (
     "select" integer NOT NULL,
     "Ünïcode" text,
     invoice integer NOT NULL DEFAULT nextval('app.invoice_no')
   )`,
  `CREATE VIEW app.open_orders AS SELECT id, customer_id, total FROM app.orders WHERE status <> 'shipped'`,
  `CREATE MATERIALIZED VIEW app.order_totals AS SELECT customer_id, sum(total) AS total FROM app.orders GROUP BY customer_id`,
  `CREATE FUNCTION app.order_count(c integer) RETURNS bigint LANGUAGE sql STABLE AS $$ SELECT count(*) FROM app.orders WHERE customer_id = c $$`,
  `CREATE PROCEDURE app.touch(c integer) LANGUAGE plpgsql AS $$ BEGIN UPDATE app.customers SET created = now() WHERE id = c; END $$`,
  `CREATE FUNCTION app.stamp() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN NEW.note := coalesce(NEW.note, 'n/a'); RETURN NEW; END $$`,
  `CREATE TRIGGER orders_stamp BEFORE INSERT ON app.orders FOR EACH ROW EXECUTE FUNCTION app.stamp()`,
  `ALTER TABLE app.orders ENABLE ROW LEVEL SECURITY`,
  `CREATE POLICY own_orders ON app.orders USING (customer_id > 0)`,
  `CREATE EXTENSION IF NOT EXISTS pg_trgm WITH SCHEMA app`,
  `COMMENT ON TABLE app.orders IS 'customer orders'`,
];

/** The same statements with independent ones swapped, so OIDs and attnums of new objects differ. */
export function reorderedStatements(): string[] {
  const s = [...baseStatements];
  const move = (from: number, to: number) => s.splice(to, 0, ...s.splice(from, 1));
  // The schemas reversed, the extension and the trigger function before the types and tables.
  move(s.findIndex((x) => x.startsWith('CREATE SCHEMA "Billing')), 0);
  move(s.findIndex((x) => x.startsWith('CREATE EXTENSION')), 2);
  move(s.findIndex((x) => x.startsWith('CREATE FUNCTION app.stamp')), 3);
  return s;
}
