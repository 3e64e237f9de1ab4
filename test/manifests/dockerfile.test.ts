/**
 * The image as far as this machine can check it without a Docker engine: the Dockerfile's rules, and the
 * compiled CLI run the way the image runs it (compiled JavaScript, an unprivileged user, a read-only app dir).
 */
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFile, execFileSync } from 'node:child_process';
import {
  chmodSync,
  cpSync,
  existsSync,
  mkdtempSync,
  readFileSync,
  readdirSync,
  rmSync,
  statSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const DOCKERFILE = readFileSync('Dockerfile', 'utf8');
const stages = DOCKERFILE.split(/^FROM /m)
  .slice(1)
  .map((s) => ({ header: s.split('\n')[0], body: s }));
const runtime = stages.find((s) => /\bAS runtime\b/.test(s.header))!;
const UNPRIVILEGED = 65534;

let appDir: string | undefined;
after(() => {
  if (!appDir) return;
  execFileSync('chmod', ['-R', 'u+w', appDir]);
  rmSync(appDir, { recursive: true, force: true });
});

test('the Dockerfile is multi-stage and the runtime stage ships only compiled code and production dependencies', () => {
  assert.ok(stages.length >= 3, 'build, dependencies and runtime stages');
  assert.match(DOCKERFILE, /^ARG NODE_IMAGE=node:24-/m, 'a maintained Node.js LTS (24) base image');
  assert.match(runtime.body, /COPY --from=deps \/app\/node_modules/);
  assert.match(stages.find((s) => /\bAS deps\b/.test(s.header))!.body, /npm ci --omit=dev/);
  assert.doesNotMatch(
    runtime.body,
    /COPY --from=build \/src\/node_modules/,
    'dev dependencies never reach the runtime stage',
  );
  assert.doesNotMatch(runtime.body, /COPY (controller|test|sandbox) /, 'no TypeScript sources in the runtime stage');
  assert.match(runtime.body, /^USER node$/m);
  assert.match(runtime.body, /^VOLUME \["\/var\/cache\/ecs-discovery-controller"\]/m);
  assert.match(runtime.body, /^HEALTHCHECK .*\n\s+CMD .*\/healthz/m);
  const dockerignore = readFileSync('.dockerignore', 'utf8').split('\n');
  for (const entry of ['node_modules', '.git', 'dist', '.env'])
    assert.ok(dockerignore.includes(entry), `.dockerignore lacks ${entry}`);
});

test('the ENTRYPOINT names a file the build produces', () => {
  const entrypoint = JSON.parse(/^ENTRYPOINT (\[.*\])$/m.exec(runtime.body)![1]) as string[];
  assert.deepEqual(entrypoint.slice(-2), ['/app/dist/controller/cli/main.js', 'run']);
  const build = JSON.parse(readFileSync('tsconfig.build.json', 'utf8'));
  assert.ok(build.include.includes('controller'), 'the build compiles controller/ into dist/controller');
  assert.ok(existsSync('controller/cli/main.ts'));
});

function buildApp(): string {
  const dir = mkdtempSync(join(tmpdir(), 'image-'));
  // Compile into the temporary app directory, never into ./dist (other tests run the CLI from the checkout).
  execFileSync(
    process.execPath,
    ['node_modules/typescript/bin/tsc', '-p', 'tsconfig.build.json', '--outDir', join(dir, 'dist')],
    { stdio: 'pipe' },
  );
  cpSync('package.json', join(dir, 'package.json'));
  cpSync('crds', join(dir, 'crds'), { recursive: true });
  cpSync('bin', join(dir, 'bin'), { recursive: true });
  symlinkSync(join(process.cwd(), 'node_modules'), join(dir, 'node_modules'));
  return dir;
}

function readOnly(dir: string): void {
  for (const entry of readdirSync(dir)) {
    const path = join(dir, entry);
    if (entry === 'node_modules') continue;
    if (statSync(path).isDirectory()) readOnly(path);
    chmodSync(path, statSync(path).isDirectory() ? 0o555 : 0o444);
  }
  chmodSync(dir, 0o555);
}

function runAsUnprivileged(
  dir: string,
  args: string[],
  env: Record<string, string> = {},
): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      args,
      {
        cwd: dir,
        env: { PATH: process.env.PATH ?? '', HOME: '/nonexistent', ...env },
        ...(process.getuid?.() === 0 ? { uid: UNPRIVILEGED, gid: UNPRIVILEGED } : {}),
        timeout: 30_000,
      },
      (error, stdout, stderr) =>
        resolve({ code: error ? Number((error as { code?: number }).code ?? 1) : 0, stdout, stderr }),
    );
  });
}

test('the compiled CLI runs as an unprivileged user from a read-only directory: run --help, and validate', async () => {
  appDir = buildApp();
  // The build output is the controller only: no emulator, no demo, no sandbox command.
  assert.ok(!existsSync(join(appDir, 'dist', 'sandbox')), 'dist/ holds no sandbox');
  assert.ok(!existsSync(join(appDir, 'dist', 'controller', 'demo')), 'dist/ holds no demo');
  assert.ok(!existsSync(join(appDir, 'dist', 'controller', 'cli', 'commands', 'sandbox.js')));
  const examples = join(appDir, 'examples');
  cpSync('manifests/examples', examples, { recursive: true });
  writeFileSync(join(appDir, 'marker'), 'read-only');
  readOnly(appDir);
  const help = await runAsUnprivileged(appDir, ['dist/controller/cli/main.js', 'run', '--help']);
  assert.equal(help.code, 0, help.stderr);
  assert.match(help.stdout, /Usage: ecs-discovery-controller run/);
  const validate = await runAsUnprivileged(appDir, [
    'dist/controller/cli/main.js',
    'validate',
    'examples',
    '--allowed-accounts',
    '111122223333',
  ]);
  assert.equal(validate.code, 0, validate.stdout + validate.stderr);
  assert.match(validate.stdout, /all valid/);
  // The bin shim prefers the compiled code, so it needs no TypeScript loader in the image.
  const viaBin = await runAsUnprivileged(appDir, ['bin/ecs-discovery-controller.js', '--help']);
  assert.equal(viaBin.code, 0, viaBin.stderr);
  const sandbox = await runAsUnprivileged(appDir, ['dist/controller/cli/main.js', 'sandbox']);
  assert.notEqual(sandbox.code, 0);
  assert.match(sandbox.stderr, /not part of this build/);
  if (process.getuid?.() === 0) {
    const write = await runAsUnprivileged(appDir, ['-e', 'require("fs").writeFileSync("x", "y")']);
    assert.notEqual(write.code, 0, 'the app directory must not be writable for the unprivileged user');
  }
});
