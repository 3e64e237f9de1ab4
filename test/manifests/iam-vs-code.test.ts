import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { Evaluator, loadTemplate } from './cloudformation.js';
import { MODULE_DIR, parseFolder, policyStatements } from './terraform.js';

/** Code the operator runs by hand (install-events) or only against the sandbox (the demo), never in the controller task. */
const NOT_IN_TASK = ['controller/install/', 'controller/cli/commands/install-events.ts', 'controller/demo/'];
/**
 * Permissions no SDK command names: the ADOT sidecar's remote write, and tag reads, which DescribeServices
 * with include: [TAGS] performs (kept so a tag-selected policy never sees services without their tags).
 */
const NOT_FROM_CODE = new Set(['aps:RemoteWrite', 'ecs:ListTagsForResource']);

const CLIENT_PACKAGES: Record<string, string> = {
  'client-ecs': 'ecs', 'client-servicediscovery': 'servicediscovery', 'client-sqs': 'sqs', 'client-s3': 's3', 'client-sts': 'sts', 'client-eventbridge': 'events',
  'client-application-auto-scaling': 'application-autoscaling',
};

/** IAM action a call needs, where it differs from "<service>:<Operation>"; null when no permission is needed. */
const IAM_ACTION: Record<string, string | null> = {
  'sqs:DeleteMessageBatch': 'sqs:DeleteMessage',
  'sqs:ChangeMessageVisibilityBatch': 'sqs:ChangeMessageVisibility',
  's3:ListObjectsV2': 's3:ListBucket',
  's3:HeadObject': 's3:GetObject',
  'sts:GetCallerIdentity': null,
};

function sourceFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return sourceFiles(path);
    return path.endsWith('.ts') && !path.endsWith('.test.ts') ? [path] : [];
  });
}

/** Every AWS operation the controller task's code sends: SDK commands and paginators, by the client package they come from. */
function operationsInCode(): Map<string, string[]> {
  const found = new Map<string, string[]>();
  for (const file of sourceFiles('controller').filter((f) => !NOT_IN_TASK.some((p) => f.startsWith(p)))) {
    const text = readFileSync(file, 'utf8');
    for (const [, names, pkg] of text.matchAll(/import\s*(?:type\s*)?\{([^}]*)\}\s*from\s*'@aws-sdk\/(client-[a-z0-9-]+)'/g)) {
      const service = CLIENT_PACKAGES[pkg];
      for (const raw of names.split(',')) {
        const name = raw.trim().replace(/^type\s+/, '').split(/\s+as\s+/)[0];
        const operation = /^([A-Z][A-Za-z0-9]+)Command$/.exec(name)?.[1] ?? /^paginate([A-Z][A-Za-z0-9]+)$/.exec(name)?.[1];
        // Only names the file really uses (type-only imports of a command do not send anything).
        if (!operation || !new RegExp(`(new\\s+${name}\\(|${name}\\()`).test(text)) continue;
        const key = `${service}:${operation}`;
        found.set(key, [...(found.get(key) ?? []), file]);
      }
    }
  }
  return found;
}

function requiredActions(): Set<string> {
  const out = new Set<string>();
  for (const call of operationsInCode().keys()) {
    const action = call in IAM_ACTION ? IAM_ACTION[call] : call;
    if (action) out.add(action);
  }
  return out;
}

async function terraformAllows(): Promise<Set<string>> {
  const statements = policyStatements(await parseFolder(MODULE_DIR)).filter((s) => s.effect === 'Allow' && s.document !== 'assume_ecs_tasks' && s.document !== 'event_queue' && s.document !== 'execution_secrets');
  return new Set(statements.flatMap((s) => s.actions));
}

function cloudFormationAllows(): Set<string> {
  const resources = new Evaluator(loadTemplate('manifests/cloudformation/ecs-discovery-controller.yaml'), {
    ClusterArn: 'arn:aws:ecs:eu-west-1:111122223333:cluster/platform', SubnetIds: ['s'], SecurityGroupIds: ['g'], Image: 'i', Policies: 's3://p/',
    AllowedClusters: ['prod-*'], AllowedNamespaces: 'internal.example.com', PolicyBucketName: 'p', AssumeRoleArns: ['arn:aws:iam::444455556666:role/x'], EnableAdotSidecar: 'true', AmpWorkspaceArn: 'arn:aws:aps:eu-west-1:111122223333:workspace/ws-1',
  }).resources();
  const statements = resources.TaskRole.Properties.Policies.flatMap((p: any) => p.PolicyDocument.Statement).filter((s: any) => s.Effect === 'Allow');
  return new Set(statements.flatMap((s: any) => [s.Action].flat()));
}

test('the code sends AWS calls (the scan finds them)', () => {
  const calls = operationsInCode();
  for (const expected of ['ecs:DescribeServices', 'ecs:UpdateService', 'servicediscovery:ListInstances', 'servicediscovery:DeregisterInstance', 'sqs:ReceiveMessage']) {
    assert.ok(calls.has(expected), `${expected} not found in the code`);
  }
});

for (const [manifest, granted] of [['Terraform', terraformAllows], ['CloudFormation', async () => cloudFormationAllows()]] as const) {
  test(`${manifest}: every AWS call the controller makes is granted, and nothing else`, async () => {
    const allowed = await granted();
    const required = requiredActions();
    const calls = operationsInCode();
    const missing = [...required].filter((a) => !allowed.has(a));
    assert.deepEqual(missing, [], `not granted in ${manifest} (used in ${missing.map((m) => calls.get(m)?.join(', ')).join('; ')})`);
    const unused = [...allowed].filter((a) => !required.has(a) && !NOT_FROM_CODE.has(a));
    assert.deepEqual(unused, [], `granted in ${manifest} but no code calls it`);
  });
}
