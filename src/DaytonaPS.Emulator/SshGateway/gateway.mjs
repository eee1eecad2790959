// The DaytonaPS emulator's SSH gateway (started by the emulator: Ssh/SshGatewayProcess.cs).
// ssh <token>@127.0.0.1 -p PORT: the user name is an SSH access token, checked by the emulator;
// no password or key. Each channel (a session's shell or exec, with or without a PTY, its sftp
// subsystem, or a -L forward's direct-tcpip) is bridged to the emulator over a loopback WebSocket
// (Ssh/SshGatewayEndpoints.cs describes the protocol); the emulator runs it inside the sandbox.
// Everything comes from the environment, never argv: the per-run secret both routes require,
// the emulator's URL, the port, and the host key file (created on first use).
import fs from 'node:fs';
import ssh2 from 'ssh2';
import WebSocket from 'ws';

const { Server, utils } = ssh2;
const secret = process.env.DAYTONA_SSH_GATEWAY_SECRET;
const emulator = process.env.DAYTONA_SSH_GATEWAY_EMULATOR;
const port = Number(process.env.DAYTONA_SSH_GATEWAY_PORT);
const keyFile = process.env.DAYTONA_SSH_GATEWAY_HOST_KEY;
delete process.env.DAYTONA_SSH_GATEWAY_SECRET;
if (!secret || !emulator || !keyFile || !Number.isInteger(port)) {
  console.error('error the emulator must set DAYTONA_SSH_GATEWAY_SECRET, _EMULATOR, _PORT and _HOST_KEY');
  process.exit(2);
}

/** The host key, generated on first use; two gateways starting at once agree on one (link fails if it exists). */
function hostKey() {
  try {
    return fs.readFileSync(keyFile);
  } catch (e) {
    if (e.code !== 'ENOENT') throw e;
  }
  const { private: key } = utils.generateKeyPairSync('ed25519');
  const temp = `${keyFile}.${process.pid}.tmp`;
  fs.writeFileSync(temp, key, { mode: 0o600 });
  try {
    fs.linkSync(temp, keyFile);
  } catch (e) {
    if (e.code !== 'EEXIST') throw e;
  } finally {
    fs.unlinkSync(temp);
  }
  return fs.readFileSync(keyFile);
}

/** The sandbox id for a token, or null when the emulator refuses it (unknown, revoked, expired). */
async function authenticate(token) {
  const response = await fetch(`${emulator}/_ssh-gateway/auth`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'X-Daytona-Gateway-Secret': secret },
    body: JSON.stringify({ token }),
  });
  if (!response.ok) return null;
  return (await response.json()).sandboxId ?? null;
}

const STDIN = 0, STDOUT = 1, STDERR = 2;

/** A channel WebSocket to the emulator for the sandbox. */
function connect(sandboxId) {
  const url = `${emulator.replace(/^http/, 'ws')}/_ssh-gateway/channel?sandbox=${encodeURIComponent(sandboxId)}`;
  return new WebSocket(url, { headers: { 'X-Daytona-Gateway-Secret': secret } });
}

/** Runs one session channel in the sandbox: request = {mode, command, pty}; session events resize it. */
function bridge(channel, sandboxId, request, session) {
  const ws = connect(sandboxId);
  let ended = false;
  const finish = (code) => {
    if (ended) return;
    ended = true;
    channel.exit(code);
    channel.end();
  };
  const pending = [];
  const send = (data) => (ws.readyState === WebSocket.OPEN ? ws.send(data) : pending.push(data));
  ws.on('open', () => {
    ws.send(JSON.stringify(request));
    for (const data of pending.splice(0)) ws.send(data);
  });
  channel.on('data', (data) => send(Buffer.concat([Buffer.from([STDIN]), data])));
  channel.on('end', () => send(JSON.stringify({ type: 'eof' })));
  channel.on('close', () => { ended = true; ws.close(); });
  session.onResize = (cols, rows) => send(JSON.stringify({ type: 'resize', cols, rows }));
  ws.on('message', (data, isBinary) => {
    if (isBinary) {
      const payload = data.subarray(1);
      if (data[0] === STDERR) channel.stderr.write(payload);
      else if (data[0] === STDOUT) channel.write(payload);
      return;
    }
    const message = JSON.parse(data.toString('utf8'));
    if (message.type === 'exit') finish(message.code);
    else if (message.type === 'error') {
      channel.stderr.write(`${message.message}\r\n`);
      finish(255);
    }
  });
  ws.on('close', () => finish(255));
  ws.on('error', (e) => {
    if (!ended) channel.stderr.write(`daytona emulator gateway: ${e.message}\r\n`);
    finish(255);
  });
}

