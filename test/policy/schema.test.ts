import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { describe, it } from 'node:test';
import { promisify } from 'node:util';
import { Ajv } from 'ajv';
import { parse, parseAllDocuments } from 'yaml';
import { CRD_PATH, JSON_SCHEMA_PATH, renderJsonSchema } from '../../crds/generate.js';
import { RULE_NAMES } from '../../controller/rules/index.js';
import { DURATION_REGEX_SOURCE } from '../../controller/util/duration.js';

const root = resolve(dirname(CRD_PATH), '..');
const crdText = readFileSync(CRD_PATH, 'utf8');
const crd = parse(crdText);
const openApi = crd.spec.versions[0].schema.openAPIV3Schema;
const jsonSchema = JSON.parse(readFileSync(JSON_SCHEMA_PATH, 'utf8'));

type Node = Record<string, any>;

/** Every schema node with its dotted path. */
function* walk(node: Node, path = ''): Generator<[string, Node]> {
  yield [path, node];
  for (const [name, child] of Object.entries(node.properties ?? {}))
    yield* walk(child as Node, path ? `${path}.${name}` : name);
  if (node.items) yield* walk(node.items, `${path}[]`);
  if (node.additionalProperties && typeof node.additionalProperties === 'object')
    yield* walk(node.additionalProperties, `${path}.*`);
}

describe('DiscoveryPolicy CRD', () => {
  it('is an apiextensions.k8s.io/v1 CRD for ecs-discovery.io/v1alpha1 DiscoveryPolicy', () => {
    assert.equal(crd.apiVersion, 'apiextensions.k8s.io/v1');
    assert.equal(crd.kind, 'CustomResourceDefinition');
    assert.equal(crd.metadata.name, `${crd.spec.names.plural}.${crd.spec.group}`);
    assert.equal(crd.spec.group, 'ecs-discovery.io');
    assert.equal(crd.spec.names.kind, 'DiscoveryPolicy');
    assert.deepEqual(
      crd.spec.versions.map((v: Node) => [v.name, v.served, v.storage]),
      [['v1alpha1', true, true]],
    );
  });

  it('describes every field and gives every field a type (a structural schema)', () => {
    for (const [path, node] of walk(openApi)) {
      if (!path.endsWith('[]') && !path.endsWith('.*'))
        assert.ok(node.description, `${path || 'root'} has no description`);
      assert.ok(node.type, `${path || 'root'} has no type`);
      // Kubernetes rejects additionalProperties next to properties in a structural schema.
      assert.ok(
        !(node.properties && 'additionalProperties' in node),
        `${path} mixes properties and additionalProperties`,
      );
    }
  });

  it('uses the duration pattern shared with controller/util/duration.ts for every duration field', () => {
    const durationFields = [...walk(openApi)].filter(
      ([, node]) => typeof node.pattern === 'string' && node.pattern.includes('ms|s|m|h'),
    );
    assert.deepEqual([...new Set(durationFields.map(([path]) => path.split('.').at(-1)))].sort(), [
      'cooldown',
      'drainMargin',
      'duration',
      'gracePeriod',
      'max',
      'set',
      'staleAfter',
    ]);
    // dnsTtl.max is a duration or "auto" (the drain bound).
    const orAuto = `^(auto|${DURATION_REGEX_SOURCE.slice(1, -1)})$`;
    for (const [path, node] of durationFields)
      assert.equal(node.pattern, path.endsWith('dnsTtl.max') ? orAuto : DURATION_REGEX_SOURCE, path);
  });

  it('lists exactly the rules the TypeScript types know', () => {
    assert.deepEqual(Object.keys(openApi.properties.spec.properties.rules.properties), [...RULE_NAMES]);
  });
});

describe('generated JSON schema', () => {
  it('is up to date with the CRD (run "npm run schema" after editing crds/discoverypolicy.yaml)', () => {
    assert.equal(readFileSync(JSON_SCHEMA_PATH, 'utf8'), renderJsonSchema(crdText));
  });

  it('would be flagged as drifted after any change to the CRD', () => {
    const edited = crdText.replace('default: 15m', 'default: 20m');
    assert.notEqual(edited, crdText);
    assert.notEqual(renderJsonSchema(edited), readFileSync(JSON_SCHEMA_PATH, 'utf8'));
  });

  it('is checked by "crds/generate.ts --check" (exit 0 when current)', async () => {
    const { stdout, stderr } = await promisify(execFile)(
      join(root, 'node_modules/.bin/tsx'),
      [join(root, 'crds/generate.ts'), '--check'],
      { cwd: root },
    );
    assert.equal(stdout + stderr, '');
  });

  it('rejects unknown fields everywhere a plain JSON Schema tool looks', () => {
    for (const [path, node] of walk(jsonSchema)) {
      if (node.type === 'object' && node.properties) assert.equal(node.additionalProperties, false, path || 'root');
    }
    assert.equal(jsonSchema.$schema, 'http://json-schema.org/draft-07/schema#');
    assert.equal(jsonSchema.properties.apiVersion.const, 'ecs-discovery.io/v1alpha1');
    assert.equal(jsonSchema.properties.kind.const, 'DiscoveryPolicy');
  });

  it('accepts every example policy on its own, as an editor or CI tool using only the JSON schema would', () => {
    const validate = new Ajv({ allErrors: true, strict: true, logger: false }).compile(jsonSchema);
    const examples = join(root, 'manifests/examples');
    const files = readdirSync(examples).filter((f) => f.endsWith('.yaml'));
    assert.ok(files.length >= 6);
    for (const file of files) {
      const text = readFileSync(join(examples, file), 'utf8');
      assert.match(text, /^# yaml-language-server: \$schema=\.\.\/\.\.\/crds\/discoverypolicy\.schema\.json$/m, file);
      for (const doc of parseAllDocuments(text) as unknown as { toJS(): unknown }[]) {
        assert.ok(validate(doc.toJS()), `${file}: ${JSON.stringify(validate.errors)}`);
      }
    }
    const invalid = { ...parse(readFileSync(join(examples, files[0]), 'utf8')), extra: true };
    assert.equal(validate(invalid), false);
  });
});
