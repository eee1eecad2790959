// Snapshots and volumes through the SDK's SnapshotService / VolumeService.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { DaytonaNotFoundError } from '@daytonaio/sdk';
import { useEmulator, uniqueName, own, caught } from '../lib/harness.mjs';

const ctx = useEmulator();

describe('snapshots and volumes', { concurrency: true, timeout: 90_000 }, () => {
  test('the default snapshot is listed and can be fetched by name', async (t) => {
    const sb = await own(t, ctx.daytona.create({ name: uniqueName('snap') }));
    const page = await ctx.daytona.snapshot.list();
    assert.ok(Array.isArray(page.items));
    assert.equal(typeof page.total, 'number');
    assert.equal(page.page, 1);
    assert.equal(typeof page.totalPages, 'number');
    assert.ok(page.items.some((s) => s.name === sb.snapshot), `the list has ${sb.snapshot}`);
    const snap = await ctx.daytona.snapshot.get(sb.snapshot);
    assert.equal(snap.name, sb.snapshot);
    assert.equal(snap.state, 'active');
    assert.equal(typeof snap.mem, 'number', 'SnapshotDto spells memory `mem`');
    const err = await caught(() => ctx.daytona.snapshot.get(`missing-${Date.now()}`));
    assert.ok(err instanceof DaytonaNotFoundError, `expected DaytonaNotFoundError, got ${err?.constructor?.name}`);
  });

  test('volume create, get by name, list, delete', async () => {
    const name = uniqueName('vol');
    const created = await ctx.daytona.volume.create(name);
    assert.equal(created.name, name);
    assert.ok(created.id);
    let vol = await ctx.daytona.volume.get(name);
    assert.equal(vol.id, created.id);
    const deadline = Date.now() + 10_000;
    while (vol.state !== 'ready' && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 100));
      vol = await ctx.daytona.volume.get(name);
    }
    assert.equal(vol.state, 'ready');
    assert.ok((await ctx.daytona.volume.list()).some((v) => v.id === created.id));
    await ctx.daytona.volume.delete(vol);
    const again = await ctx.daytona.volume.get(`${name}-other`, true); // create-on-404
    assert.equal(again.name, `${name}-other`);
  });
});