/**
 * A direct-tcpip channel (ssh -L): the emulator connects to the port inside the sandbox first; the
 * SSH channel is confirmed only once that connection is open and refused otherwise (OpenSSH then
 * reports "open failed: connect failed"). Destinations other than the sandbox's loopback are refused
 * here and again by the emulator.
 */
const LOOPBACK = new Set(['localhost', '127.0.0.1', '::1']);
function forward(accept, reject, sandboxId, info) {
  if (!LOOPBACK.has(info.destIP) || !(info.destPort >= 1 && info.destPort <= 65535)) return reject();
  const ws = connect(sandboxId);
  let channel = null;
  const close = () => {
    if (channel) channel.end();
    else reject();
  };
  ws.on('open', () => ws.send(JSON.stringify({ mode: 'tcpip', host: info.destIP, port: info.destPort })));
  ws.on('message', (data, isBinary) => {
    if (isBinary) {
      if (channel && data[0] === STDOUT) channel.write(data.subarray(1));
      return;
    }
    const message = JSON.parse(data.toString('utf8'));
    if (message.type === 'open' && !channel) {
      channel = accept();
      channel.on('data', (chunk) => ws.readyState === WebSocket.OPEN && ws.send(Buffer.concat([Buffer.from([STDIN]), chunk])));
      channel.on('end', () => ws.readyState === WebSocket.OPEN && ws.send(JSON.stringify({ type: 'eof' })));
      channel.on('close', () => ws.close());
      channel.on('error', () => ws.close());
    } else if (message.type === 'error') {
      ws.close();
    }
  });
  ws.on('close', close);
  ws.on('error', close);
}

const server = new Server({ hostKeys: [hostKey()], ident: 'DaytonaEmulatorGateway' }, (client) => {
  let sandboxId = null;
  client.on('error', () => {});
  client.on('authentication', async (ctx) => {
    // OpenSSH tries "none" first: the token in the user name is the whole credential. Refusals
    // name "publickey" only: with an empty list OpenSSH would go on to ask for a password.
    if (ctx.method !== 'none') return ctx.reject(['publickey']);
    try {
      sandboxId = await authenticate(ctx.username);
    } catch {
      sandboxId = null;
    }
    if (sandboxId) ctx.accept();
    else ctx.reject(['publickey']);
  });
  client.on('ready', () => {
    client.on('session', (acceptSession) => {
      const session = acceptSession();
      const state = { pty: null, onResize: null };
      session.on('pty', (accept, _reject, info) => {
        state.pty = { term: info.term, cols: info.cols, rows: info.rows };
        accept?.();
      });
      session.on('window-change', (accept, _reject, info) => {
        if (state.pty) { state.pty.cols = info.cols; state.pty.rows = info.rows; }
        state.onResize?.(info.cols, info.rows);
        accept?.();
      });
      // Environment requests (OpenSSH's SendEnv LANG LC_*) are accepted and ignored.
      session.on('env', (accept) => accept?.());
      session.on('shell', (accept) => bridge(accept(), sandboxId, { mode: 'shell', pty: state.pty }, state));
      session.on('exec', (accept, _reject, info) => bridge(accept(), sandboxId, { mode: 'exec', command: info.command, pty: state.pty }, state));
      // sftp (and scp, which OpenSSH 9 runs over sftp): no 'sftp' listener, so ssh2 hands the
      // subsystem over as a raw channel, bridged to the sandbox's own sftp-server.
      session.on('subsystem', (accept, reject, info) => {
        if (info.name === 'sftp') bridge(accept(), sandboxId, { mode: 'sftp' }, state);
        else reject?.();
      });
    });
    client.on('tcpip', (accept, reject, info) => forward(accept, reject, sandboxId, info));
    client.on('request', (_accept, reject) => reject?.());
  });
});

server.on('error', (e) => {
  console.error(`error ${e.message}`);
  process.exit(1);
});
server.listen(port, '127.0.0.1', () => {
  console.log(`listening ${server.address().port}`);
});
// The emulator holds our stdin: when it goes away, so do we.
process.stdin.on('end', () => process.exit(0));
process.stdin.on('error', () => process.exit(0));
process.stdin.resume();
