// Daytona's validation and state rules as the SDK sees them: status codes map to SDK error classes.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import {
  Daytona, DaytonaAuthenticationError, DaytonaConflictError, DaytonaNotFoundError, DaytonaTimeoutError,
  DaytonaValidationError,
} from '@daytonaio/sdk';
import { useEmulator, uniqueName, own, caught } from '../lib/harness.mjs';

const ctx = useEmulator();

const is = (err, Class, status) => {
  assert.ok(err instanceof Class, `expected ${Class.name}, got ${err?.constructor?.name}: ${err?.message}`);
  assert.equal(err.statusCode, status);
  assert.equal(typeof err.message, 'string');
  assert.ok(err.message.length > 0);
};

describe('errors', { concurrency: true, timeout: 90_000 }, () => {
  test('a wrong API key gives DaytonaAuthenticationError (401)', async () => {
    const bad = new Daytona({ apiKey: 'dtn_wrong', apiUrl: ctx.apiUrl, target: 'us' });
    is(await caught(() => bad.get('anything')), DaytonaAuthenticationError, 401);
    is(await caught(() => bad.create()), DaytonaAuthenticationError, 401);
  });

  test('a duplicate live name gives DaytonaConflictError (409)', async (t) => {
    const name = uniqueName('dup');
    await own(t, ctx.daytona.create({ name }));
    is(await caught(() => ctx.daytona.create({ name })), DaytonaConflictError, 409);
  });

  test('an unknown snapshot gives DaytonaValidationError (400)', async () => {
    is(await caught(() => ctx.daytona.create({ snapshot: `no-such-snapshot-${Date.now()}` })), DaytonaValidationError, 400);
  });

  test('resources with the default snapshot give DaytonaValidationError (400)', async () => {
    is(await caught(() => ctx.daytona.create({ resources: { cpu: 2, memory: 2 } })), DaytonaValidationError, 400);
  });

  test('resources above the per-sandbox limits give DaytonaValidationError (400)', async () => {
    const err = await caught(() => ctx.daytona.create({ image: 'alpine:3.20', resources: { memory: 4096 } }));
    is(err, DaytonaValidationError, 400);
    assert.match(err.message, /Memory request 4096GB exceeds maximum allowed per sandbox \(8GB\)/);
  });

  test('an unknown target gives DaytonaNotFoundError (404)', async () => {
    const mars = new Daytona({ apiKey: ctx.apiKey, apiUrl: ctx.apiUrl, target: 'mars' });
    const err = await caught(() => mars.create({ name: uniqueName('mars') }));
    is(err, DaytonaNotFoundError, 404);
    assert.match(err.message, /Region not found/);
  });

  test('stop on a stopped sandbox gives 400; start on a started one is a no-op', async (t) => {
    const sb = await own(t, ctx.daytona.create({ name: uniqueName('rules') }));
    await sb.start(); // already started: no error
    assert.equal(sb.state, 'started');
    await sb.stop();
    is(await caught(() => sb.stop()), DaytonaValidationError, 400);
  });

  test('executeCommand past its timeout gives DaytonaTimeoutError (408)', async (t) => {
    const sb = await own(t, ctx.daytona.create({ name: uniqueName('timeout') }));
    // The first command also starts the sandbox's init, which on a loaded machine takes seconds of
    // its own: start it first, so the time below is the command's.
    assert.equal((await sb.process.executeCommand('true')).exitCode, 0);
    const started = Date.now();
    const err = await caught(() => sb.process.executeCommand('sleep 60', undefined, undefined, 1));
    is(err, DaytonaTimeoutError, 408);
    // Far below the command's own 60 s: it was cut off, not run to its end (a bound this wide holds
    // on a machine at load 60, where a tight one failed).
    assert.ok(Date.now() - started < 30_000, 'the command was cut off by its 1 s timeout, not run for 60 s');
  });
});
