// Code execution through the official SDK: process.codeRun (POST /process/code-run) and the
// stateful codeInterpreter (contexts and the execute WebSocket).
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { DaytonaConnectionError, DaytonaTimeoutError } from '@daytonaio/sdk';
import { useEmulator, uniqueName, own } from '../lib/harness.mjs';

const ctx = useEmulator();

describe('code', { concurrency: true, timeout: 120_000 }, () => {
  test('process.codeRun: python with argv and env, exit code, traceback in the output', async (t) => {
    const sb = await own(t, ctx.daytona.create({ name: uniqueName('coderun') }));
    const ok = await sb.process.codeRun('import sys, os\nprint(sys.argv[1:], os.environ["GREETING"])', { argv: ['a', 'b'], env: { GREETING: 'hi' } });
    assert.equal(ok.exitCode, 0);
    assert.equal(ok.result, "['a', 'b'] hi\n");
    assert.equal(ok.artifacts.stdout, ok.result);
    assert.deepEqual(ok.artifacts.charts, []);

    const failed = await sb.process.codeRun('raise RuntimeError("boom")');
    assert.equal(failed.exitCode, 1);
    assert.match(failed.result, /RuntimeError: boom/);

    const js = await own(t, ctx.daytona.create({ name: uniqueName('coderun-js'), language: 'javascript' }));
    const out = await js.process.codeRun('console.log(process.argv.slice(1).join("+"))', { argv: ['x', 'y'] });
    assert.equal(out.result, 'x+y\n');
  });

  test('codeInterpreter: state in a context, streamed stdout/stderr, error as data, list and delete', async (t) => {
    const sb = await own(t, ctx.daytona.create({ name: uniqueName('interp') }));
    const interp = sb.codeInterpreter;
    const context = await interp.createContext('/tmp');
    assert.equal(context.cwd, '/tmp');
    assert.equal(context.language, 'python');
    assert.ok(context.id);

    await interp.runCode('total = 40', { context });
    const seen = [];
    const run = await interp.runCode('import sys\nprint(total + 2)\nsys.stderr.write("warned\\n")', {
      context,
      onStdout: (m) => seen.push(['out', m.output]),
      onStderr: (m) => seen.push(['err', m.output]),
    });
    assert.equal(run.stdout, '42\n');
    assert.equal(run.stderr, 'warned\n');
    assert.equal(run.error, undefined);
    assert.deepEqual(seen, [['out', '42\n'], ['err', 'warned\n']]);

    // The default context is separate from this one.
    const elsewhere = await interp.runCode('print(total)');
    assert.equal(elsewhere.error.name, 'NameError');

    let reported;
    const failing = await interp.runCode('def f():\n    return 1 / 0\nf()', { context, onError: (e) => { reported = e; } });
    assert.equal(failing.error.name, 'ZeroDivisionError');
    assert.equal(failing.error.value, 'division by zero');
    assert.match(failing.error.traceback, /File "<stdin>", line 3/);
    assert.deepEqual(reported, failing.error);

    assert.ok((await interp.listContexts()).some((c) => c.id === context.id));
    await interp.deleteContext(context);
    assert.ok(!(await interp.listContexts()).some((c) => c.id === context.id));
    await assert.rejects(interp.runCode('print(1)', { context }), (e) => e instanceof DaytonaConnectionError && /context not found/.test(e.message));
  });

  test('codeInterpreter: a timeout interrupts the code and the context keeps its state', async (t) => {
    const sb = await own(t, ctx.daytona.create({ name: uniqueName('interp-timeout') }));
    const interp = sb.codeInterpreter;
    const context = await interp.createContext();
    await interp.runCode('kept = "yes"', { context });
    // The daemon sends control "interrupted" before its 4008 close: the SDK settles on the first
    // (no error) or on the close (DaytonaTimeoutError), whichever it handles first.
    const outcome = await interp.runCode('import time\ntime.sleep(60)', { context, timeout: 1 }).then((r) => r, (e) => e);
    assert.ok(!(outcome instanceof Error) || outcome instanceof DaytonaTimeoutError, String(outcome));
    const after = await interp.runCode('print(kept)', { context });
    assert.equal(after.stdout, 'yes\n');
  });
});
