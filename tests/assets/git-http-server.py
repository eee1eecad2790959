# A git smart-HTTP server for tests, run inside a sandbox: `git http-backend` behind basic auth on
# 127.0.0.1. Usage: python3 git-http-server.py PROJECT_ROOT PORT_FILE SECRET_FILE SEEN_FILE
# SECRET_FILE holds "user:password" (never an argument, so never in a process list). On every
# authenticated request it appends the command lines of all processes it can see to SEEN_FILE,
# so a test can prove that the git client then running shows no credential.
import base64, os, subprocess, sys
from http.server import BaseHTTPRequestHandler, HTTPServer

root, port_file, secret_file, seen_file = sys.argv[1:5]
with open(secret_file, 'rb') as f:
    expected = 'Basic ' + base64.b64encode(f.read().strip()).decode()


def command_lines():
    lines = []
    for pid in os.listdir('/proc'):
        if pid.isdigit():
            try:
                with open('/proc/%s/cmdline' % pid, 'rb') as f:
                    lines.append(f.read().replace(b'\0', b' ').decode(errors='replace'))
            except OSError:
                pass
    return lines


class Handler(BaseHTTPRequestHandler):
    def log_message(self, *args):
        pass

    def do_GET(self):
        self.serve()

    def do_POST(self):
        self.serve()

    def serve(self):
        if self.headers.get('Authorization') != expected:
            self.send_response(401)
            self.send_header('WWW-Authenticate', 'Basic realm="git"')
            self.send_header('Content-Length', '0')
            self.end_headers()
            return
        with open(seen_file, 'a') as f:
            f.write('\n'.join(command_lines()) + '\n')
        path, _, query = self.path.partition('?')
        env = dict(os.environ, GIT_PROJECT_ROOT=root, GIT_HTTP_EXPORT_ALL='1', REMOTE_USER='tester',
                   PATH_INFO=path, QUERY_STRING=query, REQUEST_METHOD=self.command,
                   CONTENT_TYPE=self.headers.get('Content-Type', ''),
                   HTTP_CONTENT_ENCODING=self.headers.get('Content-Encoding', ''))
        if self.headers.get('Transfer-Encoding', '').lower() == 'chunked':
            body = b''
            while True:
                size = int(self.rfile.readline().strip(), 16)
                if size == 0:
                    self.rfile.readline()
                    break
                body += self.rfile.read(size)
                self.rfile.readline()
        else:
            body = self.rfile.read(int(self.headers.get('Content-Length') or 0))
        out = subprocess.run(['git', 'http-backend'], input=body, env=env, stdout=subprocess.PIPE).stdout
        head, _, rest = out.partition(b'\r\n\r\n')
        status, headers = 200, []
        for line in head.decode().split('\r\n'):
            name, _, value = line.partition(':')
            if name.lower() == 'status':
                status = int(value.split()[0])
            elif name:
                headers.append((name, value.strip()))
        self.send_response(status)
        for name, value in headers:
            self.send_header(name, value)
        self.send_header('Content-Length', str(len(rest)))
        self.end_headers()
        self.wfile.write(rest)


server = HTTPServer(('127.0.0.1', 0), Handler)
with open(port_file + '.tmp', 'w') as f:
    f.write(str(server.server_port))
os.rename(port_file + '.tmp', port_file)
server.serve_forever()
