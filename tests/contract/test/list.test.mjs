// daytona.list(): cursor paging, the JSON labels filter, and the server-side filters and sort, through the official SDK.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { useEmulator, uniqueName, own, rawApi } from '../lib/harness.mjs';

const ctx = useEmulator();

async function collect(iter) {
  const out = [];
  for await (const sb of iter) out.push(sb);
  return out;
}

describe('list', { concurrency: true, timeout: 90_000 }, () => {
  test('label filter across several pages with a small limit', async (t) => {
    const run = randomUUID();
    const make = (group) => own(t, ctx.daytona.create({ name: uniqueName(`list-${group}`), labels: { 'contract-run': run, group } }));
    const groupA = await Promise.all([1, 2, 3, 4, 5].map(() => make('a')));
    const groupB = await Promise.all([1, 2].map(() => make('b')));

    // The wire: limit=2 gives a first page of 2 and a cursor to the next one.
    const labels = encodeURIComponent(JSON.stringify({ 'contract-run': run, group: 'a' }));
    const first = await rawApi(ctx, `/sandbox?limit=2&labels=${labels}`);
    assert.equal(first.status, 200);
    assert.equal(first.body.items.length, 2, 'first page holds `limit` items');
    assert.equal(typeof first.body.nextCursor, 'string', 'first page has a nextCursor');

    const listed = await collect(ctx.daytona.list({ labels: { 'contract-run': run, group: 'a' }, limit: 2 }));
    assert.deepEqual(listed.map((s) => s.id).sort(), groupA.map((s) => s.id).sort());
    for (const s of listed) {
      assert.equal(s.labels.group, 'a');
      assert.equal(s.labels['contract-run'], run);
      assert.equal(s.state, 'started');
      assert.ok(s.toolboxProxyUrl, 'list items carry toolboxProxyUrl');
    }

    const all = await collect(ctx.daytona.list({ labels: { 'contract-run': run }, limit: 3 }));
    assert.deepEqual(all.map((s) => s.id).sort(), [...groupA, ...groupB].map((s) => s.id).sort());

    const none = await collect(ctx.daytona.list({ labels: { 'contract-run': run, group: 'c' }, limit: 2 }));
    assert.deepEqual(none, []);
  });

  test('date, resource and flag filters and sort are sent and applied by the server', async (t) => {
    const run = randomUUID();
    const made = [];
    for (const i of [1, 2, 3]) {
      made.push(await own(t, ctx.daytona.create({ name: uniqueName(`list-f${i}`), labels: { 'contract-run': run } })));
    }
    // Backdate through the emulator's own route (not Daytona's): sandbox 1 idle for two days, created 3 days ago.
    const admin = ctx.apiUrl.replace(/\/api$/, '');
    const day = 24 * 3600 * 1000;
    const put = await fetch(`${admin}/_emulator/sandboxes/${made[0].id}/timestamps`, {
      method: 'PUT',
      headers: { Authorization: `Bearer ${ctx.apiKey}`, 'Content-Type': 'application/json' },
      body: JSON.stringify({ lastActivityAt: new Date(Date.now() - 2 * day).toISOString(), createdAt: new Date(Date.now() - 3 * day).toISOString() }),
    });
    assert.equal(put.status, 200);
    const labels = { 'contract-run': run };

    const idle = await collect(ctx.daytona.list({ labels, lastActivityBefore: new Date(Date.now() - day) }));
    assert.deepEqual(idle.map((s) => s.id), [made[0].id]);
    const active = await collect(ctx.daytona.list({ labels, lastActivityAfter: new Date(Date.now() - day) }));
    assert.deepEqual(active.map((s) => s.id).sort(), [made[1].id, made[2].id].sort());
    const old = await collect(ctx.daytona.list({ labels, createdAtBefore: new Date(Date.now() - 2 * day) }));
    assert.deepEqual(old.map((s) => s.id), [made[0].id]);

    const byName = await collect(ctx.daytona.list({ labels, sort: 'name', order: 'desc' }));
    assert.deepEqual(byName.map((s) => s.name), made.map((s) => s.name).sort().reverse());
    const byCreated = await collect(ctx.daytona.list({ labels, sort: 'createdAt', order: 'asc', limit: 1 }));
    assert.equal(byCreated[0].id, made[0].id, 'the backdated one was created first');
    assert.equal(byCreated.length, 3, 'limit 1 pages through all three in order');

    assert.equal((await collect(ctx.daytona.list({ labels, minCpu: 1, maxCpu: 1, minMemoryGib: 1, maxDiskGib: 3 }))).length, 3);
    assert.equal((await collect(ctx.daytona.list({ labels, minCpu: 2 }))).length, 0);
    assert.equal((await collect(ctx.daytona.list({ labels, isPublic: false }))).length, 3);
    assert.equal((await collect(ctx.daytona.list({ labels, isPublic: true }))).length, 0);
    assert.equal((await collect(ctx.daytona.list({ labels, snapshots: [made[0].snapshot] }))).length, 3);

    // A bad value is Daytona's 400, surfaced by the SDK as an error.
    await assert.rejects(collect(ctx.daytona.list({ labels, minCpu: 0 })), /minCpu must not be less than 1/);
  });

  test('a listed sandbox can run commands; states filter', async (t) => {
    const run = randomUUID();
    const sb = await own(t, ctx.daytona.create({ name: uniqueName('list-use'), labels: { 'contract-run': run } }));
    const [listed] = await collect(ctx.daytona.list({ labels: { 'contract-run': run } }));
    assert.equal(listed.id, sb.id);
    const r = await listed.process.executeCommand('echo from-list');
    assert.equal(r.result.trim(), 'from-list');

    // the states filter (repeated `states` keys)
    assert.equal((await collect(ctx.daytona.list({ labels: { 'contract-run': run }, states: ['stopped'] }))).length, 0);
    await sb.stop();
    const stopped = await collect(ctx.daytona.list({ labels: { 'contract-run': run }, states: ['stopped', 'archived'] }));
    assert.deepEqual(stopped.map((s) => s.id), [sb.id]);
    assert.equal(stopped[0].state, 'stopped');
  });
});
