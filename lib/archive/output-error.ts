// Where the archive is written is storage's business; kept here for the modules that import it from archive/.
export { describeFsError, isOutputFailure, outputNotWritable } from '../storage/output-error.js';
