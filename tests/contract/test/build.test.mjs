// Fork and Dockerfile snapshots through the SDK: Sandbox.fork, and Image.fromDockerfile with a local
// context (uploaded through /object-storage/push-access with the SDK's own S3 client).
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync, mkdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Image } from '@daytonaio/sdk';
import { useEmulator, uniqueName, own } from '../lib/harness.mjs';

const ctx = useEmulator();

describe('fork and Dockerfile snapshots', { concurrency: true, timeout: 120_000 }, () => {
  test('Image.fromDockerfile uploads the COPY sources and the built snapshot has them', async (t) => {
    const dir = mkdtempSync(join(tmpdir(), 'sdk-build-'));
    t.after(() => rmSync(dir, { recursive: true, force: true }));
    mkdirSync(join(dir, 'src'));
    writeFileSync(join(dir, 'src', 'app.py'), 'print("from the context")\n');
    writeFileSync(join(dir, 'notes.txt'), 'notes\n');
    writeFileSync(join(dir, 'Dockerfile'), 'FROM python:3.12-slim\nENV BUILT=yes\nCOPY src /home/daytona/src\nCOPY notes.txt /home/daytona/\nRUN echo ran > /home/daytona/ran.txt\n');
    const name = uniqueName('sdkbuild');
    const logs = [];
    const snapshot = await ctx.daytona.snapshot.create({ name, image: Image.fromDockerfile(join(dir, 'Dockerfile')) }, { onLogs: (l) => logs.push(l), timeout: 110 });
    t.after(() => ctx.daytona.snapshot.delete(snapshot).catch(() => {}));
    assert.equal(snapshot.state, 'active');
    assert.equal(snapshot.buildInfo.contextHashes.length, 2, "one upload per COPY source");
    assert.ok(logs.some((l) => l.includes('COPY src /home/daytona/src')), logs.join('\n'));
    const sb = await own(t, ctx.daytona.create({ snapshot: name }));
    const r = await sb.process.executeCommand('cat src/app.py notes.txt ran.txt; echo $BUILT', '/home/daytona');
    assert.equal(r.exitCode, 0, r.result);
    assert.equal(r.result, 'print("from the context")\nnotes\nran\nyes\n');
  });

  test('a failing RUN makes snapshot.create throw with the build failure', async () => {
    const name = uniqueName('sdkfail');
    await assert.rejects(
      ctx.daytona.snapshot.create({ name, image: Image.base('ubuntu:22.04').runCommands('exit 5') }, { timeout: 60 }),
      /build_failed|exit code 5|exited with code 5/);
  });

  test('Sandbox.fork copies the files of a linux-vm sandbox, and the two are apart afterwards', async (t) => {
    const snap = uniqueName('vm');
    await ctx.daytona.snapshot.create({ name: snap, image: 'ubuntu:22.04', sandboxClass: 'linux-vm' }, { timeout: 60 });
    t.after(() => ctx.daytona.snapshot.get(snap).then((s) => ctx.daytona.snapshot.delete(s)).catch(() => {}));
    const parent = await ctx.daytona.create({ snapshot: snap });
    let fork;
    // A sandbox with forks cannot be deleted: the fork goes first.
    t.after(async () => { await fork?.delete().catch(() => {}); await parent.delete().catch(() => {}); });
    assert.equal(parent.sandboxClass, 'linux-vm');
    await parent.process.executeCommand('echo before > ~/f');
    fork = await parent.fork({ name: uniqueName('fork') });
    assert.equal(fork.state, 'started');
    assert.notEqual(fork.id, parent.id);
    assert.equal((await fork.process.executeCommand('cat ~/f')).result, 'before\n');
    await fork.process.executeCommand('echo fork > ~/f');
    assert.equal((await parent.process.executeCommand('cat ~/f')).result, 'before\n');
  });

  test('Sandbox.createSnapshot makes a snapshot whose sandboxes start with the source\'s files', async (t) => {
    const source = await own(t, ctx.daytona.create({ name: uniqueName('snapsrc') }));
    assert.equal((await source.process.executeCommand('echo kept > /home/daytona/kept.txt')).exitCode, 0);
    const name = uniqueName('fromsb');
    await source.createSnapshot(name, 110);
    t.after(() => ctx.daytona.snapshot.get(name).then((s) => ctx.daytona.snapshot.delete(s)).catch(() => {}));
    await source.refreshData();
    assert.equal(source.state, 'started', 'the source is back in its state once the snapshot is made');
    let snapshot = await ctx.daytona.snapshot.get(name);
    for (let i = 0; i < 100 && snapshot.state !== 'active'; i++) {
      await new Promise((r) => setTimeout(r, 200));
      snapshot = await ctx.daytona.snapshot.get(name);
    }
    assert.equal(snapshot.state, 'active');
    const copy = await own(t, ctx.daytona.create({ snapshot: name }));
    const r = await copy.process.executeCommand('cat /home/daytona/kept.txt');
    assert.equal(r.result.trim(), 'kept');
  });
});

