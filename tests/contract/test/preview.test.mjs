// Previews served: getPreviewLink / getSignedPreviewUrl, then a plain HTTP GET of the URL, as a user
// would curl it. Needs a runtime that runs commands (the default on Linux).
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import { useEmulator, uniqueName, own } from '../lib/harness.mjs';

const ctx = useEmulator();

/**
 * GET url with headers; every host name resolves to 127.0.0.1 (browsers resolve *.localhost to
 * loopback, Node's resolver does not). Redirects are not followed.
 */
function get(url, headers = {}) {
  const lookup = (_host, options, cb) =>
    options && options.all ? cb(null, [{ address: '127.0.0.1', family: 4 }]) : cb(null, '127.0.0.1', 4);
  return new Promise((resolve, reject) => {
    const req = http.request(url, { headers, lookup, agent: false }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (d) => (body += d));
      res.on('end', () => resolve({ status: res.statusCode, headers: res.headers, body }));
    });
    req.on('error', reject);
    req.end();
  });
}

describe('previews', { concurrency: true, timeout: 90_000 }, () => {
  test('getPreviewLink and getSignedPreviewUrl answer with what the sandbox serves', async (t) => {
    const sb = await own(t, ctx.daytona.create({ name: uniqueName('preview') }));
    const page = `page-${sb.id}`;
    await sb.process.executeCommand(
      `mkdir -p /tmp/www && echo ${page} > /tmp/www/index.html && cd /tmp/www && (nohup python3 -m http.server 3000 >/dev/null 2>&1 &)`,
    );
    const link = await sb.getPreviewLink(3000);

    let served;
    for (let i = 0; i < 100; i++) {
      served = await get(link.url + '/', { 'x-daytona-preview-token': link.token });
      if (served.status === 200) break;
      await new Promise((r) => setTimeout(r, 200));
    }
    assert.equal(served.status, 200, `the preview answered ${served.status}`);
    assert.equal(served.body, `${page}\n`);

    // A private sandbox without the token is refused (Daytona: a redirect to sign-in).
    const refused = await get(link.url + '/');
    assert.equal(refused.status, 307);
    assert.ok(!refused.body.includes(page));

    const signed = await sb.getSignedPreviewUrl(3000, 120);
    const bySignature = await get(signed.url + '/');
    assert.equal(bySignature.status, 200);
    assert.equal(bySignature.body, `${page}\n`);
    await sb.expireSignedPreviewUrl(3000, signed.token);
    assert.equal((await get(signed.url + '/')).status, 307);
  });
});
