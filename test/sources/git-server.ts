/** A real git repository served over smart HTTP (git http-backend behind node:http), with optional Basic auth. */
import { execFileSync, spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';

export interface GitTestRepo {
  /** git+http URL prefix of the served repository (append ?ref=…); git+https with `tls`. */
  httpUrl: string;
  /** With `tls`: the self-signed certificate to trust (GIT_SSL_CAINFO). */
  caFile?: string;
  /** Path of the bare repository (for git+file://). */
  barePath: string;
  root: string;
  /** Writes files (path -> content, null deletes), commits and pushes to the branch; returns the commit SHA. */
  commit(files: Record<string, string | null>, message?: string, branch?: string): string;
  tag(name: string): void;
  /** Rewrites the branch to a new root commit and force-pushes it. */
  forcePush(files: Record<string, string>, branch?: string): string;
  /** Requests the server answered, by path. */
  requests: string[];
  close(): Promise<void>;
}

const GIT_ENV = {
  ...process.env,
  GIT_AUTHOR_NAME: 'test',
  GIT_AUTHOR_EMAIL: 't@example.com',
  GIT_COMMITTER_NAME: 'test',
  GIT_COMMITTER_EMAIL: 't@example.com',
  GIT_CONFIG_NOSYSTEM: '1',
  HOME: tmpdir(),
};

function git(cwd: string, ...args: string[]): string {
  return execFileSync('git', args, { cwd, env: GIT_ENV, encoding: 'utf8' }).trim();
}

/** A self-signed certificate for 127.0.0.1, made with the openssl binary. */
function selfSigned(dir: string): { key: string; cert: string; caFile: string } {
  const keyFile = join(dir, 'key.pem');
  const caFile = join(dir, 'cert.pem');
  execFileSync(
    'openssl',
    [
      'req',
      '-x509',
      '-newkey',
      'rsa:2048',
      '-nodes',
      '-keyout',
      keyFile,
      '-out',
      caFile,
      '-days',
      '1',
      '-subj',
      '/CN=127.0.0.1',
      '-addext',
      'subjectAltName=IP:127.0.0.1',
    ],
    { stdio: 'ignore' },
  );
  return { key: readFileSync(keyFile, 'utf8'), cert: readFileSync(caFile, 'utf8'), caFile };
}

/** Creates a bare repository and a work tree, and serves the bare one over HTTP (HTTPS with `tls`) on 127.0.0.1. */
export async function startGitRepo(options: { token?: string; tls?: boolean } = {}): Promise<GitTestRepo> {
  const root = mkdtempSync(join(tmpdir(), 'gitrepo-'));
  const barePath = join(root, 'served', 'policies.git');
  const work = join(root, 'work');
  mkdirSync(barePath, { recursive: true });
  git(barePath, 'init', '--bare', '--quiet', '--initial-branch=main');
  git(barePath, 'config', 'http.receivepack', 'false');
  mkdirSync(work);
  git(work, 'init', '--quiet', '--initial-branch=main');
  git(work, 'remote', 'add', 'origin', barePath);
  const requests: string[] = [];

  const handler = (req: IncomingMessage, res: ServerResponse) => {
    const url = new URL(req.url ?? '/', 'http://localhost');
    requests.push(url.pathname);
    if (options.token) {
      const expected = `Basic ${Buffer.from(`x-access-token:${options.token}`).toString('base64')}`;
      if (req.headers.authorization !== expected) {
        res.writeHead(401, { 'www-authenticate': 'Basic realm="git"' });
        res.end('unauthorized');
        return;
      }
    }
    const cgi = spawn('git', ['http-backend'], {
      env: {
        ...GIT_ENV,
        GIT_PROJECT_ROOT: join(root, 'served'),
        GIT_HTTP_EXPORT_ALL: '1',
        PATH_INFO: url.pathname,
        QUERY_STRING: url.search.slice(1),
        REQUEST_METHOD: req.method ?? 'GET',
        CONTENT_TYPE: req.headers['content-type'] ?? '',
        HTTP_CONTENT_ENCODING: String(req.headers['content-encoding'] ?? ''),
        HTTP_GIT_PROTOCOL: String(req.headers['git-protocol'] ?? ''),
        REMOTE_ADDR: '127.0.0.1',
      },
    });
    req.pipe(cgi.stdin);
    const chunks: Buffer[] = [];
    cgi.stdout.on('data', (c: Buffer) => chunks.push(c));
    cgi.on('close', () => {
      const out = Buffer.concat(chunks);
      const split = out.indexOf('\r\n\r\n');
      const head = out.subarray(0, split).toString('utf8');
      const headers: Record<string, string> = {};
      let status = 200;
      for (const line of head.split('\r\n')) {
        const i = line.indexOf(':');
        const name = line.slice(0, i).trim().toLowerCase();
        const value = line.slice(i + 1).trim();
        if (name === 'status') status = Number(value.split(' ')[0]);
        else if (name) headers[name] = value;
      }
      res.writeHead(status, headers);
      res.end(out.subarray(split + 4));
    });
  };
  const tls = options.tls ? selfSigned(root) : undefined;
  const server: Server = tls ? createHttpsServer({ key: tls.key, cert: tls.cert }, handler) : createServer(handler);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;

  const write = (files: Record<string, string | null>) => {
    for (const [path, content] of Object.entries(files)) {
      const full = join(work, path);
      if (content === null) rmSync(full, { force: true });
      else {
        mkdirSync(dirname(full), { recursive: true });
        writeFileSync(full, content);
      }
    }
  };
  return {
    httpUrl: `git+${tls ? 'https' : 'http'}://127.0.0.1:${port}/policies.git`,
    caFile: tls?.caFile,
    barePath,
    root,
    requests,
    commit(files, message = 'update policies', branch = 'main') {
      write(files);
      git(work, 'add', '-A');
      git(work, 'commit', '--quiet', '--allow-empty', '-m', message);
      git(work, 'push', '--quiet', '--force', 'origin', `HEAD:refs/heads/${branch}`);
      return git(work, 'rev-parse', 'HEAD');
    },
    tag(name) {
      git(work, 'tag', name);
      git(work, 'push', '--quiet', 'origin', `refs/tags/${name}`);
    },
    forcePush(files, branch = 'main') {
      git(work, 'checkout', '--quiet', '--orphan', `rewrite-${Date.now()}`);
      git(work, 'rm', '-r', '--quiet', '--cached', '.');
      rmSync(join(work, 'policies'), { recursive: true, force: true });
      write(files);
      git(work, 'add', '-A');
      git(work, 'commit', '--quiet', '-m', 'rewritten history');
      git(work, 'push', '--quiet', '--force', 'origin', `HEAD:refs/heads/${branch}`);
      return git(work, 'rev-parse', 'HEAD');
    },
    async close() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      rmSync(root, { recursive: true, force: true });
    },
  };
}
