/**
 * What a newcomer meets at start-up: one clear line on an unsupported Node.js, --version, the bin script
 * never running a stale dist/ silently, a mistyped policy path, an empty policy set, and `run --once`.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { execFile, execFileSync } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { startSandbox, type Sandbox } from '../../sandbox/index.js';
import { FLEET, policyYaml } from '../e2e/run-harness.js';
import { runCli } from './run-cli.js';

const ROOT = resolve(import.meta.dirname, '../..');
const scratch = mkdtempSync(join(tmpdir(), 'startup-'));
after(() => rmSync(scratch, { recursive: true, force: true }));

/** Every `node` on PATH (and the usual system ones) older than 22, e.g. Debian's /usr/bin/node v20. */
function oldNodes(): string[] {
  const candidates = new Set<string>(['/usr/bin/node', '/usr/local/bin/node']);
  try {
    for (const path of execFileSync('which', ['-a', 'node'], { encoding: 'utf8' }).split('\n'))
      if (path) candidates.add(path);
  } catch {
    /* which finds none */
  }
  return [...candidates].filter((node) => {
    try {
      return (
        Number(execFileSync(node, ['-p', 'process.versions.node.split(".")[0]'], { encoding: 'utf8' }).trim()) < 22
      );
    } catch {
      return false;
    }
  });
}

function exec(
  file: string,
  args: string[],
  options: { cwd?: string; env?: NodeJS.ProcessEnv } = {},
): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((done) => {
    execFile(
      file,
      args,
      { cwd: options.cwd ?? ROOT, env: options.env ?? process.env, timeout: 60_000 },
      (error, stdout, stderr) =>
        done({ code: error ? Number((error as { code?: number }).code ?? 1) : 0, stdout, stderr }),
    );
  });
}

/** pino lines of a command's stderr at warn level or above. */
function warnings(stderr: string): string[] {
  return stderr.split('\n').filter((l) => /"level":"(warn|error|fatal)"/.test(l) || /^warning:/.test(l));
}

