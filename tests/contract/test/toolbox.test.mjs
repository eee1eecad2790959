// The rest of the toolbox the SDK exposes: file operations, directories, session management.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { DaytonaNotFoundError } from '@daytonaio/sdk';
import { useEmulator, uniqueName, own, caught } from '../lib/harness.mjs';

const ctx = useEmulator();

describe('toolbox', { concurrency: true, timeout: 90_000 }, () => {
  test('home and work dir', async (t) => {
    const sb = await own(t, ctx.daytona.create({ name: uniqueName('dirs') }));
    assert.equal(await sb.getUserHomeDir(), '/home/daytona');
    assert.equal(await sb.getWorkDir(), '/home/daytona');
  });

  test('folders, list, details, move, search, find, delete', async (t) => {
    const sb = await own(t, ctx.daytona.create({ name: uniqueName('fsops') }));
    await sb.fs.createFolder('/home/daytona/proj', '755');
    await sb.fs.uploadFiles([
      { source: Buffer.from('alpha needle\nbeta\n'), destination: '/home/daytona/proj/a.txt' },
      { source: Buffer.from('gamma\n'), destination: '/home/daytona/proj/sub/b.txt' },
      { source: Buffer.from('{}'), destination: '/home/daytona/proj/c.json' },
    ]);

    const list = await sb.fs.listFiles('/home/daytona/proj');
    const byName = Object.fromEntries(list.map((f) => [f.name, f]));
    assert.deepEqual(Object.keys(byName).sort(), ['a.txt', 'c.json', 'sub']);
    assert.equal(byName['a.txt'].isDir, false);
    assert.equal(byName['a.txt'].size, 18);
    assert.equal(byName.sub.isDir, true);

    const info = await sb.fs.getFileDetails('/home/daytona/proj/a.txt');
    assert.equal(info.name, 'a.txt');
    assert.equal(info.size, 18);
    assert.equal(info.isDir, false);
    assert.ok(!Number.isNaN(Date.parse(info.modifiedAt ?? info.modTime)), 'a modification time');

    const found = await sb.fs.findFiles('/home/daytona/proj', 'needle');
    assert.equal(found.length, 1);
    assert.equal(found[0].file, '/home/daytona/proj/a.txt');
    assert.equal(found[0].line, 1);
    assert.equal(found[0].content, 'alpha needle');

    const search = await sb.fs.searchFiles('/home/daytona/proj', '*.txt');
    assert.deepEqual([...search.files].sort(), ['/home/daytona/proj/a.txt', '/home/daytona/proj/sub/b.txt']);

    await sb.fs.moveFiles('/home/daytona/proj/c.json', '/home/daytona/proj/sub/c.json');
    assert.equal((await sb.fs.downloadFile('/home/daytona/proj/sub/c.json')).toString(), '{}');

    await sb.fs.deleteFile('/home/daytona/proj/a.txt');
    const gone = await caught(() => sb.fs.getFileDetails('/home/daytona/proj/a.txt'));
    assert.ok(gone instanceof DaytonaNotFoundError, `expected DaytonaNotFoundError, got ${gone?.constructor?.name}: ${gone?.message}`);

    await sb.fs.deleteFile('/home/daytona/proj', true);
    const r = await sb.process.executeCommand('test -e /home/daytona/proj; echo $?');
    assert.equal(r.result.trim(), '1');
  });

  test('sessions are listed, fetched and deleted', async (t) => {
    const sb = await own(t, ctx.daytona.create({ name: uniqueName('sessions') }));
    const sessionId = uniqueName('s');
    await sb.process.createSession(sessionId);
    const { cmdId } = await sb.process.executeSessionCommand(sessionId, { command: 'echo hi' });
    const session = await sb.process.getSession(sessionId);
    assert.equal(session.sessionId, sessionId);
    assert.equal(session.commands.length, 1);
    assert.equal(session.commands[0].id, cmdId);
    assert.equal(session.commands[0].command, 'echo hi');
    assert.equal(session.commands[0].exitCode, 0);
    const sessions = await sb.process.listSessions();
    assert.ok(sessions.some((s) => s.sessionId === sessionId));
    await sb.process.deleteSession(sessionId);
    const err = await caught(() => sb.process.getSession(sessionId));
    assert.ok(err instanceof DaytonaNotFoundError, `expected DaytonaNotFoundError, got ${err?.constructor?.name}: ${err?.message}`);
  });
});
