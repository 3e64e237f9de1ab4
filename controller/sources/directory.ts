import { createHash } from 'node:crypto';
import type { Dirent, Stats } from 'node:fs';
import { readdir, readFile, realpath, stat } from 'node:fs/promises';
import { basename, join, resolve } from 'node:path';
import type { FetchResult, PolicySource, SourceDocument, SourceProblem } from './types.js';
import { PolicySourceError } from './types.js';
import { decodePolicyText, isPolicyFileName } from './text.js';
import { DEFAULT_LIMITS } from '../limits/limits.js';

interface WalkState {
  documents: SourceDocument[];
  problems: SourceProblem[];
  /** Real paths of every directory read so far: a second visit is a loop or a duplicate through a symlink. */
  visited: Set<string>;
  /** Real path of the root: nothing whose real path is outside it is read (a symlink to /, to a credentials file). */
  realRoot: string;
  signal?: AbortSignal;
}

/**
 * Policies from a local directory (read recursively, `*.yaml` / `*.yml`, hidden entries skipped) or a single file.
 * A file that cannot be read is reported as an error problem, never dropped silently: a missing policy
 * would otherwise look like a deleted one.
 */
export class DirectorySource implements PolicySource {
  readonly name: string;
  private readonly root: string;
  private readonly maxFileBytes: number;

  constructor(root: string, options: { maxFileBytes?: number } = {}) {
    this.root = resolve(root);
    this.name = `dir:${this.root}`;
    this.maxFileBytes = options.maxFileBytes ?? DEFAULT_LIMITS.maxPolicyBytes;
  }

  /** Reads every policy file under the root; throws PolicySourceError only when the root itself is unusable. */
  async fetch(signal?: AbortSignal): Promise<FetchResult> {
    let rootStats: Stats;
    try {
      rootStats = await stat(this.root);
    } catch (error) {
      throw new PolicySourceError(
        this.name,
        `cannot read the policy path: ${describeFsError(error)}`,
        'check that the path exists and the controller may read it',
        { cause: error },
      );
    }
    const realRoot = await realpath(this.root).catch(() => this.root);
    const state: WalkState = { documents: [], problems: [], visited: new Set(), realRoot, signal };
    if (rootStats.isDirectory()) {
      const real = realRoot;
      state.visited.add(real);
      await this.walk(this.root, '', real, state);
    } else {
      // A single file given explicitly is read whatever its extension: the user named it.
      await this.readPolicyFile(this.root, basename(this.root), rootStats, state);
    }
    signal?.throwIfAborted();
    state.documents.sort((a, b) => compare(a.path, b.path));
    state.problems.sort((a, b) => compare(a.path, b.path));
    return {
      revision: digest(state.documents, state.problems),
      documents: state.documents,
      warnings: state.problems.filter((p) => p.severity === 'warning').map((p) => `${p.path}: ${p.message}`),
      problems: state.problems,
    };
  }

  private async walk(absolute: string, relative: string, realDir: string, state: WalkState): Promise<void> {
    state.signal?.throwIfAborted();
    let entries: Dirent[];
    try {
      entries = await readdir(absolute, { withFileTypes: true });
    } catch (error) {
      // Policies may live in it: treat like an unreadable file so the last good set stays in force.
      state.problems.push({
        path: relative || '.',
        message: `cannot read directory: ${describeFsError(error)}`,
        severity: 'error',
      });
      return;
    }
    entries.sort((a, b) => compare(a.name, b.name));
    for (const entry of entries) {
      // Hidden entries (.git, .github) hold tooling, not policies.
      if (entry.name.startsWith('.')) continue;
      const childAbsolute = join(absolute, entry.name);
      const childRelative = relative ? `${relative}/${entry.name}` : entry.name;
      let stats: Stats;
      try {
        stats = await stat(childAbsolute);
      } catch (error) {
        if (isPolicyFileName(entry.name)) {
          const what = entry.isSymbolicLink() ? 'broken symbolic link' : 'cannot read file';
          state.problems.push({
            path: childRelative,
            message: `${what}: ${describeFsError(error)}`,
            severity: 'error',
          });
        } else if (entry.isSymbolicLink()) {
          // It may have pointed at a directory of policies: say so, without blocking on an unrelated link.
          state.problems.push({
            path: childRelative,
            message: `broken symbolic link skipped: ${describeFsError(error)}`,
            severity: 'warning',
          });
        }
        continue;
      }
      const real = await realpath(childAbsolute).catch(() => childAbsolute);
      if (!isSameOrAncestor(state.realRoot, real)) {
        // Whoever merges a symlink must not make the controller read (and quote) files outside the policy directory.
        if (stats.isDirectory() || isPolicyFileName(entry.name)) {
          state.problems.push({
            path: childRelative,
            message:
              'refused: a symbolic link whose real path leaves the policy directory; only files inside it are read',
            severity: 'error',
          });
        }
        continue;
      }
      if (stats.isDirectory()) {
        if (state.visited.has(real)) {
          const message = isSameOrAncestor(real, realDir)
            ? `symbolic link loop: points back to ${real}; not followed`
            : `directory ${real} was already read through another path; not read twice`;
          state.problems.push({ path: childRelative, message, severity: 'warning' });
          continue;
        }
        state.visited.add(real);
        await this.walk(childAbsolute, childRelative, real, state);
      } else if (isPolicyFileName(entry.name)) {
        await this.readPolicyFile(childAbsolute, childRelative, stats, state);
      }
    }
  }

