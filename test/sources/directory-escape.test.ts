/**
 * A merged symlink must not make the controller read outside the policy directory, and no problem message,
 * log line or /status field may quote what a file holds (a credentials file is YAML-ish enough to be quoted).
 */
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { DirectorySource } from '../../controller/sources/directory.js';
import { PolicyWatcher } from '../../controller/runtime/policy-watcher.js';
import { loadPolicySet } from '../../controller/policy/load.js';
import { createLogger } from '../../controller/telemetry/logger.js';
import { policyYaml } from './policy-text.js';
import { runCli } from '../cli/run-cli.js';

const scratch = mkdtempSync(join(tmpdir(), 'dir-escape-'));
after(() => rmSync(scratch, { recursive: true, force: true }));
const allowed = { clusters: [], namespaces: [], accounts: [] };

test('symlinks whose real path leaves the root are refused (a link to /, to a credentials file); links inside it still work', async () => {
  const outside = join(scratch, 'outside');
  mkdirSync(outside);
  writeFileSync(
    join(outside, 'credentials'),
    '[default]\naws_secret_access_key = wJalrXUtnFEMIK7MDENGbPxRfiCYSECRETKEY1\n',
  );
  writeFileSync(join(outside, 'stolen.yaml'), policyYaml('stolen'));
  const root = join(scratch, 'policies');
  mkdirSync(join(root, 'team'), { recursive: true });
  writeFileSync(join(root, 'team', 'a.yaml'), policyYaml('a'));
  symlinkSync(join(outside, 'credentials'), join(root, 'creds.yaml'));
  symlinkSync('/', join(root, 'host-root'));
  symlinkSync(outside, join(root, 'elsewhere'));
  symlinkSync('team/a.yaml', join(root, 'alias.yml')); // inside the root: fine (ConfigMap mounts are symlinks)

  const result = await new DirectorySource(root).fetch();
  assert.deepEqual(
    result.documents.map((d) => d.path),
    ['alias.yml', 'team/a.yaml'],
  );
  assert.deepEqual(
    result.problems?.map((p) => [p.path, p.severity]),
    [
      ['creds.yaml', 'error'],
      ['elsewhere', 'error'],
      ['host-root', 'error'],
    ],
  );
  for (const problem of result.problems ?? []) assert.match(problem.message, /leaves the policy directory/);
  assert.ok(!JSON.stringify(result).includes('SECRETKEY1'));
});

test("no problem, log line or /status field quotes a file's content", async () => {
  const secrets = [
    'wJalrXUtnFEMIK7MDENGbPxRfiCYSECRET0',
    'ghp_SECRETplainScalar1',
    'ghp_SECRETkindValue2',
    'ghp_SECRETunclosed3',
    'ghp_SECRETalias4',
    'ghp_SECRETtag5',
    'ghp_SECRETdupkey6',
    'ghp_SECRETapiVersion7',
    'ghp_SECRETlist8',
  ];
  const outside = join(scratch, 'outside2');
  mkdirSync(outside);
  writeFileSync(join(outside, 'secret.txt'), `token: ${secrets[0]}\n`);
  const root = join(scratch, 'policies2');
  mkdirSync(root);
  symlinkSync(join(outside, 'secret.txt'), join(root, 'link.yaml'));
  writeFileSync(join(root, 'scalar.yaml'), `${secrets[1]}\n`);
  writeFileSync(join(root, 'kind.yaml'), `kind: ${secrets[2]}\napiVersion: ${secrets[7]}\n`);
  writeFileSync(join(root, 'unclosed.yaml'), `a: "${secrets[3]}\n`);
  writeFileSync(join(root, 'alias.yaml'), `a: *${secrets[4]}\n`);
  writeFileSync(join(root, 'tag.yaml'), `a: !${secrets[5]} x\n`);
  writeFileSync(join(root, 'dup.yaml'), `${secrets[6]}: 1\n${secrets[6]}: 2\n`);
  writeFileSync(join(root, 'list.yaml'), `- ${secrets[8]}\n`);

  const lines: string[] = [];
  const logger = createLogger({
    level: 'debug',
    destination: new Writable({
      write(chunk, _enc, done) {
        lines.push(String(chunk));
        done();
      },
    }),
  });
  const watcher = new PolicyWatcher({ source: new DirectorySource(root), allowed, logger, pollIntervalMs: 60_000 });
  const outcome = await watcher.poll();
  assert.equal(outcome.kind, 'invalid');
  const { problems } = loadPolicySet(await new DirectorySource(root).fetch(), { allowed });
  assert.ok(problems.length >= 6, 'each hostile file is still reported (by file and line)');
  const cli = await runCli(['validate', root, '--output', 'json'], {});
  const cliText = await runCli(['validate', root], {});
  assert.equal(cli.code, 1);
  const visible = [
    JSON.stringify(problems),
    JSON.stringify(watcher.status()),
    JSON.stringify(outcome),
    lines.join(''),
    cli.stdout,
    cli.stderr,
    cliText.stdout,
    cliText.stderr,
  ].join('\n');
  for (const secret of secrets)
    assert.ok(
      !visible.includes(secret),
      `${secret} leaked:\n${visible
        .split('\n')
        .filter((l) => l.includes(secret))
        .join('\n')}`,
    );
});
