// Imported first by the a-kube executable: the open-file limit is raised before anything opens a descriptor.
import { raiseOpenFileLimit } from './file-limit.js';

const warning = raiseOpenFileLimit();
if (warning) process.stderr.write(`${warning}\n`);