  private async readPolicyFile(absolute: string, relative: string, stats: Stats, state: WalkState): Promise<void> {
    if (!stats.isFile()) {
      state.problems.push({
        path: relative,
        message: `cannot read: not a regular file (${fileKind(stats)})`,
        severity: 'error',
      });
      return;
    }
    if (stats.size > this.maxFileBytes) {
      state.problems.push({
        path: relative,
        message: `file is ${stats.size} bytes, over the ${this.maxFileBytes}-byte limit; split it into smaller files`,
        severity: 'error',
      });
      return;
    }
    let bytes: Buffer;
    try {
      bytes = await readFile(absolute, { signal: state.signal });
    } catch (error) {
      state.signal?.throwIfAborted();
      state.problems.push({
        path: relative,
        message: `cannot read file: ${describeFsError(error)}`,
        severity: 'error',
      });
      return;
    }
    // The size may have changed since stat (a file being written): check what was actually read.
    if (bytes.length > this.maxFileBytes) {
      state.problems.push({
        path: relative,
        message: `file is over the ${this.maxFileBytes}-byte limit; split it into smaller files`,
        severity: 'error',
      });
      return;
    }
    const content = decodePolicyText(bytes);
    if (content === undefined) {
      state.problems.push({
        path: relative,
        message: 'not a text file: content is not valid UTF-8 (binary file?)',
        severity: 'error',
      });
      return;
    }
    state.documents.push({ path: relative, content });
  }
}

/** True when `real` is `currentReal` or one of its ancestors (a loop when following it; inside the root when real is the root). */
function isSameOrAncestor(real: string, currentReal: string): boolean {
  return currentReal === real || currentReal.startsWith(real.endsWith('/') ? real : `${real}/`);
}

function fileKind(stats: Stats): string {
  if (stats.isFIFO()) return 'a named pipe';
  if (stats.isSocket()) return 'a socket';
  if (stats.isCharacterDevice() || stats.isBlockDevice()) return 'a device';
  return 'not a file';
}

function describeFsError(error: unknown): string {
  const code = (error as NodeJS.ErrnoException)?.code;
  switch (code) {
    case 'ENOENT':
      return 'no such file or directory (ENOENT)';
    case 'EACCES':
    case 'EPERM':
      return `permission denied (${code})`;
    case 'ELOOP':
      return 'too many levels of symbolic links (ELOOP)';
    case 'EISDIR':
      return 'is a directory (EISDIR)';
    default:
      return error instanceof Error ? error.message : String(error);
  }
}

function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** sha256 over every (path, content) pair and every error, so a fix to an unreadable file changes the revision. */
function digest(documents: readonly SourceDocument[], problems: readonly SourceProblem[]): string {
  const hash = createHash('sha256');
  for (const doc of documents) hash.update(`${doc.path}\0${doc.content}\0`);
  for (const problem of problems)
    if (problem.severity === 'error') hash.update(`!${problem.path}\0${problem.message}\0`);
  return `sha256:${hash.digest('hex')}`;
}
