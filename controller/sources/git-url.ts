import { PolicySourceError } from './types.js';

/** A parsed `git+https://…`, `git+ssh://…` or `git+file://…` policy URL. */
export interface GitLocation {
  /** What git fetches from, without credentials. */
  remote: string;
  transport: 'https' | 'http' | 'ssh' | 'file';
  /** The ref as written in the URL (`main`, `refs/tags/v1`, a full SHA); undefined means the remote's default branch. */
  ref?: string;
  /** Folder inside the repository that holds the policies; '' for the whole repository. */
  path: string;
  /** Credentials written into the URL itself (discouraged); kept out of `remote` and every message. */
  inlineCredentials?: { username: string; password: string };
}

const REF_PATTERN = /^(?!-)(?!.*\.\.)[A-Za-z0-9._\/-]{1,255}$/;
const FULL_SHA = /^(?:[0-9a-f]{40}|[0-9a-f]{64})$/;

/**
 * What git fetches for a ref as written: a short name is always a branch (`main` -> refs/heads/main, even when
 * a tag named main exists: tags are often less protected than branches, so a pushed tag must not move the
 * policies); a tag only as `refs/tags/<name>`; a commit only as its full 40- (or 64-) hex id.
 */
export function fullRef(ref: string): string {
  if (FULL_SHA.test(ref) || ref.startsWith('refs/heads/') || ref.startsWith('refs/tags/')) return ref;
  return `refs/heads/${ref}`;
}

/** Parses a policy git URL: `git+https://host/org/repo.git?ref=main&path=policies/`. */
export function parseGitUrl(spec: string): GitLocation {
  const fail = (why: string) =>
    new PolicySourceError(
      redactUrl(spec),
      why,
      'use git+https://host/org/repo.git?ref=main&path=policies/, git+ssh://git@host/org/repo.git?ref=refs/tags/v1 or git+file:///path/to/repo.git',
    );
  if (!spec.startsWith('git+')) throw fail('not a git URL');
  let url: URL;
  try {
    url = new URL(spec.slice(4));
  } catch {
    throw fail('not a valid URL');
  }
  const transport = url.protocol.replace(/:$/, '');
  if (transport !== 'https' && transport !== 'http' && transport !== 'ssh' && transport !== 'file') {
    throw fail(`unsupported transport "${transport}"`);
  }
  const ref = url.searchParams.get('ref') ?? undefined;
  if (ref !== undefined && !REF_PATTERN.test(ref)) throw fail(`"${ref}" is not a valid branch, tag or commit`);
  if (ref !== undefined && ref.startsWith('refs/') && !/^refs\/(heads|tags)\/./.test(ref)) {
    throw fail(`"${ref}" is neither a branch (refs/heads/…) nor a tag (refs/tags/…)`);
  }
  const path = (url.searchParams.get('path') ?? '').replace(/^\/+|\/+$/g, '');
  if (path.split('/').some((segment) => segment === '..')) throw fail('path may not leave the repository');
  let inlineCredentials: GitLocation['inlineCredentials'];
  if (transport !== 'ssh' && (url.username || url.password)) {
    inlineCredentials = { username: decodeURIComponent(url.username), password: decodeURIComponent(url.password) };
    url.username = '';
    url.password = '';
  }
  url.search = '';
  url.hash = '';
  return { remote: url.toString(), transport, ref, path, inlineCredentials };
}

/** The URL as it may appear in logs, metrics and errors: no user info, no token. */
export function redactUrl(text: string): string {
  return text.replace(/\/\/[^/@\s]*@/g, (match) => (match.startsWith('//git@') ? match : '//'));
}

/** Removes every occurrence of the given secrets (and any user info in URLs) from text, e.g. git's stderr. */
export function redactSecrets(text: string, secrets: readonly (string | undefined)[]): string {
  let out = redactUrl(text);
  for (const secret of secrets) {
    if (secret && secret.length >= 4) out = out.split(secret).join('[redacted]');
  }
  return out;
}
