// daytona.list(): cursor paging and the JSON labels filter, through the official SDK.
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
