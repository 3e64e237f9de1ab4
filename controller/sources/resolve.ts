import { stat } from 'node:fs/promises';
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { S3Client } from '@aws-sdk/client-s3';
import { DirectorySource } from './directory.js';
import { GitSource } from './git.js';
import { S3Source } from './s3.js';
import { parseLimits, type Limits } from '../limits/limits.js';
import type { PolicySource } from './types.js';
import { PolicySourceError } from './types.js';

export interface PolicySourceDeps {
  /** Needed for s3:// sources (the controller's configured client: region, endpoint, retries). */
  s3?: S3Client;
  /** Where git sources keep their clones; defaults to CACHE_DIR or the OS temp directory. */
  cacheDir?: string;
  env?: NodeJS.ProcessEnv;
  /** The limits in force (controller/limits); default: parsed from `env`. */
  limits?: Limits;
}

/**
 * Builds the source a `--policies` value names: a plain path or file:// URL, s3://bucket/prefix/,
 * or git+https:// / git+ssh:// / git+file:// with ?ref= and &path=.
 */
export function createPolicySource(spec: string, deps: PolicySourceDeps = {}): PolicySource {
  const env = deps.env ?? process.env;
  const maxBytes = (deps.limits ?? parseLimits(env)).maxPolicyBytes;
  if (spec.startsWith('s3://')) {
    if (!deps.s3) throw new PolicySourceError(spec, 'an S3 source needs an S3 client', 'this is a bug in the caller');
    return new S3Source(spec, { s3: deps.s3, maxObjectBytes: maxBytes });
  }
  if (spec.startsWith('git+')) {
    const cacheDir = deps.cacheDir ?? env.CACHE_DIR ?? resolve(env.TMPDIR ?? '/tmp', 'ecs-discovery-controller');
    return new GitSource(spec, { cacheDir, env, maxFileBytes: maxBytes });
  }
  if (spec.startsWith('file://')) return new DirectorySource(fileURLToPath(spec), { maxFileBytes: maxBytes });
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(spec)) {
    throw new PolicySourceError(
      spec,
      'unsupported policy source',
      'use a path, file://, s3://bucket/prefix/ or git+https://host/org/repo.git?ref=main&path=policies/',
    );
  }
  return new DirectorySource(spec, { maxFileBytes: maxBytes });
}

/** A policy path that does not exist: every command stops at start with this (exit 1), never waits for it. */
export class MissingPolicyPathError extends Error {
  constructor(readonly path: string) {
    super(`the policy path "${path}" does not exist`);
    this.name = 'MissingPolicyPathError';
  }
}

/**
 * For a local path or file:// spec, throws MissingPolicyPathError when nothing is there; remote sources are
 * checked by their first fetch. Called by validate, plan and run before anything else, so all three refuse
 * a mistyped path the same way.
 */
export async function checkPolicyPath(spec: string): Promise<void> {
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(spec) && !spec.startsWith('file://')) return;
  const path = spec.startsWith('file://') ? fileURLToPath(spec) : spec;
  try {
    await stat(path);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT' || (error as NodeJS.ErrnoException).code === 'ENOTDIR')
      throw new MissingPolicyPathError(spec);
    // Other errors (permissions) are the source's to report, with its hint.
  }
}
