/**
 * `--version`: the package version, plus the git commit when the code runs from a checkout (a published
 * package or the image has no .git, and says only the version).
 */
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The directory holding this package's package.json (from controller/cli or dist/controller/cli). */
function packageRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (;;) {
    const file = join(dir, 'package.json');
    if (
      existsSync(file) &&
      (JSON.parse(readFileSync(file, 'utf8')) as { name?: string }).name === 'ecs-discovery-controller'
    )
      return dir;
    const parent = dirname(dir);
    if (parent === dir) throw new Error('cannot find the package.json of ecs-discovery-controller');
    dir = parent;
  }
}

/** "ecs-discovery-controller 0.1.0 (git 1a2b3c4, modified)" or "ecs-discovery-controller 0.1.0". */
export function versionLine(): string {
  const root = packageRoot();
  const { version } = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { version: string };
  if (!existsSync(join(root, '.git'))) return `ecs-discovery-controller ${version}`;
  try {
    const git = (...args: string[]) =>
      execFileSync('git', args, {
        cwd: root,
        encoding: 'utf8',
        stdio: ['ignore', 'pipe', 'ignore'],
        timeout: 5_000,
      }).trim();
    const commit = git('rev-parse', '--short=12', 'HEAD');
    const modified = git('status', '--porcelain', '--untracked-files=no').length > 0;
    return `ecs-discovery-controller ${version} (git ${commit}${modified ? ', modified' : ''})`;
  } catch {
    // git missing or not a repository after all: the version alone is still true.
    return `ecs-discovery-controller ${version}`;
  }
}
