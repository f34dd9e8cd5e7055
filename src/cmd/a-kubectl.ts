// The a-kubectl executable.
import './disable-proto.js';
import { runCli } from '../cli/main.js';

const controller = new AbortController();
for (const sig of ['SIGINT', 'SIGTERM'] as const) {
  process.once(sig, () => {
    controller.abort();
    setTimeout(() => process.exit(130), 1000).unref(); // a command that ignores the abort still ends
  });
}
process.stdout.on('error', (e: NodeJS.ErrnoException) => {
  if (e.code === 'EPIPE') process.exit(0); // `a-kubectl get … | head` closed the pipe
});

const code = await runCli(process.argv.slice(2), {
  io: { stdin: process.stdin, stdout: process.stdout, stderr: process.stderr, stdoutIsTTY: process.stdout.isTTY === true },
  env: process.env,
  signal: controller.signal,
});
process.exitCode = code;
