// A Git server on loopback for Flux's source-controller: `git http-backend` (Git's own smart HTTP
// server, a CGI program) behind a small node:http server, serving the bare repositories of one
// directory read-only. Tests commit with `commit()` and push to the bare repository directly.
import { execFileSync, spawn } from 'child_process';
import * as fs from 'fs';
import * as http from 'http';
import { AddressInfo } from 'net';
import * as os from 'os';
import * as path from 'path';

export interface GitServer {
  /** `http://127.0.0.1:<port>` */
  readonly url: string;
  /** Creates the bare repository `<name>.git` with one commit on `branch`; returns the commit. */
  createRepository(name: string, branch: string): string;
  /** Commits a change of `file` to `branch` of `<name>.git` and returns the new commit's SHA-1. */
  commit(name: string, branch: string, file: string, content: string): string;
  stop(): Promise<void>;
}

const GIT_ENV = {
  GIT_AUTHOR_NAME: 'test',
  GIT_AUTHOR_EMAIL: 'test@example.invalid',
  GIT_COMMITTER_NAME: 'test',
  GIT_COMMITTER_EMAIL: 'test@example.invalid',
  GIT_CONFIG_NOSYSTEM: '1',
  HOME: os.tmpdir(),
};

export async function startGitServer(): Promise<GitServer> {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'git-server-'));
  const git = (args: string[], cwd = root) => execFileSync('git', args, { cwd, encoding: 'utf8', env: { ...process.env, ...GIT_ENV } }).trim();

  const server = http.createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://localhost');
    // The CGI environment git http-backend reads (RFC 3875).
    const cgi = spawn('git', ['http-backend'], {
      env: {
        ...GIT_ENV,
        PATH: process.env.PATH,
        GIT_PROJECT_ROOT: root,
        GIT_HTTP_EXPORT_ALL: '1',
        REQUEST_METHOD: req.method,
        PATH_INFO: decodeURIComponent(url.pathname),
        QUERY_STRING: url.search.slice(1),
        CONTENT_TYPE: req.headers['content-type'] ?? '',
        HTTP_CONTENT_ENCODING: req.headers['content-encoding'] ?? '',
        REMOTE_ADDR: req.socket.remoteAddress ?? '',
        GIT_PROTOCOL: String(req.headers['git-protocol'] ?? ''),
      },
      stdio: ['pipe', 'pipe', 'ignore'],
    });
    req.pipe(cgi.stdin);
    let head = Buffer.alloc(0);
    let headersDone = false;
    cgi.stdout.on('data', (chunk: Buffer) => {
      if (headersDone) return void res.write(chunk);
      head = Buffer.concat([head, chunk]);
      const end = head.indexOf('\r\n\r\n');
      if (end < 0) return;
      headersDone = true;
      let status = 200;
      for (const line of head.subarray(0, end).toString('latin1').split('\r\n')) {
        const colon = line.indexOf(':');
        const name = line.slice(0, colon).trim();
        const value = line.slice(colon + 1).trim();
        if (name.toLowerCase() === 'status') status = parseInt(value, 10);
        else res.setHeader(name, value);
      }
      res.writeHead(status);
      res.write(head.subarray(end + 4));
    });
    cgi.stdout.on('end', () => res.end());
    cgi.on('error', () => res.destroy());
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

  const commit = (name: string, branch: string, file: string, content: string): string => {
    const work = fs.mkdtempSync(path.join(root, '.work-'));
    try {
      git(['clone', '-q', '--branch', branch, path.join(root, `${name}.git`), work]);
      fs.writeFileSync(path.join(work, file), content);
      git(['add', file], work);
      git(['commit', '-q', '-m', `update ${file}`], work);
      git(['push', '-q', 'origin', branch], work);
      return git(['rev-parse', 'HEAD'], work);
    } finally {
      fs.rmSync(work, { recursive: true, force: true });
    }
  };

  return {
    url,
    createRepository: (name, branch) => {
      const bare = path.join(root, `${name}.git`);
      git(['init', '-q', '--bare', `--initial-branch=${branch}`, bare]);
      const work = fs.mkdtempSync(path.join(root, '.work-'));
      try {
        git(['init', '-q', `--initial-branch=${branch}`, work]);
        fs.writeFileSync(path.join(work, 'README.md'), `# ${name}\n`);
        git(['add', 'README.md'], work);
        git(['commit', '-q', '-m', 'initial commit'], work);
        git(['push', '-q', bare, branch], work);
        return git(['rev-parse', 'HEAD'], work);
      } finally {
        fs.rmSync(work, { recursive: true, force: true });
      }
    },
    commit,
    stop: async () => {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      fs.rmSync(root, { recursive: true, force: true });
    },
  };
}
