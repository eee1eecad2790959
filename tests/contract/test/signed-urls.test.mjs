// Pre-signed file URLs through the official SDK: sandbox.downloadUrl / uploadUrl / rotateSigningKey,
// then plain fetch() without any Daytona credential, as a user would hand the URL to curl.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { useEmulator, uniqueName, own } from '../lib/harness.mjs';

const ctx = useEmulator();

describe('signed file URLs', { concurrency: true, timeout: 90_000 }, () => {
  test('downloadUrl and uploadUrl work without the API key; tampered or rotated URLs are refused', async (t) => {
    const sb = await own(t, ctx.daytona.create({ name: uniqueName('signed') }));
    await sb.fs.uploadFile(Buffer.from('signed content'), '/home/daytona/signed.txt');

    const url = await sb.downloadUrl('/home/daytona/signed.txt', 600);
    assert.match(url, /\/files\/download\?path=%2Fhome%2Fdaytona%2Fsigned\.txt&expires=\d+&signature=v1_[A-Za-z0-9_-]{43}$/);
    const got = await fetch(url);
    assert.equal(got.status, 200);
    assert.equal(await got.text(), 'signed content');

    const tampered = url.replace('signed.txt', 'other.txt');
    assert.equal((await fetch(tampered)).status, 403, 'a URL signed for another path is refused');

    const up = await sb.uploadUrl('/home/daytona/in/up.txt');
    const form = new FormData();
    form.append('file', new Blob([Buffer.from('uploaded via URL')]), 'up.txt');
    const posted = await fetch(up, { method: 'POST', body: form });
    assert.equal(posted.status, 200, await posted.text());
    assert.equal((await sb.fs.downloadFile('/home/daytona/in/up.txt')).toString(), 'uploaded via URL');
    assert.notEqual((await fetch(up)).status, 200, 'an upload URL does not download');

    const never = await sb.downloadUrl('/home/daytona/signed.txt', 0);
    assert.match(never, /&expires=0&/);
    assert.equal((await fetch(never)).status, 200);

    await sb.rotateSigningKey();
    assert.equal((await fetch(url)).status, 403, 'rotation invalidates earlier URLs');
    assert.equal((await fetch(never)).status, 403, 'even those that never expire');
    const fresh = await sb.downloadUrl('/home/daytona/signed.txt');
    assert.equal((await fetch(fresh)).status, 200, 'URLs signed with the new key work');
  });

  test('an expired URL is refused', async (t) => {
    const sb = await own(t, ctx.daytona.create({ name: uniqueName('expired') }));
    await sb.fs.uploadFile(Buffer.from('short-lived'), 'short.txt');
    const url = await sb.downloadUrl('short.txt', 1);
    const expires = Number(new URL(url).searchParams.get('expires'));
    await new Promise((r) => setTimeout(r, Math.max(0, expires * 1000 - Date.now()) + 1200));
    const res = await fetch(url);
    assert.equal(res.status, 403);
    assert.doesNotMatch(await res.text(), /short-lived/);
  });
});
