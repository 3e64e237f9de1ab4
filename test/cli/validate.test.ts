import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { after, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const scratch = mkdtempSync(join(tmpdir(), 'validate-cli-'));
after(() => rmSync(scratch, { recursive: true, force: true }));

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs the real CLI as a process, the way CI of a policy repository would. */
function cli(args: string[], env: NodeJS.ProcessEnv = {}): Promise<Run> {
  const cleanEnv = { PATH: process.env.PATH, HOME: process.env.HOME, ...env };
  return new Promise((done) => {
    execFile(
      join(root, 'node_modules/.bin/node'),
      [join(root, 'bin/ecs-discovery-controller.js'), 'validate', ...args],
      { cwd: root, env: cleanEnv, timeout: 20_000 },
      (error, stdout, stderr) =>
        done({ code: error ? Number((error as { code?: number }).code ?? 1) : 0, stdout, stderr }),
    );
  });
}

const STACK_FRAME = /^\s+at .*(:\d+:\d+\)?|\(native\))$/m;
const POLICY = (name: string, clusters = '[prod-a]') =>
  `apiVersion: ecs-discovery.io/v1alpha1\nkind: DiscoveryPolicy\nmetadata:\n  name: ${name}\nspec:\n  target:\n    clusters: ${clusters}\n    namespaces: [internal.example.com]\n`;

