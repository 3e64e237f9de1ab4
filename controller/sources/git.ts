import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { fullRef, parseGitUrl, redactSecrets, redactUrl, type GitLocation } from './git-url.js';
import { DEFAULT_LIMITS } from '../limits/limits.js';
import { decodePolicyText, isPolicyFileName } from './text.js';
import type { FetchResult, PolicySource, SourceDocument, SourceProblem } from './types.js';
import { PolicySourceError } from './types.js';

export interface GitSourceOptions {
  /** Where the shallow clones live (the container's only writable volume). */
  cacheDir: string;
  /** Environment to take credentials from: GIT_TOKEN / GIT_USERNAME (HTTPS), GIT_SSH_KEY_FILE / GIT_SSH_KNOWN_HOSTS (SSH). */
  env?: NodeJS.ProcessEnv;
  maxFileBytes?: number;
  /** Upper bound for one git command, so an unreachable host cannot hang a poll. */
  timeoutMs?: number;
}

interface CachedFile {
  blob: string;
  document?: SourceDocument;
  problem?: SourceProblem;
}

interface TreeEntry {
  path: string;
  blob: string;
  size: number;
  symlink: boolean;
}

interface GitRun {
  code: number;
  stdout: Buffer;
  stderr: string;
}

/** Variables passed through to git from the controller's environment (proxies, CA bundles); nothing else leaks. */
const PASSTHROUGH_ENV = [
  'PATH',
  'HTTPS_PROXY',
  'https_proxy',
  'HTTP_PROXY',
  'http_proxy',
  'NO_PROXY',
  'no_proxy',
  'SSL_CERT_FILE',
  'GIT_SSL_CAINFO',
];

/**
 * Policies from a git repository, read with the git binary: a shallow fetch of the ref into a cache
 * directory, then only blobs whose id changed are read again. The revision is the commit SHA.
 * Credentials come from the environment and reach git through its environment, never its command line.
 */
export class GitSource implements PolicySource {
  readonly name: string;
  private readonly location: GitLocation;
  private readonly dir: string;
  private readonly maxFileBytes: number;
  private readonly timeoutMs: number;
  private readonly secrets: string[];
  private readonly gitEnv: NodeJS.ProcessEnv;
  private files = new Map<string, CachedFile>();

  constructor(
    spec: string,
    private readonly options: GitSourceOptions,
  ) {
    this.location = parseGitUrl(spec);
    const ref = this.location.ref ? `?ref=${this.location.ref}` : '';
    const path = this.location.path ? `${ref ? '&' : '?'}path=${this.location.path}` : '';
    this.name = `git+${redactUrl(this.location.remote)}${ref}${path}`;
    this.dir = join(
      options.cacheDir,
      'git',
      createHash('sha256').update(this.location.remote).digest('hex').slice(0, 16),
    );
    this.maxFileBytes = options.maxFileBytes ?? DEFAULT_LIMITS.maxPolicyBytes;
    this.timeoutMs = options.timeoutMs ?? 120_000;
    const env = options.env ?? process.env;
    const token = this.location.inlineCredentials?.password || env.GIT_TOKEN || env.GIT_PASSWORD;
    this.secrets = [token, env.GIT_PASSWORD, env.GIT_TOKEN].filter((s): s is string => Boolean(s));
    this.gitEnv = this.buildEnv(env, token);
  }

  /**
   * git's whole environment. Nothing from the host's or the user's git configuration applies (no system or global
   * config, no hooks), and only the URL's own transport is allowed, so a repository or a redirect cannot make git
   * run a helper (ext::, fd::) or reach another protocol. Config goes through GIT_CONFIG_* (git >= 2.31): it
   * keeps the token off the command line and out of the cache's config file.
   */
  private buildEnv(env: NodeJS.ProcessEnv, token: string | undefined): NodeJS.ProcessEnv {
    const out: NodeJS.ProcessEnv = {
      HOME: env.HOME ?? this.options.cacheDir,
      LANG: 'C',
      LC_ALL: 'C',
      // Never wait for a password prompt; fail with a message instead.
      GIT_TERMINAL_PROMPT: '0',
      GIT_CONFIG_NOSYSTEM: '1',
      GIT_CONFIG_GLOBAL: '/dev/null',
      GIT_ASKPASS: 'true',
      SSH_ASKPASS: 'true',
    };
    for (const name of PASSTHROUGH_ENV) if (env[name]) out[name] = env[name];
    const config: [string, string][] = [
      ['core.hooksPath', '/dev/null'],
      ['protocol.allow', 'never'],
      [`protocol.${this.location.transport}.allow`, 'always'],
    ];
    if (token && this.location.transport === 'http') {
      throw new PolicySourceError(
        this.name,
        'refusing to send a git token over plain http://: anyone on the path could read it',
        'use git+https:// (or git+ssh://), or unset GIT_TOKEN / the URL credentials for a public repository',
      );
    }
    if (token && this.location.transport === 'https') {
      const user = this.location.inlineCredentials?.username || env.GIT_USERNAME || 'x-access-token';
      const header = `Authorization: Basic ${Buffer.from(`${user}:${token}`).toString('base64')}`;
      config.push(['http.extraHeader', header]);
      this.secrets.push(header.slice('Authorization: Basic '.length));
    }
    config.forEach(([key, value], i) => {
      out[`GIT_CONFIG_KEY_${i}`] = key;
      out[`GIT_CONFIG_VALUE_${i}`] = value;
    });
    out.GIT_CONFIG_COUNT = String(config.length);
    if (this.location.transport === 'ssh') {
      // Host keys must be pinned: accept-new would trust whoever answers first (a DNS or network attacker).
      if (!env.GIT_SSH_KNOWN_HOSTS) {
        throw new PolicySourceError(
          this.name,
          "a git+ssh:// source needs GIT_SSH_KNOWN_HOSTS (a known_hosts file with the git host's keys)",
          'e.g. ssh-keyscan the host once, check the fingerprints, and mount the file; host keys are never accepted on first use',
        );
      }
      const key = env.GIT_SSH_KEY_FILE ? ` -i ${shellQuote(env.GIT_SSH_KEY_FILE)} -o IdentitiesOnly=yes` : '';
      // -F /dev/null: no ~/.ssh/config (ProxyCommand, LocalCommand) applies.
      out.GIT_SSH_COMMAND = `ssh -F /dev/null${key} -o BatchMode=yes -o StrictHostKeyChecking=yes -o UserKnownHostsFile=${shellQuote(env.GIT_SSH_KNOWN_HOSTS)}`;
    }
    return out;
  }

