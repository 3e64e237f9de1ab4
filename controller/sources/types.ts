/** A policy document as fetched, before parsing. */
export interface SourceDocument {
  /** Path relative to the source root (object key below the prefix, path in the repository). */
  path: string;
  content: string;
}

export interface FetchResult {
  /** Identifies the content: commit SHA, sha256 of the (key, ETag) index, or of a directory's files. */
  revision: string;
  documents: readonly SourceDocument[];
  /** Non-fatal notes (e.g. a skipped non-YAML file), to log as warnings. */
  warnings: readonly string[];
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
