// Git through the official SDK: clone, status, branches, add, commit, push against the emulator's
// /git routes, which run the real git inside the sandbox (a bare repository there over file://).
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { useEmulator, uniqueName, own, caught } from '../lib/harness.mjs';

const ctx = useEmulator();

const seed = [
  'set -e',
  'git init -q --bare -b main /tmp/origin.git',
  'git init -q -b main /tmp/seed && cd /tmp/seed',
  'echo hello > README.md && git add README.md',
  'git -c user.name=seed -c user.email=seed@example.com commit -q -m first',
  'git push -q /tmp/origin.git main',
].join('\n');

describe('git', { concurrency: true, timeout: 120_000 }, () => {
  test('clone, status, add, commit, push, branches', async (t) => {
    const sb = await own(t, ctx.daytona.create({ name: uniqueName('git') }));
    const made = await sb.process.executeCommand(`bash -c '${seed}'`);
    assert.equal(made.exitCode, 0, made.result);

    await sb.git.clone('file:///tmp/origin.git', 'repo', 'main');
    const clean = await sb.git.status('repo');
    assert.equal(clean.currentBranch, 'main');
    assert.equal(clean.upstream, 'origin/main');
    assert.equal(clean.branchPublished, true);
    assert.equal(clean.ahead, 0);
    assert.deepEqual(clean.fileStatus, []);

    await sb.fs.uploadFile(Buffer.from('new\n'), 'repo/new.txt');
    const dirty = await sb.git.status('repo');
    assert.deepEqual(dirty.fileStatus, [{ name: 'new.txt', extra: '', staging: 'Untracked', worktree: 'Untracked' }]);

    await sb.git.add('repo', ['new.txt']);
    const staged = await sb.git.status('repo');
    assert.equal(staged.fileStatus[0].staging, 'Added');

    const { sha } = await sb.git.commit('repo', 'from the SDK', 'Ada', 'ada@example.com');
    assert.match(sha, /^[0-9a-f]{40}$/);
    assert.equal((await sb.git.status('repo')).ahead, 1);
    await sb.git.push('repo');
    const pushed = await sb.process.executeCommand('git --git-dir=/tmp/origin.git rev-parse main');
    assert.equal(pushed.result.trim(), sha);

    await sb.git.createBranch('repo', 'topic');
    const branches = await sb.git.branches('repo');
    assert.deepEqual([...branches.branches].sort(), ['main', 'topic']);
    await sb.git.checkoutBranch('repo', 'main');
    await sb.git.deleteBranch('repo', 'topic');
    assert.deepEqual((await sb.git.branches('repo')).branches, ['main']);
  });

  test('status of a folder that is no repository is a 404', async (t) => {
    const sb = await own(t, ctx.daytona.create({ name: uniqueName('git-404') }));
    const error = await caught(() => sb.git.status('/tmp'));
    assert.equal(error?.statusCode, 404, String(error));
  });
});