  /** Fetches the ref and reads the policy files of its commit; throws PolicySourceError when that fails. */
  async fetch(signal?: AbortSignal): Promise<FetchResult> {
    await this.ensureRepository(signal);
    const revision = await this.fetchRef(signal);
    const tree = await this.listTree(revision, signal);
    const next = new Map<string, CachedFile>();
    for (const entry of tree) {
      const cached = this.files.get(entry.path);
      next.set(entry.path, cached && cached.blob === entry.blob ? cached : await this.readBlob(entry, signal));
    }
    this.files = next;
    const documents = [...next.values()].flatMap((f) => (f.document ? [f.document] : []));
    const problems = [...next.values()].flatMap((f) => (f.problem ? [f.problem] : []));
    return {
      revision,
      documents,
      problems,
      warnings: problems.filter((p) => p.severity === 'warning').map((p) => `${p.path}: ${p.message}`),
    };
  }

  private async ensureRepository(signal?: AbortSignal): Promise<void> {
    if (existsSync(join(this.dir, 'HEAD'))) return;
    try {
      await mkdir(this.dir, { recursive: true });
    } catch (error) {
      throw new PolicySourceError(
        this.name,
        `cannot create the git cache ${this.dir}: ${(error as Error).message}`,
        'set --cache-dir (CACHE_DIR) to a writable directory, e.g. the container volume',
      );
    }
    await this.git(['init', '--bare', '--quiet', this.dir], 'prepare the git cache', signal, false);
  }

  /** Shallow-fetches the ref (forced, so a force-pushed branch simply moves) and returns its commit. */
  private async fetchRef(signal?: AbortSignal): Promise<string> {
    const written = this.location.ref ?? 'HEAD';
    const ref = this.location.ref ? fullRef(this.location.ref) : 'HEAD';
    const fetched = await this.git(
      ['fetch', '--quiet', '--depth=1', '--no-tags', '--force', this.location.remote, ref],
      `fetch ${written}`,
      signal,
      true,
    );
    if (fetched.code !== 0 && /^(?:[0-9a-f]{40}|[0-9a-f]{64})$/.test(ref)) {
      // Servers that refuse a commit id in a shallow fetch still serve it in a full fetch of every branch.
      await this.git(
        ['fetch', '--quiet', '--no-tags', '--force', this.location.remote, '+refs/heads/*:refs/remotes/policies/*'],
        `fetch ${ref}`,
        signal,
      );
      return (
        await this.git(['rev-parse', '--verify', '--quiet', `${ref}^{commit}`], `find commit ${ref}`, signal)
      ).stdout
        .toString()
        .trim();
    }
    if (fetched.code !== 0)
      throw this.failure(`fetch ${written} from ${redactUrl(this.location.remote)}`, fetched.stderr);
    return (await this.git(['rev-parse', 'FETCH_HEAD^{commit}'], 'read the fetched commit', signal)).stdout
      .toString()
      .trim();
  }

