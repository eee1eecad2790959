// Daytona secrets through the SDK's SecretService, sandboxes created with `secrets`, updateSecrets and updateEnv.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { DaytonaConflictError, DaytonaNotFoundError } from '@daytonaio/sdk';
import { useEmulator, own, caught } from '../lib/harness.mjs';

const ctx = useEmulator();

const secretName = (prefix) => `${prefix}_${Math.random().toString(36).slice(2, 10)}`;

describe('secrets', { concurrency: true, timeout: 90_000 }, () => {
  test('create, get, list with cursor and name filter, update, delete', async () => {
    const tag = secretName('ctr');
    const created = await ctx.daytona.secret.create({ name: `${tag}_a`, value: 'value-a', description: 'first', hosts: ['api.example.com'] });
    assert.equal(created.name, `${tag}_a`);
    assert.match(created.placeholder, /^dtn_secret_/);
    assert.deepEqual(created.hosts, ['api.example.com']);
    assert.equal(created.value, undefined, 'the value never comes back');
    for (const n of ['b', 'c']) await ctx.daytona.secret.create({ name: `${tag}_${n}`, value: 'v' });

    const got = await ctx.daytona.secret.get(created.id);
    assert.equal(got.description, 'first');

    const seen = [];
    let cursor;
    do {
      const page = await ctx.daytona.secret.list({ cursor, limit: 2, name: tag, sort: 'name', order: 'asc' });
      assert.equal(page.total, 3);
      seen.push(...page.items.map((s) => s.name));
      cursor = page.nextCursor ?? undefined;
    } while (cursor);
    assert.deepEqual(seen, [`${tag}_a`, `${tag}_b`, `${tag}_c`]);

    const updated = await ctx.daytona.secret.update(created.id, { hosts: ['api.example.com', '*.example.com'] });
    assert.deepEqual(updated.hosts, ['api.example.com', '*.example.com']);
    assert.equal(updated.description, 'first', 'omitted fields are left unchanged');

    const dup = await caught(() => ctx.daytona.secret.create({ name: `${tag}_a`, value: 'x' }));
    assert.ok(dup instanceof DaytonaConflictError, `expected DaytonaConflictError, got ${dup?.constructor?.name}`);

    for (const s of (await ctx.daytona.secret.list({ name: tag })).items) await ctx.daytona.secret.delete(s.id);
    const gone = await caught(() => ctx.daytona.secret.get(created.id));
    assert.ok(gone instanceof DaytonaNotFoundError, `expected DaytonaNotFoundError, got ${gone?.constructor?.name}`);
  });

  test('create with secrets puts placeholders in the env; updateSecrets and updateEnv change new commands', async (t) => {
    const a = await ctx.daytona.secret.create({ name: secretName('sa'), value: 'real-a' });
    const b = await ctx.daytona.secret.create({ name: secretName('sb'), value: 'real-b' });
    t.after(async () => { for (const s of [a, b]) await ctx.daytona.secret.delete(s.id).catch(() => {}); });
    const sb = await own(t, ctx.daytona.create({ secrets: { API_KEY: a.name }, envVars: { PLAIN: 'p' } }));
    const echo = async () => (await sb.process.executeCommand('echo "$API_KEY|$OTHER|$PLAIN|$ADDED"')).result.trim();
    assert.equal(await echo(), `${a.placeholder}||p|`);

    await sb.updateSecrets({ OTHER: b.name });
    assert.equal(await echo(), `|${b.placeholder}|p|`);

    await sb.updateEnv({ ADDED: '1' }, { unset: ['PLAIN'] });
    assert.equal(await echo(), `|${b.placeholder}||1`);

    await sb.updateSecrets({});
    assert.equal(await echo(), '|||1');

    const missing = await caught(() => ctx.daytona.create({ secrets: { X: `missing_${Date.now()}` } }));
    assert.ok(missing instanceof DaytonaNotFoundError, `expected DaytonaNotFoundError, got ${missing?.constructor?.name}`);
  });
});
