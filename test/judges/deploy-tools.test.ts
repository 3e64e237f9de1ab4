/**
 * The deploy artefacts judged by their own tools: cfn-lint on the CloudFormation template, terraform fmt and
 * validate on the module and its example (with the AWS provider from a local mirror; without one, every resource
 * type and argument is held against the provider schema excerpt checked in beside this test).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { cpSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { homedir, tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { runJudge } from './tools.js';
import { blocks, parseFolder } from '../manifests/terraform.js';

const TEMPLATE = 'manifests/cloudformation/ecs-discovery-controller.yaml';
const MODULE = 'manifests/terraform';
const SCHEMA = JSON.parse(readFileSync('test/judges/terraform-aws-schema.json', 'utf8'));
/** Where an offline provider mirror may be (`terraform init -plugin-dir`); TF_PLUGIN_DIR wins. */
const PLUGIN_DIRS = [
  process.env.TF_PLUGIN_DIR,
  '/opt/tf-plugins',
  join(homedir(), '.terraform.d/plugins'),
  '/usr/share/terraform/plugins',
];

test('cfn-lint finds no error in the CloudFormation templates (the controller and the member-account StackSet)', () => {
  const result = runJudge('cfn-lint', [
    '--format',
    'parseable',
    TEMPLATE,
    'manifests/cloudformation/member-account.yaml',
  ]);
  // cfn-lint's exit code is a bit mask: 2 errors, 4 warnings, 8 informational (1: it could not run).
  const errors = result.stdout.split('\n').filter((line) => /:E\d{4}:/.test(line));
  assert.deepEqual(errors, [], result.stdout + result.stderr);
  assert.equal(result.status! & 3, 0, `cfn-lint exit ${result.status}: ${result.stdout}${result.stderr}`);
});

test('terraform fmt -check: every Terraform folder is formatted', () => {
  const work = mkdtempSync(join(tmpdir(), 'tf-fmt-'));
  try {
    const result = runJudge('terraform', ['fmt', '-check', '-recursive', '-diff', MODULE], { env: terraformEnv(work) });
    assert.equal(result.status, 0, `terraform fmt would change:\n${result.stdout}${result.stderr}`);
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
});

test('terraform validate: every Terraform folder (module, example, member-account), with the AWS provider from the offline mirror', (t) => {
  const mirror = PLUGIN_DIRS.find((dir) => dir && existsSync(join(dir, 'registry.terraform.io/hashicorp/aws')));
  if (!mirror) {
    // Not a silent skip: the schema test below is this judge's fallback, and the output says so.
    t.diagnostic(
      `no offline hashicorp/aws provider in ${PLUGIN_DIRS.filter(Boolean).join(', ')}: terraform validate replaced by the checked-in schema test`,
    );
    return;
  }
  const work = mkdtempSync(join(tmpdir(), 'tf-judge-'));
  try {
    // A copy, so .terraform/ and the lock file never land in the repository.
    cpSync(MODULE, join(work, 'terraform'), { recursive: true, filter: (src) => !src.includes('.terraform') });
    for (const dir of terraformFolders(MODULE).map((folder) => join(work, 'terraform', relative(MODULE, folder)))) {
      const init = runJudge('terraform', ['init', '-backend=false', '-input=false', `-plugin-dir=${mirror}`], {
        cwd: dir,
        env: terraformEnv(work),
      });
      assert.equal(init.status, 0, `terraform init in ${dir}:\n${init.stdout}${init.stderr}`);
      const validate = runJudge('terraform', ['validate', '-json'], { cwd: dir, env: terraformEnv(work) });
      const report = JSON.parse(validate.stdout);
      assert.equal(report.valid, true, `terraform validate in ${dir}:\n${JSON.stringify(report.diagnostics, null, 1)}`);
      assert.deepEqual(
        report.diagnostics.filter((d: { severity: string }) => d.severity !== 'warning'),
        [],
      );
    }
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
});

test(`every Terraform resource and data type and argument used is in the AWS provider schema (${SCHEMA.source.split(':')[0]})`, async () => {
  const problems: string[] = [];
  for (const dir of terraformFolders(MODULE)) {
    const parsed = await parseFolder(dir);
    for (const kind of ['resource', 'data'] as const) {
      for (const [type, instances] of Object.entries<any>(blocks(parsed, kind))) {
        const schema = SCHEMA[kind][type];
        if (!schema) {
          problems.push(`${dir}: ${kind} type ${type} is not in the checked-in schema`);
          continue;
        }
        for (const [name, bodies] of Object.entries<any>(instances)) {
          for (const body of bodies) checkBlock(`${dir}: ${kind}.${type}.${name}`, body, schema, problems, true);
        }
      }
    }
  }
  assert.deepEqual(problems, []);
});

const META_ARGUMENTS = new Set(['count', 'for_each', 'depends_on', 'provider', 'lifecycle']);

/** Holds one parsed HCL block against its schema: unknown or computed-only arguments, unknown blocks, missing required ones. */
function checkBlock(
  where: string,
  body: Record<string, any>,
  schema: { arguments: Record<string, string>; blocks?: Record<string, any> },
  problems: string[],
  top = false,
): void {
  for (const [key, value] of Object.entries(body)) {
    if (top && META_ARGUMENTS.has(key)) continue;
    if (key === 'dynamic') {
      for (const [blockName, dynamics] of Object.entries<any>(value)) {
        const nested = schema.blocks?.[blockName];
        if (!nested) problems.push(`${where}: dynamic block ${blockName} is not in the schema`);
        else
          for (const d of [dynamics].flat())
            for (const content of d.content ?? []) checkBlock(`${where}.${blockName}`, content, nested, problems);
      }
      continue;
    }
    if (schema.blocks?.[key]) {
      for (const nested of [value].flat()) checkBlock(`${where}.${key}`, nested, schema.blocks[key], problems);
      continue;
    }
    const kind = schema.arguments[key];
    if (!kind) problems.push(`${where}: argument ${key} is not in the schema`);
    else if (kind.startsWith('computed')) problems.push(`${where}: argument ${key} is read-only`);
    else if (kind.includes('deprecated')) problems.push(`${where}: argument ${key} is deprecated`);
  }
  for (const [key, kind] of Object.entries(schema.arguments)) {
    if (kind.startsWith('required') && !(key in body)) problems.push(`${where}: required argument ${key} is missing`);
  }
}

/** Terraform without a user config file, plugin cache or checkpoint calls. */
function terraformEnv(work: string): NodeJS.ProcessEnv {
  const config = join(work, 'terraformrc');
  if (!existsSync(config)) writeFileSync(config, '');
  return { ...process.env, TF_CLI_CONFIG_FILE: config, CHECKPOINT_DISABLE: '1', TF_IN_AUTOMATION: '1' };
}

/** Every folder under root (root included) that holds .tf files: the module, its example, the member-account module. */
function terraformFolders(root: string): string[] {
  const entries = readdirSync(root, { withFileTypes: true });
  const nested = entries
    .filter((e) => e.isDirectory() && !e.name.startsWith('.'))
    .flatMap((e) => terraformFolders(join(root, e.name)));
  return entries.some((e) => e.isFile() && e.name.endsWith('.tf')) ? [root, ...nested] : nested;
}
