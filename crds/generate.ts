/**
 * Generates crds/discoverypolicy.schema.json (JSON Schema draft-07, for yaml-language-server, CI and the
 * controller's validator) from the CRD in crds/discoverypolicy.yaml, the single source of truth.
 *
 *   npm run schema              rewrite the JSON schema
 *   npm run schema -- --check   exit 1 when the committed JSON schema is out of date
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { parse } from 'yaml';

const here = dirname(fileURLToPath(import.meta.url));
export const CRD_PATH = join(here, 'discoverypolicy.yaml');
export const JSON_SCHEMA_PATH = join(here, 'discoverypolicy.schema.json');

type SchemaNode = Record<string, unknown>;

/**
 * Kubernetes owns metadata, so the CRD cannot describe it; policy files outside a cluster need it spelled out.
 * name follows Kubernetes' DNS-1123 subdomain rule so the same files can be applied to a cluster.
 */
const METADATA_SCHEMA: SchemaNode = {
  type: 'object',
  description: 'Standard object metadata. name is required and must be unique among all policies the controller loads.',
  required: ['name'],
  properties: {
    name: {
      type: 'string',
      minLength: 1,
      maxLength: 253,
      pattern: '^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$',
      description:
        'Policy name: lowercase letters, digits, "-" and ".", starting and ending with a letter or digit (DNS-1123 subdomain).',
    },
    namespace: {
      type: 'string',
      maxLength: 63,
      description: 'Kubernetes namespace, when the policy is also applied to a cluster; ignored by the controller.',
    },
    labels: {
      type: 'object',
      maxProperties: 64,
      description: 'Labels copied to logs and status, e.g. team: payments.',
      additionalProperties: { type: 'string', maxLength: 63 },
    },
    annotations: {
      type: 'object',
      description: 'Free-form annotations; ignored by the controller.',
      additionalProperties: { type: 'string' },
    },
  },
  additionalProperties: false,
};

/** Turns the CRD (parsed YAML) into a standalone JSON Schema that rejects unknown fields. */
export function buildJsonSchema(crd: unknown): SchemaNode {
  const spec = (crd as { spec?: SchemaNode })?.spec;
  const group = spec?.group as string | undefined;
  const kind = (spec?.names as SchemaNode | undefined)?.kind as string | undefined;
  const version = (spec?.versions as SchemaNode[] | undefined)?.find((v) => v.storage === true);
  const root = (version?.schema as SchemaNode | undefined)?.openAPIV3Schema as SchemaNode | undefined;
  if (!group || !kind || !version || !root)
    throw new Error('CRD is missing spec.group, spec.names.kind or a storage version with schema.openAPIV3Schema');
  const schema = toJsonSchema(structuredClone(root)) as SchemaNode;
  const properties = schema.properties as SchemaNode;
  properties.apiVersion = {
    type: 'string',
    const: `${group}/${version.name as string}`,
    description: (properties.apiVersion as SchemaNode).description,
  };
  properties.kind = { type: 'string', const: kind, description: (properties.kind as SchemaNode).description };
  properties.metadata = METADATA_SCHEMA;
  return {
    $schema: 'http://json-schema.org/draft-07/schema#',
    $id: `https://${group}/schemas/${kind.toLowerCase()}-${version.name as string}.json`,
    title: kind,
    ...schema,
  };
}

/**
 * Kubernetes prunes unknown fields and forbids additionalProperties next to properties in structural schemas;
 * plain JSON Schema must say additionalProperties: false to reject them. Kubernetes-only keywords are dropped.
 */
function toJsonSchema(node: unknown): unknown {
  if (Array.isArray(node)) return node.map(toJsonSchema);
  if (node === null || typeof node !== 'object') return node;
  const out: SchemaNode = {};
  for (const [key, value] of Object.entries(node as SchemaNode)) {
    if (key.startsWith('x-kubernetes-')) continue;
    // default and enum hold data, not schemas: copy them untouched.
    out[key] = key === 'default' || key === 'enum' ? value : toJsonSchema(value);
  }
  if (out.type === 'object' && out.properties && !('additionalProperties' in out)) out.additionalProperties = false;
  return out;
}

/** The exact text of the generated JSON schema for a CRD source text. */
export function renderJsonSchema(crdText: string): string {
  return `${JSON.stringify(buildJsonSchema(parse(crdText)), null, 2)}\n`;
}

function main(argv: string[]): number {
  const expected = renderJsonSchema(readFileSync(CRD_PATH, 'utf8'));
  if (argv.includes('--check')) {
    let actual = '';
    try {
      actual = readFileSync(JSON_SCHEMA_PATH, 'utf8');
    } catch {
      // Missing counts as out of date.
    }
    if (actual === expected) return 0;
    process.stderr.write(
      `${JSON_SCHEMA_PATH} is out of date with ${CRD_PATH}: run "npm run schema" and commit the result\n`,
    );
    return 1;
  }
  writeFileSync(JSON_SCHEMA_PATH, expected);
  process.stdout.write(`wrote ${JSON_SCHEMA_PATH}\n`);
  return 0;
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  process.exitCode = main(process.argv.slice(2));
}