describe('the published CLI', () => {
  const old = oldNodes();
  it(
    'fails with one clear line on a Node.js older than 22 (engines says >=22)',
    { skip: old.length === 0 && 'no Node.js older than 22 on this machine' },
    async () => {
      assert.equal(JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')).engines.node, '>=22');
      for (const node of old) {
        for (const args of [
          ['validate', 'manifests/examples'],
          ['plan', '--policies', 'manifests/examples'],
          ['--version'],
        ]) {
          const result = await exec(node, ['bin/ecs-discovery-controller.js', ...args]);
          assert.equal(result.code, 1, node);
          assert.equal(result.stdout, '');
          assert.match(
            result.stderr,
            /^error: ecs-discovery-controller needs Node\.js 22 or newer; this is Node\.js 2\d\.\d+\.\d+ \(.+\)\n$/,
            result.stderr,
          );
        }
      }
    },
  );

  it('--version prints the package version and, in a checkout, the git commit', async () => {
    const { version } = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { version: string };
    const commit = execFileSync('git', ['rev-parse', '--short=12', 'HEAD'], { cwd: ROOT, encoding: 'utf8' }).trim();
    const result = await runCli(['--version']);
    assert.equal(result.code, 0, result.stderr);
    assert.match(
      result.stdout,
      new RegExp(`^ecs-discovery-controller ${version.replace(/\./g, '\\.')} \\(git ${commit}(, modified)?\\)\\n$`),
    );
    assert.equal(result.stderr, '');
  });

  it('runs dist/ only when it is at least as new as the sources, and says so when it must run a stale one', async () => {
    const pkg = join(scratch, 'pkg');
    mkdirSync(join(pkg, 'dist/controller/cli'), { recursive: true });
    mkdirSync(join(pkg, 'controller/cli'), { recursive: true });
    cpSync(join(ROOT, 'bin'), join(pkg, 'bin'), { recursive: true });
    writeFileSync(join(pkg, 'package.json'), '{ "name": "ecs-discovery-controller", "type": "module" }\n');
    writeFileSync(join(pkg, 'dist/controller/cli/main.js'), 'process.stdout.write("dist\\n");\n');
    writeFileSync(
      join(pkg, 'controller/cli/main.ts'),
      'const from: string = "sources";\nprocess.stdout.write(`${from}\\n`);\n',
    );
    const node = process.execPath;
    const at = (path: string, seconds: number) => utimesSync(join(pkg, path), seconds, seconds);

    at('controller/cli/main.ts', 1_000);
    at('dist/controller/cli/main.js', 2_000);
    symlinkSync(join(ROOT, 'node_modules'), join(pkg, 'node_modules'));
    assert.deepEqual(
      await exec(node, ['bin/ecs-discovery-controller.js'], { cwd: pkg }),
      { code: 0, stdout: 'dist\n', stderr: '' },
      'a current build runs',
    );

    at('controller/cli/main.ts', 3_000);
    assert.deepEqual(
      await exec(node, ['bin/ecs-discovery-controller.js'], { cwd: pkg }),
      { code: 0, stdout: 'sources\n', stderr: '' },
      'edited sources run through tsx',
    );

    rmSync(join(pkg, 'node_modules'));
    const stale = await exec(node, ['bin/ecs-discovery-controller.js'], { cwd: pkg });
    assert.equal(stale.stdout, 'dist\n');
    assert.match(
      stale.stderr,
      /^note: running .*dist\/controller\/cli\/main\.js, built before the latest change under .*controller\/ .*run 'npm run build'\n$/,
    );

    rmSync(join(pkg, 'controller'), { recursive: true });
    assert.deepEqual(
      await exec(node, ['bin/ecs-discovery-controller.js'], { cwd: pkg }),
      { code: 0, stdout: 'dist\n', stderr: '' },
      'the published package has no sources',
    );
  });
});

describe('start-up of run, plan and validate', () => {
  let sandbox: Sandbox;
  let env: Record<string, string>;
  let policies: string;
  let empty: string;

  before(async () => {
    sandbox = await startSandbox({ port: 0, scenario: FLEET });
    env = { ...sandbox.env(), AWS_EC2_METADATA_DISABLED: 'true' };
    policies = join(scratch, 'policies');
    mkdirSync(policies);
    writeFileSync(join(policies, 'fleet.yaml'), policyYaml('enforce'));
    empty = join(scratch, 'empty');
    mkdirSync(empty);
  });
  after(() => sandbox.close());

  it('a policy path that does not exist stops validate, plan and run at start with the same message (exit 1)', async () => {
    const missing = join(scratch, 'no-such-dir');
    const results = await Promise.all([
      runCli(['validate', missing], env),
      runCli(['plan', '--policies', missing], env),
      runCli(['run', '--policies', missing, '--metrics-addr', '127.0.0.1:0', '--allow-all-namespaces'], env),
    ]);
    for (const [command, result] of ['validate', 'plan', 'run'].map((c, i) => [c, results[i]] as const)) {
      assert.equal(result.code, 1, `${command}: ${result.stderr}`);
      assert.equal(result.stderr, `error: ${command} failed: the policy path "${missing}" does not exist\n`);
    }
  });

  it('an empty policy set is a warning with exit 0 for plan and run, and an error that says why for validate', async () => {
    const plan = await runCli(['plan', '--policies', empty], env);
    assert.equal(plan.code, 0, plan.stderr);
    assert.match(plan.stderr, new RegExp(`warning: no policies found at dir:${empty}\\n`));
    const run = await runCli(
      ['run', '--once', '--policies', empty, '--metrics-addr', '127.0.0.1:0', '--allow-all-namespaces'],
      env,
    );
    assert.equal(run.code, 0, run.stderr);
    assert.deepEqual(
      warnings(run.stderr).map((l) => JSON.parse(l).msg),
      [`no policies found at dir:${empty}; nothing to reconcile`],
    );
    const validate = await runCli(['validate', empty], env);
    assert.equal(validate.code, 1);
    assert.match(
      validate.stdout,
      /no policy files found \(\*\.yaml or \*\.yml\); validate fails on an empty set so CI notices a wrong path \(plan and run only warn\)/,
    );
    assert.match(validate.stdout, /\n1 error: no policy files\n$/);
    // YAML that holds no DiscoveryPolicy (a compose file) is the same empty set for all three.
    const other = join(scratch, 'not-policies');
    mkdirSync(other);
    writeFileSync(join(other, 'compose.yaml'), 'services:\n  web:\n    image: nginx\n');
    const planOther = await runCli(['plan', '--policies', other], env);
    assert.equal(planOther.code, 0, planOther.stderr);
    assert.match(planOther.stderr, new RegExp(`warning: no policies found at dir:${other}\\n`));
    const validateOther = await runCli(['validate', other], env);
    assert.equal(validateOther.code, 1, validateOther.stdout);
    assert.match(validateOther.stdout, /no DiscoveryPolicy documents in these files; validate fails on an empty set/);
  });

  it('a successful run --once ends without a warning and prints the drift verdict', async () => {
    const run = await runCli(
      ['run', '--once', '--dry-run', '--policies', policies, '--metrics-addr', '127.0.0.1:0', '--allow-all-namespaces'],
      env,
    );
    assert.equal(run.code, 0, run.stderr);
    assert.deepEqual(warnings(run.stderr), []);
    assert.match(
      run.stdout,
      /^reconciled revision sha256:[0-9a-f]+: \d+ finding\(s\), 0 action\(s\) executed, 0 failed, \d+ blocked; .*accepted \(.*dry-run.*\)\n$/,
    );
  });
});
