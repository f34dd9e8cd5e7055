// The baseline server's process: `node --import tsx bench/lib/baseline-main.ts CERT KEY CA`; prints "baseline is up at URL".
import { readFileSync } from 'node:fs';
import { startBaselineServer } from './baseline-server.js';

const [certFile, keyFile, caFile] = process.argv.slice(2);
if (!certFile || !keyFile || !caFile) {
  process.stderr.write('usage: baseline-main.ts CERT KEY CA\n');
  process.exit(2);
}
const { url } = await startBaselineServer({ cert: readFileSync(certFile, 'utf8'), key: readFileSync(keyFile, 'utf8'), ca: readFileSync(caFile, 'utf8') });
process.stdout.write(`baseline is up at ${url}\n`);
process.on('SIGTERM', () => process.exit(0));
