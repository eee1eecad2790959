// The same tree through Daytona's TypeScript SDK (tests/contract's @daytonaio/sdk 0.218.0):
// fs.uploadFiles of every file in one call, then fs.downloadFiles of every file to disk.
// Usage: node bench/files-tree-sdk.mjs <sandboxId> <localDir> <remoteDir> <downDir>
// (DAYTONA_API_KEY, DAYTONA_API_URL in the environment). Prints {"uploadSeconds":..,"downloadSeconds":..}.
import { createRequire } from 'node:module';
import { mkdirSync, readdirSync } from 'node:fs';
import path from 'node:path';

const require = createRequire(new URL('../tests/contract/package.json', import.meta.url));
const { Daytona } = require('@daytonaio/sdk');
const [sandboxId, localDir, remoteDir, downDir] = process.argv.slice(2);

function walk(dir, rel = '') {
  return readdirSync(dir, { withFileTypes: true }).flatMap(e => {
    const r = rel ? `${rel}/${e.name}` : e.name;
    return e.isDirectory() ? walk(path.join(dir, e.name), r) : [r];
  });
}

const files = walk(localDir);
const daytona = new Daytona({ apiKey: process.env.DAYTONA_API_KEY, apiUrl: process.env.DAYTONA_API_URL, target: 'us' });
const sb = await daytona.get(sandboxId);
let t = performance.now();
await sb.fs.uploadFiles(files.map(f => ({ source: path.join(localDir, f), destination: `${remoteDir}/${f}` })));
const uploadSeconds = (performance.now() - t) / 1000;
for (const f of files) mkdirSync(path.dirname(path.join(downDir, f)), { recursive: true });
t = performance.now();
const results = await sb.fs.downloadFiles(files.map(f => ({ source: `${remoteDir}/${f}`, destination: path.join(downDir, f) })));
const downloadSeconds = (performance.now() - t) / 1000;
const failed = results.filter(r => r.error).length;
if (failed) throw new Error(`${failed} downloads failed`);
console.log(JSON.stringify({ files: files.length, uploadSeconds, downloadSeconds }));
