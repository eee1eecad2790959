// The Node side of bench/Command.bench.ps1: per-call cost of running `true` in one sandbox with
// Daytona's TypeScript SDK (installed by `npm ci` in tests/contract), and with raw fetch calls to the
// same toolbox, so that routes, wrapper lines and clients can be told apart.
//
// Input, from the environment (never argv: the key is a secret): BENCH_API_URL, BENCH_API_KEY,
// BENCH_SANDBOX_ID, BENCH_LINE (the session line DaytonaPS sends for `true`).
// Protocol: prints "ready" once set up; then for each stdin line "<case> <calls>" runs that many
// calls and prints the mean milliseconds per call. So the PowerShell side can interleave its own
// batches with these in one run, on one emulator, under the same load.
import { createRequire } from 'node:module';
import { fileURLToPath, pathToFileURL } from 'node:url';
import readline from 'node:readline';
import path from 'node:path';

process.env.DAYTONA_USE_DEPRECATED_POLLING ??= 'true';
const here = path.dirname(fileURLToPath(import.meta.url));
const contract = path.join(here, '..', 'tests', 'contract');
const require = createRequire(path.join(contract, 'package.json'));
const { Daytona } = await import(pathToFileURL(require.resolve('@daytonaio/sdk')).href);

const apiKey = process.env.BENCH_API_KEY;
const daytona = new Daytona({ apiKey, apiUrl: process.env.BENCH_API_URL, target: 'us' });
const sandbox = await daytona.get(process.env.BENCH_SANDBOX_ID);
const base = `${sandbox.toolboxProxyUrl.replace(/\/$/, '')}/${sandbox.id}`;
const headers = { Authorization: `Bearer ${apiKey}`, 'Content-Type': 'application/json', 'X-Daytona-SDK-Version': '0.218.0' };
const post = async (p, body) => {
  const r = await fetch(base + p, { method: 'POST', headers, body: JSON.stringify(body) });
  await r.arrayBuffer();
  if (!r.ok) throw new Error(`${p}: ${r.status}`);
};

await sandbox.process.createSession('bench-sdk');
await post('/process/session', { sessionId: 'bench-raw' });

const line = process.env.BENCH_LINE;
const cases = {
  sdkExecuteCommand: () => sandbox.process.executeCommand('true'),
  sdkExecuteSessionCommand: () => sandbox.process.executeSessionCommand('bench-sdk', { command: 'true' }),
  rawExecute: () => post('/process/execute', { command: 'true' }),
  rawSessionExecPlain: () => post('/process/session/bench-raw/exec', { command: 'true' }),
  rawSessionExecDaytonaPSLine: () => post('/process/session/bench-raw/exec', { command: line }),
};
for (const call of Object.values(cases)) for (let i = 0; i < 3; i++) await call(); // warm-up

console.log('ready');
const rl = readline.createInterface({ input: process.stdin });
for await (const request of rl) {
  const [name, n] = request.trim().split(/\s+/);
  if (!name || name === 'quit') break;
  const call = cases[name];
  const calls = Number(n);
  const started = process.hrtime.bigint();
  for (let i = 0; i < calls; i++) await call();
  console.log(String(Number(process.hrtime.bigint() - started) / 1e6 / calls));
}
await sandbox.process.deleteSession('bench-sdk').catch(() => {});
process.exit(0);
