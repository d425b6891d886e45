export { loadSql, type LoadEvent, type LoadSqlOptions, type LoadSqlResult, type LoaderClient } from './load-sql.js';
export { splitSql, SqlScriptError, type SplitSqlOptions, type SplitStats, type SqlItem } from '../../../sql/script/index.js';
