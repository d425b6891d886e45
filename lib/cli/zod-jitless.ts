import * as z from 'zod';

// zod compiles a parser (new Function) for an object schema the first time it parses with
// it: that pays back over thousands of objects, and a pgbak command parses a handful (the
// profile, the manifest), each compile costing more than the parse (~0.04 s of CPU on a run
// of an empty database; BENCHMARKS.md, "fixed cost per run", helper cliboot). The setting is
// read as a schema is built, so this module is the CLI's first import (lib/cli/main.ts).
// The library (dist/index.js) keeps zod's default.
z.config({ jitless: true });
