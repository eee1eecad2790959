// A toolbox that answers at once, for bench/Command.bench.ps1 -ClientOnly: with no sandbox and no
// bash behind the exec, the time per call is the client's own (and loopback HTTP), so DaytonaPS's
// overhead can be told from the server's. Prints its base URL, then serves until stdin closes.
// Routes: GET /api/sandbox/{id}; POST /toolbox/{id}/process/session; POST .../session/{sid}/exec.
import http from 'node:http';

const server = http.createServer((req, res) => {
  let body = '';
  req.on('data', (c) => { body += c; });
  req.on('end', () => {
    const json = (status, value) => {
      const text = JSON.stringify(value);
      res.writeHead(status, { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(text) });
      res.end(text);
    };
    const m = /^\/api\/sandbox\/([^/?]+)$/.exec(req.url);
    if (req.method === 'GET' && m) {
      const { port } = server.address();
      return json(200, { id: m[1], name: m[1], state: 'started', labels: {}, toolboxProxyUrl: `http://127.0.0.1:${port}/toolbox` });
    }
    if (req.method === 'POST' && /\/process\/session$/.test(req.url)) return json(201, {});
    if (req.method === 'POST' && /\/exec$/.test(req.url)) {
      return json(200, { cmdId: 'c', output: '', stdout: '', stderr: '', exitCode: 0 });
    }
    json(404, { statusCode: 404, message: 'no route' });
  });
});
server.keepAliveTimeout = 60_000;
server.listen(0, '127.0.0.1', () => console.log(`http://127.0.0.1:${server.address().port}`));
process.stdin.resume();
process.stdin.on('end', () => process.exit(0));
