/** A policy document as fetched, before parsing. */
export interface SourceDocument {
  /** Path relative to the source root (object key below the prefix, path in the repository). */
  path: string;
  content: string;
}

/** A file-level problem found while fetching (unreadable, oversize, skipped), located by path. */
export interface SourceProblem {
  /** Path relative to the source root, like SourceDocument.path. */
  path: string;
  message: string;
  /** error: a policy may be missing, so the set must not be used (the last good set stays); warning: nothing lost. */
  severity: 'error' | 'warning';
}

export interface FetchResult {
  /** Identifies the content: commit SHA, sha256 of the (key, ETag) index, or of a directory's files. */
  revision: string;
  documents: readonly SourceDocument[];
  /** Non-fatal notes (e.g. a skipped non-YAML file), to log as warnings. */
  warnings: readonly string[];
  /**
   * Optional per-file problems; loadPolicySet turns them into PolicyProblems (an error here makes the set invalid).
   * Sources that fill it also keep `warnings` for older consumers; `warnings` alone is never turned into problems.
   */
  problems?: readonly SourceProblem[];
}

/** Where policies come from: a directory, an S3 prefix or a git repository. */
export interface PolicySource {
  /** Metric label value and log field, e.g. "dir:/policies", "s3://bucket/prefix/", "git+https://host/repo.git". Never holds credentials. */
  readonly name: string;
  /** Reads the current revision; throws a PolicySourceError when the whole fetch fails. */
  fetch(signal?: AbortSignal): Promise<FetchResult>;
  /** Releases caches, timers and connections. */
  close?(): Promise<void>;
}

/** A fetch failure with what was being done and what the user can do about it. */
export class PolicySourceError extends Error {
  constructor(
    readonly source: string,
    message: string,
    readonly hint?: string,
    options?: { cause?: unknown },
  ) {
    super(hint ? `${source}: ${message} (${hint})` : `${source}: ${message}`, options);
    this.name = 'PolicySourceError';
  }
}
