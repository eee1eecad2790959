#!/usr/bin/env node
// `npm test`: build the emulator once, start it once, run every test/*.test.mjs with node's
// built-in runner against it (spec output to stdout, ending with counts), write the JSON summary
// ({passed, failed}; path from CONTRACT_SUMMARY, default tests/contract/summary.json) and stop
// the emulator. Exit code 0 only when nothing failed.
//
// Env: DAYTONA_EMULATOR_DLL (use a prebuilt dll instead of building), CONTRACT_SUMMARY,
// CONTRACT_TEST_PATTERN (passed to --test-name-pattern).
import { spawn } from 'node:child_process';
import { readdirSync, readFileSync, writeFileSync, existsSync, rmSync } from 'node:fs';
import path from 'node:path';
import { buildEmulator, startEmulator, CONTRACT_DIR } from './lib/emulator.mjs';

const summaryPath = path.resolve(process.env.CONTRACT_SUMMARY || path.join(CONTRACT_DIR, 'summary.json'));
const partialPath = `${summaryPath}.partial.tmp`;
const say = (m) => console.log(`# contract: ${m}`);

let emulator;
let startupError;
try {
  const dll = buildEmulator({ log: say });
  emulator = await startEmulator({ dll, logFile: path.join(CONTRACT_DIR, '.emulator', 'emulator.log') });
  say(`emulator ready at ${emulator.apiUrl}`);
} catch (e) {
  startupError = String(e?.stack || e);
  console.error(`# contract: could not start the emulator; every test will fail:\n${startupError}`);
}

const files = readdirSync(path.join(CONTRACT_DIR, 'test'))
  .filter((f) => f.endsWith('.test.mjs'))
  .sort()
  .map((f) => path.join('test', f));

const args = [
  '--test', '--test-timeout=180000', `--test-concurrency=${files.length}`,
  '--test-reporter=spec', '--test-reporter-destination=stdout',
  `--test-reporter=${path.join(CONTRACT_DIR, 'lib', 'summary-reporter.mjs')}`, `--test-reporter-destination=${partialPath}`,
];
if (process.env.CONTRACT_TEST_PATTERN) args.push(`--test-name-pattern=${process.env.CONTRACT_TEST_PATTERN}`);
args.push(...files);

const env = {
  ...process.env,
  DAYTONA_USE_DEPRECATED_POLLING: 'true',
  ...(emulator ? { DAYTONA_CONTRACT_API_URL: emulator.apiUrl, DAYTONA_CONTRACT_API_KEY: emulator.apiKey } : {}),
  ...(startupError ? { DAYTONA_CONTRACT_STARTUP_ERROR: startupError } : {}),
};
delete env.DAYTONA_API_URL; // the suite passes apiUrl explicitly; keep the SDK's env checks quiet
rmSync(partialPath, { force: true });

const child = spawn(process.execPath, args, { cwd: CONTRACT_DIR, env, stdio: 'inherit' });
const onSignal = (sig) => child.kill(sig);
process.on('SIGINT', onSignal);
process.on('SIGTERM', onSignal);
const code = await new Promise((r) => child.on('exit', (c, s) => r(c ?? (s ? 1 : 0))));

await emulator?.stop();

let summary = { passed: 0, failed: 1 };
if (existsSync(partialPath)) {
  try {
    const s = JSON.parse(readFileSync(partialPath, 'utf8').trim());
    summary = { passed: s.passed, failed: s.failed };
    // The runner itself failing without a counted test failure is still a failure.
    if (code !== 0 && summary.failed === 0) summary.failed = 1;
  } catch { /* keep the failing default */ }
  rmSync(partialPath, { force: true });
}
writeFileSync(summaryPath, `${JSON.stringify(summary)}\n`);
say(`${summary.passed} passed, ${summary.failed} failed (summary: ${summaryPath})`);
process.exit(summary.failed === 0 && code === 0 ? 0 : 1);