  private async listTree(revision: string, signal?: AbortSignal): Promise<TreeEntry[]> {
    const { path } = this.location;
    if (path) {
      const kind = await this.git(['cat-file', '-t', `${revision}:${path}`], `find ${path}`, signal, true);
      if (kind.code !== 0) {
        throw new PolicySourceError(
          this.name,
          `the repository has no "${path}" at commit ${revision.slice(0, 12)}`,
          'check the path= parameter of the URL; the last good policy set stays in force',
        );
      }
    }
    const args = ['ls-tree', '-r', '-l', '-z', '--full-tree', revision, ...(path ? ['--', path] : [])];
    const out = (await this.git(args, 'list the policy files', signal)).stdout.toString('utf8');
    const entries: TreeEntry[] = [];
    for (const line of out.split('\0')) {
      const match = /^(\d+) blob ([0-9a-f]{40,64})\s+(\d+|-)\t(.*)$/s.exec(line);
      if (!match) continue;
      const relative = path ? match[4].slice(path.length).replace(/^\/+/, '') : match[4];
      // A committed symlink (mode 120000) is never a policy: its blob is a path, and following it is refused.
      if (isPolicyFileName(relative))
        entries.push({ path: relative, blob: match[2], size: Number(match[3]) || 0, symlink: match[1] === '120000' });
    }
    return entries.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
  }

  private async readBlob(entry: TreeEntry, signal?: AbortSignal): Promise<CachedFile> {
    const { path, blob, size } = entry;
    if (entry.symlink)
      return {
        blob,
        problem: { path, severity: 'error', message: 'refused: a symbolic link; commit the policy file itself' },
      };
    if (size > this.maxFileBytes) {
      return {
        blob,
        problem: {
          path,
          severity: 'error',
          message: `file is ${size} bytes, over the ${this.maxFileBytes}-byte limit; split it into smaller files`,
        },
      };
    }
    const bytes = (await this.git(['cat-file', 'blob', blob], `read ${path}`, signal)).stdout;
    const content = decodePolicyText(bytes);
    if (content === undefined)
      return {
        blob,
        problem: { path, severity: 'error', message: 'not a text file: content is not valid UTF-8 (binary file?)' },
      };
    return { blob, document: { path, content } };
  }

  /** Runs git in the cache; with `allowFailure` a non-zero exit is returned, else it becomes a PolicySourceError. */
  private git(args: string[], what: string, signal?: AbortSignal, allowFailure = false): Promise<GitRun> {
    const inRepo = args[0] === 'init' ? args : ['--git-dir', this.dir, ...args];
    const timeout = AbortSignal.timeout(this.timeoutMs);
    const combined = signal ? AbortSignal.any([signal, timeout]) : timeout;
    return new Promise((resolve, reject) => {
      const child = spawn('git', inRepo, { env: this.gitEnv, stdio: ['ignore', 'pipe', 'pipe'], signal: combined });
      const stdout: Buffer[] = [];
      const stderr: Buffer[] = [];
      child.stdout.on('data', (chunk: Buffer) => stdout.push(chunk));
      child.stderr.on('data', (chunk: Buffer) => stderr.push(chunk));
      child.on('error', (error) => {
        if (signal?.aborted) reject(signal.reason);
        else if (timeout.aborted)
          reject(
            new PolicySourceError(
              this.name,
              `cannot ${what}: git did not finish within ${this.timeoutMs / 1000}s`,
              'check that the host is reachable',
            ),
          );
        else
          reject(
            new PolicySourceError(
              this.name,
              `cannot ${what}: ${(error as Error).message}`,
              'the git binary must be installed and on PATH',
            ),
          );
      });
      child.on('close', (code) => {
        const run = { code: code ?? 1, stdout: Buffer.concat(stdout), stderr: Buffer.concat(stderr).toString('utf8') };
        if (run.code !== 0 && !allowFailure) reject(this.failure(what, run.stderr));
        else resolve(run);
      });
    });
  }

  /** Turns git's stderr into an error that says what failed and what to do, with every secret removed. */
  private failure(what: string, stderr: string): PolicySourceError {
    const detail = redactSecrets(stderr.trim().split('\n').filter(Boolean).slice(-2).join(' '), this.secrets);
    const ref = this.location.ref ?? 'the default branch';
    let hint = 'the last good policy set stays in force; the next poll tries again';
    if (/couldn't find remote ref|unknown revision|not our ref|bad object/i.test(stderr)) {
      hint = `no branch, tag or commit "${ref}" in the repository; check the ref= parameter (a short name is a branch; write a tag as refs/tags/<name>, a commit as its full 40-hex id)`;
    } else if (
      /authentication failed|could not read username|permission denied|returned error: 40[13]|access denied|invalid credentials/i.test(
        stderr,
      )
    )
      hint = 'the repository refused the credentials: check GIT_TOKEN (HTTPS) or GIT_SSH_KEY_FILE (SSH)';
    else if (
      /could not resolve host|connection refused|failed to connect|timed out|network is unreachable/i.test(stderr)
    )
      hint = 'the git host is unreachable from the controller; check DNS, egress and proxies';
    else if (/not found|does not appear to be a git repository|repository .* does not exist/i.test(stderr))
      hint = 'no repository at that URL (or no access to it)';
    return new PolicySourceError(this.name, `cannot ${what}: ${detail || 'git failed'}`, hint);
  }
}

function shellQuote(text: string): string {
  return `'${text.replace(/'/g, `'\\''`)}'`;
}
