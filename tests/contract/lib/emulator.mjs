// Starting, finding and stopping the DaytonaPS emulator for the contract suite.
//
// `npm test` (run.mjs) builds and starts ONE emulator and hands it to every test file through
// DAYTONA_CONTRACT_API_URL / DAYTONA_CONTRACT_API_KEY. A test file run on its own
// (`node --test test/fs.test.mjs`) starts its own emulator through the same code.
import { spawn, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { createWriteStream, existsSync, mkdirSync } from 'node:fs';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';

export const CONTRACT_DIR = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
export const REPO_ROOT = path.resolve(CONTRACT_DIR, '..', '..');
export const EMULATOR_DIR = path.join(CONTRACT_DIR, '.emulator');
const PROJECT = path.join(REPO_ROOT, 'src', 'DaytonaPS.Emulator');

/** Path of the emulator dll: DAYTONA_EMULATOR_DLL, or our own Release build output. */
export function emulatorDllPath() {
  return process.env.DAYTONA_EMULATOR_DLL || path.join(EMULATOR_DIR, 'bin', 'DaytonaPS.Emulator.dll');
}

/**
 * Builds the emulator into tests/contract/.emulator/bin unless DAYTONA_EMULATOR_DLL names a
 * prebuilt dll. Throws with the build output when the build fails.
 */
export function buildEmulator({ log = () => {} } = {}) {
  if (process.env.DAYTONA_EMULATOR_DLL) {
    if (!existsSync(process.env.DAYTONA_EMULATOR_DLL)) {
      throw new Error(`DAYTONA_EMULATOR_DLL=${process.env.DAYTONA_EMULATOR_DLL} does not exist`);
    }
    return process.env.DAYTONA_EMULATOR_DLL;
  }
  mkdirSync(EMULATOR_DIR, { recursive: true });
  const out = path.join(EMULATOR_DIR, 'bin');
  log(`building the emulator: dotnet build ${path.relative(REPO_ROOT, PROJECT)} -c Release -o ${path.relative(REPO_ROOT, out)}`);
  const r = spawnSync('dotnet', ['build', PROJECT, '-c', 'Release', '-o', out, '-nologo', '-v', 'q', '-clp:ErrorsOnly'], {
    cwd: REPO_ROOT,
    encoding: 'utf8',
    env: { ...process.env, DOTNET_CLI_TELEMETRY_OPTOUT: '1', DOTNET_NOLOGO: '1' },
  });
  if (r.status !== 0) {
    throw new Error(`emulator build failed (exit ${r.status}):\n${(r.stdout || '') + (r.stderr || '')}`.trim());
  }
  return path.join(out, 'DaytonaPS.Emulator.dll');
}

/**
 * Spawns `dotnet <dll> --urls http://127.0.0.1:0 --transition-ms 200` with a random key in
 * DAYTONA_EMULATOR_API_KEY (kept off the process command line) and waits for the line with the API base URL. Returns { apiUrl, apiKey, child, stop() }.
 */
export async function startEmulator({ dll = emulatorDllPath(), transitionMs = 200, timeoutMs = 60_000, logFile } = {}) {
  if (!existsSync(dll)) throw new Error(`emulator dll not found: ${dll}`);
  const apiKey = `dtn_${randomBytes(32).toString('hex')}`;
  const args = [dll, '--urls', 'http://127.0.0.1:0', '--transition-ms', String(transitionMs)];
  const child = spawn('dotnet', args, {
    cwd: REPO_ROOT,
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, DOTNET_CLI_TELEMETRY_OPTOUT: '1', DOTNET_NOLOGO: '1', DAYTONA_EMULATOR_API_KEY: apiKey },
  });
  mkdirSync(EMULATOR_DIR, { recursive: true });
  const log = createWriteStream(logFile || path.join(EMULATOR_DIR, `emulator-${process.pid}.log`));
  const stderrTail = [];
  child.stderr.on('data', (d) => {
    log.write(d);
    stderrTail.push(d.toString());
    if (stderrTail.length > 50) stderrTail.shift();
  });

  const apiUrl = await new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      reject(new Error(`emulator did not print its API URL within ${timeoutMs} ms\n${stderrTail.join('')}`));
    }, timeoutMs);
    const rl = createInterface({ input: child.stdout });
    let found = false;
    rl.on('line', (line) => {
      log.write(`[stdout] ${line}\n`);
      const m = /^\s*(https?:\/\/\S+\/api)\/?\s*$/.exec(line);
      if (!found && m) {
        found = true;
        clearTimeout(timer);
        resolve(m[1]);
      }
    });
    child.once('error', (e) => {
      clearTimeout(timer);
      reject(e);
    });
    child.once('exit', (code, signal) => {
      clearTimeout(timer);
      if (!found) reject(new Error(`emulator exited (code ${code}, signal ${signal}) before it was ready\n${stderrTail.join('')}`));
    });
  });

  let stopped = false;
  const stop = async () => {
    if (stopped) return;
    stopped = true;
    if (child.exitCode === null && child.signalCode === null) {
      const exited = new Promise((r) => child.once('exit', r));
      child.kill('SIGTERM');
      const t = setTimeout(() => child.kill('SIGKILL'), 10_000);
      await exited;
      clearTimeout(t);
    }
    log.end();
  };
  return { apiUrl, apiKey, child, stop };
}
