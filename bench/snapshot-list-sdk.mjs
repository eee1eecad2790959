// Every snapshot through Daytona's TypeScript SDK (tests/contract's @daytonaio/sdk 0.218.0), as a
// user of snapshot.list pages through them: page after page at the server's largest page (200).
// Usage: node bench/snapshot-list-sdk.mjs <runs> (DAYTONA_API_KEY, DAYTONA_API_URL in the environment).
// Prints {"count":N,"seconds":[...]} with the wall time of each run (one Daytona client for all runs).
import { createRequire } from 'node:module';

const require = createRequire(new URL('../tests/contract/package.json', import.meta.url));
const { Daytona } = require('@daytonaio/sdk');
const runs = Number(process.argv[2] ?? 5);
const daytona = new Daytona({ apiKey: process.env.DAYTONA_API_KEY, apiUrl: process.env.DAYTONA_API_URL, target: 'us' });

async function listAll() {
  const all = [];
  for (let page = 1; ; page++) {
    const reply = await daytona.snapshot.list({ page, limit: 200 });
    all.push(...reply.items);
    if (page >= reply.totalPages) return all;
  }
}

await listAll(); // warm-up: connection and JIT, as the PowerShell side gets
const seconds = [];
let count = 0;
for (let i = 0; i < runs; i++) {
  const t = performance.now();
  count = (await listAll()).length;
  seconds.push((performance.now() - t) / 1000);
}
console.log(JSON.stringify({ count, seconds }));
