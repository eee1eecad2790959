// Toolbox processes through the official SDK: executeCommand and sessions with log streaming.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { useEmulator, uniqueName, own } from '../lib/harness.mjs';

const ctx = useEmulator();

async function waitForExit(sb, sessionId, cmdId, ms = 15_000) {
  const deadline = Date.now() + ms;
  for (;;) {
    const cmd = await sb.process.getSessionCommand(sessionId, cmdId);
    if (cmd.exitCode !== undefined && cmd.exitCode !== null) return cmd;
    if (Date.now() > deadline) throw new Error(`command ${cmdId} did not finish within ${ms} ms`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

describe('process', { concurrency: true, timeout: 90_000 }, () => {
  test('executeCommand: exit code 0 and output', async (t) => {
    const sb = await own(t, ctx.daytona.create({ name: uniqueName('exec0') }));
    const r = await sb.process.executeCommand('echo hello; echo world');
    assert.equal(r.exitCode, 0);
    assert.equal(r.result, 'hello\nworld\n');
    assert.equal(r.artifacts.stdout, r.result);
  });

  test('executeCommand: non-zero exit code, stderr in the combined result', async (t) => {
    const sb = await own(t, ctx.daytona.create({ name: uniqueName('exec3') }));
    const r = await sb.process.executeCommand('echo out; echo err >&2; exit 3');
    assert.equal(r.exitCode, 3);
    assert.ok(r.result.includes('out'), `result ${JSON.stringify(r.result)} has stdout`);
    assert.ok(r.result.includes('err'), `result ${JSON.stringify(r.result)} has stderr`);
    const missing = await sb.process.executeCommand('ls /definitely/not/here');
    assert.notEqual(missing.exitCode, 0);
  });

  test('executeCommand: default cwd is /home/daytona, cwd is honoured', async (t) => {
    const sb = await own(t, ctx.daytona.create({ name: uniqueName('cwd') }));
    assert.equal((await sb.process.executeCommand('pwd')).result.trim(), '/home/daytona');
    assert.equal((await sb.process.executeCommand('pwd', '/tmp')).result.trim(), '/tmp');
    await sb.process.executeCommand('mkdir -p /home/daytona/work/sub');
    assert.equal((await sb.process.executeCommand('pwd', '/home/daytona/work/sub')).result.trim(), '/home/daytona/work/sub');
    assert.equal((await sb.process.executeCommand('echo $HOME')).result.trim(), '/home/daytona');
  });

  test('executeCommand: env vars', async (t) => {
    const sb = await own(t, ctx.daytona.create({ name: uniqueName('env') }));
    const r = await sb.process.executeCommand('echo "$FOO|$BAR"', undefined, { FOO: 'foo value', BAR: 'b=2' });
    assert.equal(r.exitCode, 0);
    assert.equal(r.result.trim(), 'foo value|b=2');
    const both = await sb.process.executeCommand('echo "$FOO:$(pwd)"', '/tmp', { FOO: 'x' });
    assert.equal(both.result.trim(), 'x:/tmp');
  });

  test('session: runAsync + getSessionCommandLogs splits stdout and stderr', async (t) => {
    const sb = await own(t, ctx.daytona.create({ name: uniqueName('session') }));
    const sessionId = uniqueName('s');
    await sb.process.createSession(sessionId);
    const cmd = 'for i in 1 2 3; do echo out$i; echo err$i >&2; sleep 0.2; done';
    const started = await sb.process.executeSessionCommand(sessionId, { command: cmd, runAsync: true });
    assert.equal(typeof started.cmdId, 'string');
    assert.ok(started.cmdId.length > 0);

    let stdout = '';
    let stderr = '';
    await sb.process.getSessionCommandLogs(sessionId, started.cmdId, (s) => { stdout += s; }, (s) => { stderr += s; });
    assert.equal(stdout, 'out1\nout2\nout3\n');
    assert.equal(stderr, 'err1\nerr2\nerr3\n');

    const done = await waitForExit(sb, sessionId, started.cmdId);
    assert.equal(done.exitCode, 0);
    assert.equal(done.command, cmd);

    const logs = await sb.process.getSessionCommandLogs(sessionId, started.cmdId);
    assert.equal(logs.stdout, 'out1\nout2\nout3\n');
    assert.equal(logs.stderr, 'err1\nerr2\nerr3\n');
    for (const line of ['out1', 'out3', 'err1', 'err3']) assert.ok(logs.output.includes(line), `output has ${line}`);
  });

  test('session: following the logs of a finished command replays them and ends', async (t) => {
    const sb = await own(t, ctx.daytona.create({ name: uniqueName('session2') }));
    const sessionId = uniqueName('s');
    await sb.process.createSession(sessionId);
    const { cmdId } = await sb.process.executeSessionCommand(sessionId, { command: 'echo done-out; echo done-err >&2; exit 4', runAsync: true });
    const done = await waitForExit(sb, sessionId, cmdId);
    assert.equal(done.exitCode, 4);
    let stdout = '';
    let stderr = '';
    await sb.process.getSessionCommandLogs(sessionId, cmdId, (s) => { stdout += s; }, (s) => { stderr += s; });
    assert.equal(stdout, 'done-out\n');
    assert.equal(stderr, 'done-err\n');
  });

  test('session: large interleaved output is demultiplexed intact', async (t) => {
    const sb = await own(t, ctx.daytona.create({ name: uniqueName('session-big') }));
    const sessionId = uniqueName('s');
    await sb.process.createSession(sessionId);
    const { cmdId } = await sb.process.executeSessionCommand(sessionId, {
      command: 'for i in $(seq 1 3000); do echo "o$i"; echo "e$i" >&2; done',
      runAsync: true,
    });
    let stdout = '';
    let stderr = '';
    await sb.process.getSessionCommandLogs(sessionId, cmdId, (s) => { stdout += s; }, (s) => { stderr += s; });
    const expect = (p) => Array.from({ length: 3000 }, (_, i) => `${p}${i + 1}\n`).join('');
    assert.equal(stdout, expect('o'));
    assert.equal(stderr, expect('e'));
  });

  test('session: synchronous commands share shell state', async (t) => {
    const sb = await own(t, ctx.daytona.create({ name: uniqueName('session3') }));
    const sessionId = uniqueName('s');
    await sb.process.createSession(sessionId);
    const a = await sb.process.executeSessionCommand(sessionId, { command: 'export GREETING=hi; cd /tmp' });
    assert.equal(a.exitCode, 0);
    const b = await sb.process.executeSessionCommand(sessionId, { command: 'echo "$GREETING $(pwd)"; echo oops >&2' });
    assert.equal(b.exitCode, 0);
    assert.equal(b.stdout, 'hi /tmp\n');
    assert.equal(b.stderr, 'oops\n');
    const c = await sb.process.executeSessionCommand(sessionId, { command: 'false' });
    assert.equal(c.exitCode, 1);
  });

  test('session: one long-lived shell keeps jobs and options; input reaches read; sync stdin is at EOF', async (t) => {
    const sb = await own(t, ctx.daytona.create({ name: uniqueName('session4') }));
    const sessionId = uniqueName('s');
    await sb.process.createSession(sessionId);
    const a = await sb.process.executeSessionCommand(sessionId, { command: 'sleep 300 & echo $!; set -o pipefail; cd /tmp' });
    assert.equal(a.exitCode, 0);
    const pid = a.stdout.trim();
    assert.match(pid, /^[0-9]+$/);
    // The daemon writes every command to one bash: the job is that shell's, the option still set.
    const b = await sb.process.executeSessionCommand(sessionId, { command: 'jobs -p; set -o | grep ^pipefail | tr -s " \\t" " "; pwd' });
    assert.equal(b.stdout, `${pid}\npipefail on\n/tmp\n`);
    const asked = await sb.process.executeSessionCommand(sessionId, { command: 'read answer; echo "got $answer"', runAsync: true });
    await sb.process.sendSessionCommandInput(sessionId, asked.cmdId, 'yes');
    const done = await waitForExit(sb, sessionId, asked.cmdId);
    assert.equal(done.exitCode, 0);
    const logs = await sb.process.getSessionCommandLogs(sessionId, asked.cmdId);
    assert.match(logs.stdout, /got yes\n$/);
    const c = await sb.process.executeSessionCommand(sessionId, { command: 'cat; echo eof' });
    assert.equal(c.stdout, 'eof\n');
  });
  test('entrypoint: a snapshot\'s entrypoint runs at start; getEntrypointSession and getEntrypointLogs show it', async (t) => {
    const name = uniqueName('entry');
    await ctx.daytona.snapshot.create({ name, image: 'python:3.12', entrypoint: ['bash', '-c', 'echo up; echo "bad config" >&2; exit 4'] });
    t.after(async () => { try { await ctx.daytona.snapshot.delete(await ctx.daytona.snapshot.get(name)); } catch { /* gone */ } });
    const sb = await own(t, ctx.daytona.create({ snapshot: name }));
    const deadline = Date.now() + 15_000;
    let session;
    for (;;) {
      session = await sb.process.getEntrypointSession();
      if (session.commands?.[0]?.exitCode !== undefined && session.commands?.[0]?.exitCode !== null) break;
      if (Date.now() > deadline) throw new Error('the entrypoint did not end');
      await new Promise((r) => setTimeout(r, 100));
    }
    assert.equal(session.sessionId, 'entrypoint');
    assert.equal(session.commands.length, 1);
    assert.equal(session.commands[0].exitCode, 4);
    const logs = await sb.process.getEntrypointLogs();
    assert.equal(logs.stdout, 'up\n');
    assert.equal(logs.stderr, 'bad config\n');
    let out = '', err = '';
    await sb.process.getEntrypointLogs((c) => { out += c; }, (c) => { err += c; });
    assert.equal(out, 'up\n');
    assert.equal(err, 'bad config\n');
    // A sandbox of the default snapshot (no entrypoint): the session exists, without commands.
    const plain = await own(t, ctx.daytona.create({ name: uniqueName('noentry') }));
    const none = await plain.process.getEntrypointSession();
    assert.equal(none.sessionId, 'entrypoint');
    assert.deepEqual(none.commands ?? [], []);
  });
});
