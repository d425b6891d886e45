// Reading SQL scripts as psql does: where statements end, where COPY data runs,
// which psql meta-commands a script holds. One lexer, shared by pgbak's native
// loader (which runs scripts itself) and restore / verify (which scan a script
// before psql may run it).
export { splitSql, type SplitSqlOptions, type SplitStats, type SqlItem } from './split-sql.js';
export { SqlScriptError } from './script-error.js';
export { checkLoaderMetaCommand, checkPgDumpMetaCommand, metaCommandName, type MetaCommand, type MetaCommandPolicy } from './meta-command.js';
export { classifyCopy, classifyTransactionControl, settingValue, type CopyKind, type TransactionControl } from './classify-statement.js';
export { scanPgDumpScript, type ScriptScan, type ScanScriptOptions } from './scan-script.js';
