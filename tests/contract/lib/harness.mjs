// Imported by every test file: gives the suite one emulator and a Daytona client pointed at it,
// plus small helpers that give each test its own sandboxes and clean them up.
import { after, before } from 'node:test';
import http from 'node:http';
import { randomUUID } from 'node:crypto';
import { Daytona } from '@daytonaio/sdk';
import { buildEmulator, startEmulator } from './emulator.mjs';

// The SDK must poll (the emulator need not speak socket.io). Read by `new Daytona()`.
process.env.DAYTONA_USE_DEPRECATED_POLLING ??= 'true';

let state; // { apiUrl, apiKey, stop? }
let startup;

async function ensureEmulator() {
  if (process.env.DAYTONA_CONTRACT_STARTUP_ERROR) {
    throw new Error(`the emulator could not be started:\n${process.env.DAYTONA_CONTRACT_STARTUP_ERROR}`);
  }
  if (process.env.DAYTONA_CONTRACT_API_URL && process.env.DAYTONA_CONTRACT_API_KEY) {
    return { apiUrl: process.env.DAYTONA_CONTRACT_API_URL, apiKey: process.env.DAYTONA_CONTRACT_API_KEY };
  }
  // Standalone run of one file: build and start our own emulator.
  const dll = buildEmulator();
  return await startEmulator({ dll });
}

/**
 * Registers file-level before/after hooks and returns an object whose fields are filled in
 * before the first test runs: { apiUrl, apiKey, daytona }.
 */
export function useEmulator() {
  const ctx = { apiUrl: undefined, apiKey: undefined, daytona: undefined };
  before(async () => {
    startup ??= ensureEmulator();
    state = await startup;
    ctx.apiUrl = state.apiUrl;
    ctx.apiKey = state.apiKey;
    ctx.daytona = new Daytona({ apiKey: state.apiKey, apiUrl: state.apiUrl, target: 'us' });
  });
  after(async () => {
    await ctx.daytona?.[Symbol.asyncDispose]?.();
    await state?.stop?.();
    // axios uses Node's global keep-alive agent; its idle sockets would keep this file's process
    // alive for another ~5 s after the last test.
    http.globalAgent.destroy();
  });
  return ctx;
}

/** A unique, DNS-safe sandbox name for this run. */
export function uniqueName(prefix) {
  return `${prefix}-${randomUUID().slice(0, 8)}`;
}

/**
 * Per-test sandbox tracking: `const sb = await own(t, daytona.create(...))` registers the sandbox
 * for deletion when the test ends (best effort; errors ignored).
 */
export async function own(t, promise, daytona) {
  const sb = await promise;
  t.after(async () => {
    try {
      await sb.delete();
    } catch {
      /* already gone, or the emulator is broken: nothing to clean */
    }
  });
  return sb;
}

/** Runs `fn` and returns the error it throws (fails if it does not throw). */
export async function caught(fn) {
  try {
    await fn();
  } catch (e) {
    return e;
  }
  throw new Error('expected the call to throw, but it succeeded');
}

/** Raw authenticated request to the emulator, for checks the SDK does not expose. */
export async function rawApi(ctx, pathAndQuery, init = {}) {
  const res = await fetch(`${ctx.apiUrl}${pathAndQuery}`, {
    ...init,
    headers: {
      Authorization: `Bearer ${ctx.apiKey}`,
      'X-Daytona-Source': 'sdk-typescript-legacy',
      'X-Daytona-SDK-Version': '0.218.0',
      Accept: 'application/json',
      ...(init.headers || {}),
    },
  });
  const text = await res.text();
  let body;
  try {
    body = text ? JSON.parse(text) : undefined;
  } catch {
    body = text;
  }
  return { status: res.status, headers: res.headers, body };
}
