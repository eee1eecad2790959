// The Node side of bench/Terminal.bench.ps1: time from sandbox.process.createPty (Daytona's
// TypeScript SDK, installed by `npm ci` in tests/contract) to the first byte of terminal output,
// then `exit`. Input from the environment (never argv: the key is a secret): BENCH_API_URL,
// BENCH_API_KEY, BENCH_SANDBOX_ID, BENCH_RUNS. Prints one line: the milliseconds of each run.
import { createRequire } from 'node:module';
import { fileURLToPath, pathToFileURL } from 'node:url';
import path from 'node:path';

const here = path.dirname(fileURLToPath(import.meta.url));
const require = createRequire(path.join(here, '..', 'tests', 'contract', 'package.json'));
const { Daytona } = await import(pathToFileURL(require.resolve('@daytonaio/sdk')).href);

const daytona = new Daytona({ apiKey: process.env.BENCH_API_KEY, apiUrl: process.env.BENCH_API_URL, target: 'us' });
const sandbox = await daytona.get(process.env.BENCH_SANDBOX_ID);
const times = [];
for (let i = 0; i < Number(process.env.BENCH_RUNS || 7); i++) {
  let first;
  const gotFirst = new Promise((resolve) => { first = resolve; });
  const t0 = performance.now();
  const pty = await sandbox.process.createPty({ id: `bench-sdk-${i}-${Date.now()}`, cols: 100, rows: 30, onData: () => first(performance.now()) });
  times.push((await gotFirst) - t0);
  await pty.sendInput('exit\n');
  await pty.wait();
}
console.log(times.map((t) => t.toFixed(1)).join(' '));
