export { loadSql, type LoadEvent, type LoadSqlOptions, type LoadSqlResult, type LoaderClient } from './load-sql.js';
export { splitSql, type SplitSqlOptions, type SplitStats, type SqlItem } from './split-sql.js';
export { SqlScriptError } from './script-error.js';
