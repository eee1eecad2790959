// Sandbox lifecycle through the official SDK: create, get, labels, preview, SSH, stop/start, delete.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { DaytonaError, DaytonaNotFoundError } from '@daytonaio/sdk';
import { useEmulator, uniqueName, own, caught } from '../lib/harness.mjs';

const ctx = useEmulator();

describe('sandbox lifecycle', { concurrency: true, timeout: 90_000 }, () => {
  test('create from the default snapshot waits until started', async (t) => {
    const name = uniqueName('create');
    const sb = await own(t, ctx.daytona.create({ name, labels: { suite: 'contract' } }));
    assert.equal(sb.state, 'started');
    assert.equal(sb.name, name);
    assert.match(sb.id, /^[0-9a-f-]{8,}$/i);
    assert.equal(typeof sb.snapshot, 'string', 'sandbox.snapshot names the default snapshot');
    assert.ok(sb.snapshot.length > 0, 'sandbox.snapshot names the default snapshot');
    assert.equal(sb.user, 'daytona');
    assert.equal(sb.target, 'us');
    assert.deepEqual(sb.labels, { suite: 'contract', 'code-toolbox-language': 'python' });
    assert.deepEqual(sb.env, {});
    for (const f of ['cpu', 'gpu', 'memory', 'disk']) assert.equal(typeof sb[f], 'number', `${f} is a number`);
    assert.ok(sb.toolboxProxyUrl, 'toolboxProxyUrl is set');
    // The toolbox answers once the SDK says the sandbox is started.
    const r = await sb.process.executeCommand('echo ready');
    assert.equal(r.exitCode, 0);
    assert.equal(r.result.trim(), 'ready');
  });

  test('create without a name uses the id as the name', async (t) => {
    const sb = await own(t, ctx.daytona.create());
    assert.equal(sb.state, 'started');
    assert.equal(sb.name, sb.id);
  });

  test('get by name and by id', async (t) => {
    const name = uniqueName('get');
    const sb = await own(t, ctx.daytona.create({ name }));
    const byName = await ctx.daytona.get(name);
    assert.equal(byName.id, sb.id);
    assert.equal(byName.name, name);
    assert.equal(byName.state, 'started');
    assert.ok(byName.toolboxProxyUrl);
    const byId = await ctx.daytona.get(sb.id);
    assert.equal(byId.name, name);
    const r = await byName.process.executeCommand('echo via-get');
    assert.equal(r.result.trim(), 'via-get');
  });

  test('setLabels replaces all labels', async (t) => {
    const sb = await own(t, ctx.daytona.create({ name: uniqueName('labels'), labels: { old: 'yes' } }));
    const labels = await sb.setLabels({ team: 'x', env: 'dev' });
    assert.deepEqual(labels, { team: 'x', env: 'dev' });
    assert.deepEqual(sb.labels, { team: 'x', env: 'dev' });
    const again = await ctx.daytona.get(sb.id);
    assert.deepEqual(again.labels, { team: 'x', env: 'dev' });
  });

  test('getPreviewLink returns a url and token for the port', async (t) => {
    const sb = await own(t, ctx.daytona.create({ name: uniqueName('preview') }));
    const link = await sb.getPreviewLink(3000);
    assert.equal(link.sandboxId, sb.id);
    assert.equal(typeof link.token, 'string');
    assert.ok(link.token.length > 0, 'token is not empty');
    const url = new URL(link.url); // throws when not a URL
    assert.ok(url.hostname.includes('3000') && url.hostname.includes(sb.id),
      `url ${link.url} should follow https://{port}-{sandboxId}.{proxyDomain}`);
  });

  test('signed preview url, expire', async (t) => {
    const sb = await own(t, ctx.daytona.create({ name: uniqueName('signed') }));
    const signed = await sb.getSignedPreviewUrl(8080, 120);
    assert.equal(signed.sandboxId, sb.id);
    assert.equal(signed.port, 8080);
    assert.equal(typeof signed.token, 'string');
    assert.ok(signed.token.length > 0);
    assert.ok(new URL(signed.url).hostname.startsWith(`8080-${signed.token}`),
      `url ${signed.url} should follow https://{port}-{token}.{proxyDomain}`);
    await sb.expireSignedPreviewUrl(8080, signed.token);
  });

  test('auto-stop/archive/delete intervals and activity', async (t) => {
    const sb = await own(t, ctx.daytona.create({ name: uniqueName('intervals'), autoStopInterval: 30 }));
    assert.equal(sb.autoStopInterval, 30);
    await sb.setAutostopInterval(0);
    await sb.setAutoArchiveInterval(60);
    await sb.setAutoDeleteInterval(120);
    await sb.refreshActivity();
    const fresh = await ctx.daytona.get(sb.id);
    assert.equal(fresh.autoStopInterval, 0);
    assert.equal(fresh.autoArchiveInterval, 60);
    assert.equal(fresh.autoDeleteInterval, 120);
    assert.equal(fresh.state, 'started');
  });

  test('archive a stopped sandbox, then start it again', async (t) => {
    const sb = await own(t, ctx.daytona.create({ name: uniqueName('archive') }));
    await sb.stop();
    await sb.archive();
    assert.ok(['archiving', 'archived'].includes(sb.state), `state after archive() is ${sb.state}`);
    const deadline = Date.now() + 10_000;
    while (sb.state !== 'archived' && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 100));
      await sb.refreshData();
    }
    assert.equal(sb.state, 'archived');
    await sb.start();
    assert.equal(sb.state, 'started');
  });

  test('createSshAccess and revokeSshAccess', async (t) => {
    const sb = await own(t, ctx.daytona.create({ name: uniqueName('ssh') }));
    const before = Date.now();
    const access = await sb.createSshAccess(30);
    assert.equal(access.sandboxId, sb.id);
    assert.equal(typeof access.token, 'string');
    assert.ok(access.token.length > 0);
    assert.ok(access.id, 'id is set');
    assert.match(access.sshCommand, /^ssh /);
    assert.ok(access.sshCommand.includes(`${access.token}@`), `sshCommand "${access.sshCommand}" names the token as user`);
    const expires = Date.parse(access.expiresAt);
    assert.ok(expires > before + 25 * 60_000 && expires < before + 35 * 60_000,
      `expiresAt ${access.expiresAt} is about 30 minutes from now`);
    assert.ok(!Number.isNaN(Date.parse(access.createdAt)));
    assert.ok(!Number.isNaN(Date.parse(access.updatedAt)));

    const valid = await sb.validateSshAccess(access.token);
    assert.equal(valid.valid, true);
    assert.equal(valid.sandboxId, sb.id);

    await sb.revokeSshAccess(access.token);
    const revoked = await sb.validateSshAccess(access.token);
    assert.equal(revoked.valid, false);
  });

  test('createSshAccess revokes earlier tokens', async (t) => {
    const sb = await own(t, ctx.daytona.create({ name: uniqueName('ssh2') }));
    const first = await sb.createSshAccess();
    const second = await sb.createSshAccess();
    assert.notEqual(first.token, second.token);
    assert.equal((await sb.validateSshAccess(first.token)).valid, false);
    assert.equal((await sb.validateSshAccess(second.token)).valid, true);
  });

  test('stop then start', async (t) => {
    const sb = await own(t, ctx.daytona.create({ name: uniqueName('stopstart') }));
    await sb.process.executeCommand('echo kept > /home/daytona/kept.txt');
    await ctx.daytona.stop(sb);
    assert.equal(sb.state, 'stopped');
    assert.equal((await ctx.daytona.get(sb.id)).state, 'stopped');

    const err = await caught(() => sb.process.executeCommand('echo hi'));
    assert.ok(err instanceof DaytonaError, `toolbox call on a stopped sandbox fails with a DaytonaError (got ${err})`);

    await ctx.daytona.start(sb);
    assert.equal(sb.state, 'started');
    assert.equal((await ctx.daytona.get(sb.id)).state, 'started');
    const r = await sb.process.executeCommand('cat /home/daytona/kept.txt');
    assert.equal(r.exitCode, 0);
    assert.equal(r.result.trim(), 'kept', 'the filesystem survives stop/start');
  });

  test('delete, then get gives 404 and the name is free again', async (t) => {
    const name = uniqueName('delete');
    const sb = await ctx.daytona.create({ name });
    await ctx.daytona.delete(sb);

    // Until it is destroyed GET may still show it (destroying); then it must be 404.
    const deadline = Date.now() + 15_000;
    let err;
    while (Date.now() < deadline) {
      try {
        const s = await ctx.daytona.get(sb.id);
        assert.ok(['destroying', 'destroyed'].includes(s.state), `state after delete is ${s.state}`);
      } catch (e) {
        err = e;
        break;
      }
      await new Promise((r) => setTimeout(r, 100));
    }
    assert.ok(err, 'get kept succeeding for 15 s after delete');
    assert.ok(err instanceof DaytonaNotFoundError, `expected DaytonaNotFoundError, got ${err?.constructor?.name}: ${err?.message}`);
    assert.equal(err.statusCode, 404);

    const byName = await caught(() => ctx.daytona.get(name));
    assert.ok(byName instanceof DaytonaNotFoundError, `get by name: expected DaytonaNotFoundError, got ${byName?.constructor?.name}`);

    const again = await own(t, ctx.daytona.create({ name }));
    assert.equal(again.name, name);
    assert.notEqual(again.id, sb.id);
  });

  test('delete with wait resolves once destroyed', async () => {
    const sb = await ctx.daytona.create({ name: uniqueName('delwait') });
    await ctx.daytona.delete(sb, 60, true);
    assert.equal(sb.state, 'destroyed');
    const err = await caught(() => ctx.daytona.get(sb.id));
    assert.ok(err instanceof DaytonaNotFoundError, `expected DaytonaNotFoundError, got ${err?.constructor?.name}: ${err?.message}`);
  });
});
