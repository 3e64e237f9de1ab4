import { createHash } from 'node:crypto';
import { GetObjectCommand, ListObjectsV2Command, type S3Client, type _Object } from '@aws-sdk/client-s3';
import { awsErrorCode } from '../util/aws-error.js';
import { DEFAULT_LIMITS } from '../limits/limits.js';
import { decodePolicyText, isPolicyFileName } from './text.js';
import type { FetchResult, PolicySource, SourceDocument, SourceProblem } from './types.js';
import { PolicySourceError } from './types.js';

interface CachedObject {
  etag: string;
  document?: SourceDocument;
  problem?: SourceProblem;
}

/** Splits "s3://bucket/prefix/" into its bucket and key prefix. */
export function parseS3Url(url: string): { bucket: string; prefix: string } {
  const match = /^s3:\/\/([a-z0-9][a-z0-9.-]{1,61}[a-z0-9])(?:\/(.*))?$/.exec(url);
  if (!match) {
    throw new PolicySourceError(url, 'not an S3 URL', 'use s3://bucket/prefix/ with a valid bucket name');
  }
  return { bucket: match[1], prefix: match[2] ?? '' };
}

/**
 * Policies published to an S3 prefix (by CI, typically). Each poll lists the prefix and downloads only the
 * objects whose ETag changed; the revision is a digest of the (key, ETag) set, so it changes exactly when
 * some object does.
 */
export class S3Source implements PolicySource {
  readonly name: string;
  private readonly bucket: string;
  private readonly prefix: string;
  private readonly maxObjectBytes: number;
  private cache = new Map<string, CachedObject>();

  constructor(
    url: string,
    private readonly deps: { s3: S3Client; maxObjectBytes?: number },
  ) {
    ({ bucket: this.bucket, prefix: this.prefix } = parseS3Url(url));
    this.name = `s3://${this.bucket}/${this.prefix}`;
    this.maxObjectBytes = deps.maxObjectBytes ?? DEFAULT_LIMITS.maxPolicyBytes;
  }

  /** Lists the prefix and fetches changed objects; a failed or partial listing throws, so the last good set stays. */
  async fetch(signal?: AbortSignal): Promise<FetchResult> {
    const objects = (await this.list(signal)).filter((o) => isPolicyFileName(o.Key ?? ''));
    const next = new Map<string, CachedObject>();
    for (const object of objects) {
      const key = object.Key!;
      const etag = object.ETag ?? '';
      const cached = this.cache.get(key);
      next.set(key, cached && cached.etag === etag ? cached : await this.read(key, etag, object.Size ?? 0, signal));
    }
    this.cache = next;
    const documents = [...next.values()].flatMap((c) => (c.document ? [c.document] : []));
    const problems = [...next.values()].flatMap((c) => (c.problem ? [c.problem] : []));
    return {
      revision: digest([...next.entries()].map(([key, c]) => [key, c.etag])),
      documents,
      warnings: problems.filter((p) => p.severity === 'warning').map((p) => `${p.path}: ${p.message}`),
      problems,
    };
  }

  private relative(key: string): string {
    return key.slice(this.prefix.length).replace(/^\/+/, '');
  }

  private async list(signal?: AbortSignal): Promise<_Object[]> {
    const objects: _Object[] = [];
    let token: string | undefined;
    do {
      try {
        const page = await this.deps.s3.send(
          new ListObjectsV2Command({
            Bucket: this.bucket,
            Prefix: this.prefix || undefined,
            ContinuationToken: token,
            MaxKeys: 1000,
          }),
          { abortSignal: signal },
        );
        objects.push(...(page.Contents ?? []));
        token = page.IsTruncated ? page.NextContinuationToken : undefined;
      } catch (error) {
        signal?.throwIfAborted();
        throw this.failure('list the policy objects', error);
      }
    } while (token);
    return objects.sort((a, b) => (a.Key! < b.Key! ? -1 : a.Key! > b.Key! ? 1 : 0));
  }

  private async read(key: string, etag: string, size: number, signal?: AbortSignal): Promise<CachedObject> {
    const path = this.relative(key);
    if (size > this.maxObjectBytes) {
      return {
        etag,
        problem: {
          path,
          severity: 'error',
          message: `object is ${size} bytes, over the ${this.maxObjectBytes}-byte limit; split it into smaller files`,
        },
      };
    }
    let bytes: Uint8Array;
    try {
      const object = await this.deps.s3.send(
        new GetObjectCommand({ Bucket: this.bucket, Key: key, IfMatch: etag || undefined }),
        { abortSignal: signal },
      );
      bytes = await object.Body!.transformToByteArray();
    } catch (error) {
      signal?.throwIfAborted();
      // The object changed or vanished between list and get: the whole fetch is retried next poll.
      throw this.failure(`read ${key}`, error);
    }
    // The listing's size may be stale (the object was replaced in between): check what arrived.
    if (bytes.length > this.maxObjectBytes) {
      return {
        etag,
        problem: {
          path,
          severity: 'error',
          message: `object is over the ${this.maxObjectBytes}-byte limit; split it into smaller files`,
        },
      };
    }
    const content = decodePolicyText(bytes);
    if (content === undefined) {
      return {
        etag,
        problem: { path, severity: 'error', message: 'not a text file: content is not valid UTF-8 (binary object?)' },
      };
    }
    return { etag, document: { path, content } };
  }

  private failure(what: string, error: unknown): PolicySourceError {
    const code = awsErrorCode(error);
    const hints: Record<string, string> = {
      NoSuchBucket: `bucket ${this.bucket} does not exist in this account and region; check the URL and AWS_REGION`,
      AccessDenied: `the controller's role needs s3:ListBucket on ${this.bucket} and s3:GetObject on ${this.prefix || ''}*`,
      PreconditionFailed: 'an object changed while it was read; the next poll reads it again',
      NoSuchKey: 'an object was deleted while it was read; the next poll reads the prefix again',
    };
    const message = `cannot ${what}: ${code}${error instanceof Error && error.message && error.message !== code ? ` (${error.message})` : ''}`;
    return new PolicySourceError(
      this.name,
      message,
      hints[code] ?? 'the last good policy set stays in force; the next poll tries again',
      { cause: error },
    );
  }
}

function digest(entries: [string, string][]): string {
  const hash = createHash('sha256');
  for (const [key, etag] of entries) hash.update(`${key}\0${etag}\0`);
  return `sha256:${hash.digest('hex')}`;
}
