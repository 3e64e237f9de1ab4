/**
 * The Route 53 side of namespaceSoa (issue #15). The Cloud Map API permissions reference
 * (https://docs.aws.amazon.com/cloud-map/latest/dg/cloud-map-api-permissions-ref.html) lists, for
 * UpdatePrivateDnsNamespace and UpdatePublicDnsNamespace, their own action and route53:ChangeResourceRecordSets:
 * Cloud Map rewrites the SOA record of the namespace's hosted zone with the caller's permissions, and without
 * them the operation FAILs. Each of the four manifests must let that change through, and let no other record type
 * through for it.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Evaluator, loadTemplate } from './cloudformation.js';
import { blocks, MODULE_DIR, parseFolder } from './terraform.js';
import { ACTION_TYPES } from '../../controller/model/actions.js';

interface Statement {
  sid: string;
  actions: string[];
  resources: string[];
  /** ForAllValues:StringEquals conditions: key -> the values each request value must be one of. */
  forAll: Record<string, string[]>;
  /** Any other condition operator the statement uses (an evaluator that ignored it would allow too much). */
  otherConditions: string[];
}

/** The Allow statements of one Terraform policy document, in a common form. */
async function terraform(dir: string, document: string): Promise<Statement[]> {
  const [body] = blocks(await parseFolder(dir), 'data').aws_iam_policy_document[document];
  return (body.statement as any[])
    .filter((s) => (s.effect ?? 'Allow') === 'Allow')
    .map((s) => {
      const conditions: any[] = [s.condition ?? []].flat();
      return {
        sid: s.sid ?? '',
        actions: [s.actions].flat(),
        resources: [s.resources ?? []].flat().map((r: string) => r.replace('${local.partition}', 'aws')),
        forAll: Object.fromEntries(
          conditions.filter((c) => c.test === 'ForAllValues:StringEquals').map((c) => [c.variable, c.values]),
        ),
        otherConditions: conditions.filter((c) => c.test !== 'ForAllValues:StringEquals').map((c) => c.test),
      };
    });
}

/** The Allow statements of one CloudFormation role's inline policies, in a common form. */
function cloudFormation(path: string, role: string, parameters: Record<string, unknown>): Statement[] {
  const resources = new Evaluator(loadTemplate(path), parameters).resources();
  return resources[role].Properties.Policies.flatMap((p: any) => p.PolicyDocument.Statement)
    .filter((s: any) => s.Effect === 'Allow')
    .map((s: any) => {
      const condition: Record<string, Record<string, string[]>> = s.Condition ?? {};
      return {
        sid: s.Sid ?? '',
        actions: [s.Action].flat(),
        resources: [s.Resource].flat(),
        forAll: condition['ForAllValues:StringEquals'] ?? {},
        otherConditions: Object.keys(condition).filter((op) => op !== 'ForAllValues:StringEquals'),
      };
    });
}

const HOSTED_ZONE = 'arn:aws:route53:::hostedzone/Z0123456789ABCDEFGHIJ';

/** Does some statement allow ChangeResourceRecordSets on a namespace's hosted zone for a change of these record types? */
function allowsRecordChange(statements: Statement[], recordTypes: string[]): boolean {
  return statements.some(
    (s) =>
      s.actions.includes('route53:ChangeResourceRecordSets') &&
      s.resources.some((r) => new RegExp(`^${r.split('*').map(escape).join('.*')}$`).test(HOSTED_ZONE)) &&
      s.otherConditions.length === 0 &&
      recordTypes.every((t) => (s.forAll['route53:ChangeResourceRecordSetsRecordTypes'] ?? [t]).includes(t)),
  );
}

function escape(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

const MANIFESTS: [string, () => Promise<Statement[]>][] = [
  ['Terraform task role', () => terraform(MODULE_DIR, 'task')],
  ['Terraform member-account role', () => terraform(`${MODULE_DIR}/member-account`, 'controller')],
  [
    'CloudFormation task role',
    async () =>
      cloudFormation('manifests/cloudformation/ecs-discovery-controller.yaml', 'TaskRole', {
        ClusterArn: 'arn:aws:ecs:eu-west-1:111122223333:cluster/platform',
        SubnetIds: ['s'],
        SecurityGroupIds: ['g'],
        Image: 'i',
        Policies: 's3://p/',
        AllowedClusters: ['prod-*'],
        AllowedNamespaces: 'internal.example.com',
      }),
  ],
  [
    'CloudFormation member-account role',
    async () =>
      cloudFormation('manifests/cloudformation/member-account.yaml', 'ControllerRole', {
        ControllerAccountId: '111122223333',
        ControllerRegion: 'eu-west-1',
        ControllerTaskRoleArn: 'arn:aws:iam::111122223333:role/c',
        AllowedClusters: ['prod-*'],
      }),
  ],
];

test('the SOA update names the Route 53 action the Cloud Map API permissions reference lists for it', () => {
  assert.deepEqual(
    ACTION_TYPES['cloudmap:UpdateNamespaceSoa'].iam.filter((a) => a.startsWith('route53:')),
    ['route53:ChangeResourceRecordSets'],
  );
});

for (const [manifest, statements] of MANIFESTS) {
  test(`${manifest}: Cloud Map may rewrite a namespace's SOA record, and only the record types it manages`, async () => {
    const allowed = await statements();
    assert.ok(allowsRecordChange(allowed, ['SOA']), 'the SOA change behind Update{Private,Public}DnsNamespace');
    for (const type of ['A', 'AAAA', 'CNAME', 'SRV'])
      assert.ok(allowsRecordChange(allowed, [type]), `${type}, behind DeregisterInstance and UpdateService`);
    // Nothing here writes name servers, mail or text records: a stolen role could not redirect the zone.
    for (const type of ['NS', 'MX', 'TXT', 'CAA']) assert.ok(!allowsRecordChange(allowed, [type]), type);
    // A batch is allowed only when every record type in it is: SOA rides with no other type.
    assert.ok(!allowsRecordChange(allowed, ['SOA', 'NS']));
  });
}