describe('ecs-discovery-controller validate', () => {
  it('prints that every example policy is valid and exits 0', async () => {
    // multi-namespace.yaml reaches account 111122223333 through roleArn: an empty list means the own account only.
    const run = await cli(['manifests/examples', '--allowed-accounts', '111122223333']);
    const examples = readdirSync('manifests/examples').filter((f) => f.endsWith('.yaml')).length;
    assert.deepEqual(run, { code: 0, stdout: `${examples} files, ${examples} policies: all valid\n`, stderr: '' });
  });

  it('prints its usage with --help and exits 0', async () => {
    const run = await cli(['--help']);
    assert.equal(run.code, 0);
    assert.match(run.stdout, /^Usage: ecs-discovery-controller validate <path\|url>\.\.\. \[options\]/);
    for (const documented of [
      '--output text|json',
      '--allowed-clusters',
      '--allowed-namespaces',
      '--allowed-accounts',
      'ALLOWED_CLUSTERS',
      'ALLOWED_NAMESPACES',
      'ALLOWED_ACCOUNTS',
      'Exit status',
    ]) {
      assert.ok(run.stdout.includes(documented), documented);
    }
  });

  it('reports each bad input on its own line with file, line, column and field, then a summary, exit 1', async () => {
    const dir = join(scratch, 'bad');
    mkdirSync(join(dir, 'nested'), { recursive: true });
    writeFileSync(join(dir, 'good.yaml'), POLICY('good'));
    writeFileSync(
      join(dir, 'tabs.yaml'),
      'apiVersion: ecs-discovery.io/v1alpha1\nkind: DiscoveryPolicy\nmetadata:\n\tname: x\n',
    );
    writeFileSync(join(dir, 'empty.yaml'), '');
    writeFileSync(
      join(dir, 'image.yaml'),
      Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0x00, 0x00, 0xff]),
    );
    writeFileSync(
      join(dir, 'nested', 'ttl.yml'),
      `${POLICY('ttl', '[prod-b]')}  rules:\n    dnsTtl:\n      max: 10 seconds\n      sett: 5s\n`,
    );
    symlinkSync(join(dir, 'deleted.yaml'), join(dir, 'link.yaml'));
    symlinkSync('..', join(dir, 'nested', 'up'));
    const run = await cli([dir]);
    assert.equal(run.code, 1);
    assert.equal(run.stderr, '');
    assert.doesNotMatch(run.stdout, STACK_FRAME);
    const lines = run.stdout.trimEnd().split('\n');
    assert.deepEqual(lines, [
      `${dir}/empty.yaml: error: file is empty: it holds no policy; delete it or add a DiscoveryPolicy document`,
      `${dir}/image.yaml: error: not a text file: content is not valid UTF-8 (binary file?)`,
      `${dir}/link.yaml: error: broken symbolic link: no such file or directory (ENOENT)`,
      `${dir}/nested/ttl.yml:11:12: error: "10 seconds" is neither auto nor a valid duration: use auto or a Go-style duration such as 90s, 15m, 5h or 1h30m (units ms, s, m, h; no spaces, signs or decimals) (at spec.rules.dnsTtl.max)`,
      `${dir}/nested/ttl.yml:12:7: error: unknown field "sett" in spec.rules.dnsTtl; did you mean "set"? (at spec.rules.dnsTtl.sett)`,
      `${dir}/nested/up: warning: symbolic link loop: points back to ${dir}; not followed`,
      `${dir}/tabs.yaml:4:1: error: invalid YAML: tab character used for indentation; YAML allows only spaces`,
      '6 errors, 1 warning in 6 of 6 files',
    ]);
  });

  it('prints problems as a JSON array with --output json', async () => {
    const dir = join(scratch, 'json');
    mkdirSync(dir);
    writeFileSync(join(dir, 'p.yaml'), POLICY('p').replace('name: p', 'name: p\n  labelz: {}'));
    const run = await cli(['--output', 'json', dir]);
    assert.equal(run.code, 1);
    assert.deepEqual(JSON.parse(run.stdout), [
      {
        file: `${dir}/p.yaml`,
        line: 5,
        column: 3,
        path: 'metadata.labelz',
        message: 'unknown field "labelz" in metadata; did you mean "labels"?',
        severity: 'error',
      },
    ]);
  });

  it('rejects policies outside the allowed scopes given by flags, or by the environment when no flag is given', async () => {
    const fromFlag = await cli([
      'manifests/examples/dns-ttl.yaml',
      '--allowed-clusters',
      'staging-*,web',
      '--allowed-clusters',
      'batch-*',
    ]);
    assert.equal(fromFlag.code, 1);
    assert.match(
      fromFlag.stdout,
      /^manifests\/examples\/dns-ttl\.yaml:\d+:\d+: error: "api-prod-\*" reaches outside the allowed clusters \(--allowed-clusters: staging-\*, web, batch-\*\) \(at spec\.target\.clusters\[0\]\)$/m,
    );
    assert.match(fromFlag.stdout, /^1 error in 1 of 1 file$/m);

    const fromEnv = await cli(['manifests/examples/multi-namespace.yaml'], { ALLOWED_ACCOUNTS: '444455556666' });
    assert.equal(fromEnv.code, 1);
    assert.match(fromEnv.stdout, /account 111122223333 of roleArn is not an allowed account/);

    const flagWins = await cli(['manifests/examples/multi-namespace.yaml', '--allowed-accounts', '111122223333'], {
      ALLOWED_ACCOUNTS: '444455556666',
    });
    assert.deepEqual([flagWins.code, flagWins.stdout], [0, '1 file, 1 policy: all valid\n']);
  });

  it('exits 2 with a short message on usage errors', async () => {
    const cases: [string[], RegExp][] = [
      [[], /give at least one policy file or directory/],
      [['--output', 'xml', 'manifests/examples'], /--output must be text or json, not "xml"/],
      [['--verbose', 'manifests/examples'], /Unknown option '--verbose'/],
      [['manifests/examples', '--allowed-accounts', '1234'], /"1234" is not a 12-digit AWS account id/],
    ];
    for (const [args, message] of cases) {
      const run = await cli(args);
      assert.equal(run.code, 2, args.join(' '));
      assert.match(run.stderr, message);
      assert.match(run.stderr, /Run 'ecs-discovery-controller validate --help' for usage/);
      assert.doesNotMatch(run.stderr, STACK_FRAME);
    }
  });

  it('takes --policies SOURCE as plan and run do, alone or with positional sources', async () => {
    const examples = readdirSync('manifests/examples').filter((f) => f.endsWith('.yaml')).length;
    const allValid = `${examples} files, ${examples} policies: all valid\n`;
    assert.deepEqual(await cli(['--policies', 'manifests/examples', '--allowed-accounts', '111122223333']), {
      code: 0,
      stdout: allValid,
      stderr: '',
    });
    assert.deepEqual(
      await cli(['--policies', 'manifests/examples/dns-ttl.yaml', 'manifests/examples/task-limit.yaml']),
      { code: 0, stdout: '2 files, 2 policies: all valid\n', stderr: '' },
    );
    assert.deepEqual(await cli([], { POLICIES: 'manifests/examples', ALLOWED_ACCOUNTS: '111122223333' }), {
      code: 0,
      stdout: allValid,
      stderr: '',
    });
  });
});
