// Toolbox files through the official SDK: bulk-upload / bulk-download multipart round trips.
import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { createReadStream, createWriteStream, mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { DaytonaNotFoundError } from '@daytonaio/sdk';
import { useEmulator, uniqueName, own, caught } from '../lib/harness.mjs';

const ctx = useEmulator();
const SIZE = 50 * 1024 * 1024;
let dir;

function sha256File(file) {
  return new Promise((resolve, reject) => {
    const h = createHash('sha256');
    createReadStream(file).on('data', (d) => h.update(d)).on('end', () => resolve(h.digest('hex'))).on('error', reject);
  });
}

async function writeRandomFile(file, size) {
  const out = createWriteStream(file);
  const chunk = 1024 * 1024;
  for (let written = 0; written < size; written += chunk) {
    if (!out.write(randomBytes(Math.min(chunk, size - written)))) await new Promise((r) => out.once('drain', r));
  }
  await new Promise((resolve, reject) => out.end((e) => (e ? reject(e) : resolve())));
}

before(() => { dir = mkdtempSync(path.join(tmpdir(), 'daytona-contract-')); });
after(() => { if (dir) rmSync(dir, { recursive: true, force: true }); });

describe('files', { concurrency: true, timeout: 120_000 }, () => {
  test('50 MB upload/download round trip keeps the SHA-256', async (t) => {
    const sb = await own(t, ctx.daytona.create({ name: uniqueName('fs-big') }));
    const src = path.join(dir, 'big-src.bin');
    const dst = path.join(dir, 'big-dst.bin');
    await writeRandomFile(src, SIZE);
    const hash = await sha256File(src);

    const remote = '/home/daytona/upload/nested/big.bin'; // parent folders do not exist yet
    await sb.fs.uploadFile(src, remote);

    const inside = await sb.process.executeCommand(`sha256sum ${remote} && stat -c %s ${remote}`);
    assert.equal(inside.exitCode, 0, inside.result);
    const [line, size] = inside.result.trim().split('\n');
    assert.equal(line.split(/\s+/)[0], hash, 'the file inside the sandbox has the same hash');
    assert.equal(Number(size), SIZE);

    await sb.fs.downloadFile(remote, dst);
    assert.equal(statSync(dst).size, SIZE);
    assert.equal(await sha256File(dst), hash, 'the downloaded file has the same hash');
  });

  test('small Buffer upload and download to memory', async (t) => {
    const sb = await own(t, ctx.daytona.create({ name: uniqueName('fs-small') }));
    const content = Buffer.from('hello from the contract suite\n\u00e9\u4e2d\n', 'utf8');
    await sb.fs.uploadFile(content, 'notes/hello.txt'); // relative: under the home/work dir
    const cat = await sb.process.executeCommand('cat /home/daytona/notes/hello.txt');
    assert.equal(cat.result, content.toString('utf8'));
    const back = await sb.fs.downloadFile('/home/daytona/notes/hello.txt');
    assert.ok(Buffer.isBuffer(back));
    assert.ok(back.equals(content));

    // uploadFile overwrites
    await sb.fs.uploadFile(Buffer.from('v2'), '/home/daytona/notes/hello.txt');
    assert.equal((await sb.fs.downloadFile('/home/daytona/notes/hello.txt')).toString(), 'v2');
  });

  test('5 MB Buffer upload (chunked request body) and a path with spaces', async (t) => {
    const sb = await own(t, ctx.daytona.create({ name: uniqueName('fs-chunked') }));
    const data = randomBytes(5 * 1024 * 1024);
    const remote = '/home/daytona/dir with space/data file.bin';
    await sb.fs.uploadFile(data, remote);
    const back = await sb.fs.downloadFile(remote);
    assert.equal(back.length, data.length);
    assert.equal(createHash('sha256').update(back).digest('hex'), createHash('sha256').update(data).digest('hex'));
  });

  test('downloading a missing file fails with DaytonaNotFoundError', async (t) => {
    const sb = await own(t, ctx.daytona.create({ name: uniqueName('fs-missing') }));
    const err = await caught(() => sb.fs.downloadFile('/home/daytona/nope.txt'));
    assert.ok(err instanceof DaytonaNotFoundError, `expected DaytonaNotFoundError, got ${err?.constructor?.name}: ${err?.message}`);
  });

  test('sandboxes do not see each other\'s files', async (t) => {
    const [a, b] = await Promise.all([
      own(t, ctx.daytona.create({ name: uniqueName('iso-a') })),
      own(t, ctx.daytona.create({ name: uniqueName('iso-b') })),
    ]);
    await a.fs.uploadFile(Buffer.from('only in a'), '/home/daytona/secret.txt');
    const err = await caught(() => b.fs.downloadFile('/home/daytona/secret.txt'));
    assert.ok(err instanceof DaytonaNotFoundError, `expected DaytonaNotFoundError in b, got ${err?.constructor?.name}`);
    const r = await b.process.executeCommand('test -e /home/daytona/secret.txt; echo $?');
    assert.equal(r.result.trim(), '1');
  });
});
