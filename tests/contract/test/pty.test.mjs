// PTY sessions through the official SDK: createPty (the create-connect WebSocket), connectPty, resize, kill.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { useEmulator, uniqueName, own } from '../lib/harness.mjs';

const ctx = useEmulator();

/** Collects a PTY's output; waitFor resolves once text has appeared (30 s at most: no timing asserted). */
function collector() {
  let text = '';
  const decoder = new TextDecoder();
  return {
    onData: (bytes) => { text += decoder.decode(bytes, { stream: true }); },
    get text() { return text; },
    async waitFor(needle) {
      const deadline = Date.now() + 30_000;
      while (!text.includes(needle)) {
        if (Date.now() > deadline) throw new Error(`${JSON.stringify(needle)} not seen in PTY output: ${JSON.stringify(text)}`);
        await new Promise((r) => setTimeout(r, 50));
      }
    },
  };
}

describe('pty', { concurrency: true, timeout: 90_000 }, () => {
  test('createPty: output, envs, cwd, resize and the exit code', async (t) => {
    const sb = await own(t, ctx.daytona.create({ name: uniqueName('pty') }));
    const out = collector();
    const id = uniqueName('term');
    const pty = await sb.process.createPty({ id, cols: 100, rows: 30, cwd: '/tmp', envs: { PTY_VAR: 'from-sdk' }, onData: out.onData });
    assert.ok(pty.isConnected());
    // `echo h""i` echoes back as typed, so only the command's own output reads "hi" + CRLF.
    await pty.sendInput('echo h""i\n');
    await out.waitFor('hi\r\n');
    await pty.sendInput('echo "[$PTY_VAR|$PWD|$(stty size)|$(id -u)]"\n');
    await out.waitFor('[from-sdk|/tmp|30 100|1000]');

    const info = await sb.process.getPtySessionInfo(id);
    assert.equal(info.active, true);
    assert.equal(info.cols, 100);
    assert.ok((await sb.process.listPtySessions()).some((s) => s.id === id));

    await pty.resize(132, 43);
    assert.equal((await sb.process.getPtySessionInfo(id)).cols, 132);
    await pty.sendInput('echo "size=$(stty size)="\n');
    await out.waitFor('size=43 132=');

    await pty.sendInput('exit 7\n');
    const result = await pty.wait();
    assert.equal(result.exitCode, 7);
    assert.equal(pty.exitCode, 7);
    await pty.disconnect();
  });

  test('connectPty to a lazily created session; kill ends it with 137', async (t) => {
    const sb = await own(t, ctx.daytona.create({ name: uniqueName('ptyk') }));
    const id = uniqueName('lazy');
    // The SDK has no create-only call: the daemon's POST /process/pty with lazyStart, as the SDK's API client sends it.
    await sb.process.apiClient.createPtySession({ id, lazyStart: true, cols: 80, rows: 24 });
    const out = collector();
    const pty = await sb.process.connectPty(id, { onData: out.onData });
    await pty.sendInput('echo "lazy-$((20+1))"\n');
    await out.waitFor('lazy-21');
    await pty.kill();
    const result = await pty.wait();
    assert.equal(result.exitCode, 137);
    await pty.disconnect();
  });
});
