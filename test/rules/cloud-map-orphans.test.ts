import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { CloudMapService, EcsService, Inventory, ReadError } from '../../controller/inventory/model.js';
import { evaluate } from '../../controller/rules/cloud-map-orphans.js';
import type { Finding } from '../../controller/model/findings.js';
import {
  cluster,
  cmService,
  deployment,
  ecsInstance,
  ecsService,
  foreignInstance,
  HOUR,
  inventory,
  namespace,
  policy,
  T0,
  task,
} from './fixtures.js';

const NS = namespace('internal.local');
const SC_NS = namespace('sc.local', 'HTTP');

function summarize(findings: Finding[]): string[] {
  return findings.map((f) => `${f.action?.type ?? 'report'} ${f.key}${f.blocked ? ` [${f.blocked.reason}]` : ''}`);
}

function orphanFleet(service: CloudMapService, extra: Partial<Inventory> = {}): Inventory {
  return inventory({ namespaces: [NS, SC_NS], cloudMapServices: [service], ...extra });
}

const registryUser = (svc: CloudMapService, overrides: Partial<EcsService> = {}): EcsService =>
  ecsService('api', { serviceRegistries: [{ registryArn: svc.arn }], ...overrides });

const accessDenied = (scope: ReadError['scope']): ReadError => ({
  scope,
  operation: 'ecs:ListServices',
  code: 'AccessDeniedException',
  message: 'denied',
});

describe('cloudMapOrphans', () => {
  const old = cmService('old-api', NS, { instances: [ecsInstance('t-gone', 'prod', 'old-api')] });
  const cases: { name: string; inv: Inventory; expect: string[]; rules?: Parameters<typeof policy>[0] }[] = [
    {
      name: 'an unreferenced service with an instance of a stopped task: deregister, then delete',
      inv: orphanFleet(old, { tasks: [task('old-api', T0, { id: 't-gone', lastStatus: 'STOPPED' })] }),
      expect: [
        'cloudmap:DeleteService cloudMapOrphans/service/srv-old-api',
        'cloudmap:DeregisterInstance cloudMapOrphans/instance/srv-old-api/t-gone',
      ],
    },
    {
      name: 'an ACTIVE ECS service referencing it via serviceRegistries: not an orphan',
      inv: orphanFleet(cmService('api', NS), { services: [registryUser(cmService('api', NS))] }),
      expect: [],
    },
    {
      name: 'a DRAINING ECS service still referencing it: not an orphan',
      inv: orphanFleet(cmService('api', NS), {
        services: [registryUser(cmService('api', NS), { status: 'DRAINING' })],
      }),
      expect: [],
    },
    {
      name: 'an INACTIVE (deleted) ECS service does not keep it alive',
      inv: orphanFleet(cmService('api', NS), {
        services: [registryUser(cmService('api', NS), { status: 'INACTIVE' })],
      }),
      expect: ['cloudmap:DeleteService cloudMapOrphans/service/srv-api'],
    },
    {
      name: 'a service holding an instance registered by EC2 or by hand is never an orphan',
      inv: orphanFleet(cmService('legacy', NS, { instances: [foreignInstance('i-0abc'), ecsInstance('t-gone')] })),
      expect: ['cloudmap:DeregisterInstance cloudMapOrphans/instance/srv-legacy/t-gone'],
    },
    {
      name: 'a service created by Service Connect (named in serviceConnectResources) is reported, never pruned',
      inv: orphanFleet(cmService('orders', SC_NS), {
        services: [
          ecsService('orders', {
            status: 'INACTIVE',
            deployments: [
              deployment({
                status: 'INACTIVE',
                serviceConnectResources: [{ discoveryName: 'orders', discoveryArn: cmService('orders', SC_NS).arn }],
              }),
            ],
          }),
        ],
      }),
      expect: ['report cloudMapOrphans/service/srv-orders [service-connect-managed]'],
      rules: { target: { namespaces: ['sc.local'] } },
    },
    {
      name: 'a service tagged AmazonECSManaged=true is reported, its instances never touched',
      inv: orphanFleet(
        cmService('pay', SC_NS, { tags: { AmazonECSManaged: 'true' }, instances: [ecsInstance('t-gone')] }),
      ),
      expect: ['report cloudMapOrphans/service/srv-pay [service-connect-managed]'],
      rules: { target: { namespaces: ['sc.local'] } },
    },
    {
      name: 'a protected orphan is reported but blocked',
      inv: orphanFleet(cmService('keep', NS, { tags: { 'discovery-controller/protect': 'true' } })),
      expect: ['cloudmap:DeleteService cloudMapOrphans/service/srv-keep [protected]'],
    },
    {
      name: 'instances that were not listed: no proof, blocked',
      inv: orphanFleet(cmService('unread', NS, { instances: undefined })),
      expect: ['cloudmap:DeleteService cloudMapOrphans/service/srv-unread [scope-read-error]'],
    },
    {
      name: 'an ECS service list read error in any cluster forbids deleting (someone there may refer to it)',
      inv: orphanFleet(cmService('api', NS), { readErrors: [accessDenied({ kind: 'cluster', cluster: 'staging' })] }),
      expect: ['cloudmap:DeleteService cloudMapOrphans/service/srv-api [scope-read-error]'],
    },
    {
      name: 'a read error on the namespace forbids deleting',
      inv: orphanFleet(cmService('api', NS), { readErrors: [accessDenied({ kind: 'namespace', namespaceId: NS.id })] }),
      expect: ['cloudmap:DeleteService cloudMapOrphans/service/srv-api [scope-read-error]'],
    },
    {
      name: 'an instance in a still-used service whose task is gone is an orphan instance',
      inv: orphanFleet(cmService('api', NS, { instances: [ecsInstance('t-live'), ecsInstance('t-dead')] }), {
        services: [registryUser(cmService('api', NS))],
        tasks: [task('api', T0, { id: 't-live' })],
      }),
      expect: ['cloudmap:DeregisterInstance cloudMapOrphans/instance/srv-api/t-dead'],
    },
    {
      // If ECS ever registered instances under ids other than the task ids, every instance would look stale.
      name: 'the ECS service runs tasks but no instance id matches one: ownership unproven, nothing deregistered',
      inv: orphanFleet(cmService('api', NS, { instances: [ecsInstance('inst-1'), ecsInstance('inst-2')] }), {
        services: [registryUser(cmService('api', NS))],
        tasks: [task('api', T0, { id: 'task-a' }), task('api', T0, { id: 'task-b' })],
      }),
      expect: [
        'cloudmap:DeregisterInstance cloudMapOrphans/instance/srv-api/inst-1 [unproven-ownership]',
        'cloudmap:DeregisterInstance cloudMapOrphans/instance/srv-api/inst-2 [unproven-ownership]',
      ],
    },
    {
      // A full read describes only the instances' tasks: the running count is what says the service runs others.
      name: "the ECS service's running count says it runs tasks, none of them an instance's: ownership unproven, nothing deregistered",
      inv: orphanFleet(cmService('api', NS, { instances: [ecsInstance('inst-1')] }), {
        services: [registryUser(cmService('api', NS), { runningCount: 2 })],
        taskRechecks: { 'prod/inst-1': T0 },
      }),
      expect: ['cloudmap:DeregisterInstance cloudMapOrphans/instance/srv-api/inst-1 [unproven-ownership]'],
    },
    {
      // A full read fetches tags only for candidates; tags never read must not pass for "not protected".
      name: 'an unreferenced service whose tags were not read: deregistration and deletion blocked',
      inv: orphanFleet(
        { ...old, tagsRead: false },
        { tasks: [task('old-api', T0, { id: 't-gone', lastStatus: 'STOPPED' })] },
      ),
      expect: [
        'cloudmap:DeleteService cloudMapOrphans/service/srv-old-api [scope-read-error]',
        'cloudmap:DeregisterInstance cloudMapOrphans/instance/srv-old-api/t-gone [scope-read-error]',
      ],
    },
    {
      name: 'a stale instance of a used service whose tags were not read: blocked',
      inv: orphanFleet(cmService('api', NS, { instances: [ecsInstance('t-old')], tagsRead: false }), {
        services: [registryUser(cmService('api', NS), { desiredCount: 0, runningCount: 0 })],
        tasks: [task('api', T0, { id: 't-old', lastStatus: 'STOPPED' })],
      }),
      expect: ['cloudmap:DeregisterInstance cloudMapOrphans/instance/srv-api/t-old [scope-read-error]'],
    },
    {
      name: 'a used service scaled to zero: its leftover instances are stale',
      inv: orphanFleet(cmService('api', NS, { instances: [ecsInstance('t-old')] }), {
        services: [registryUser(cmService('api', NS), { desiredCount: 0, runningCount: 0 })],
        tasks: [task('api', T0, { id: 't-old', lastStatus: 'STOPPED' })],
      }),
      expect: ['cloudmap:DeregisterInstance cloudMapOrphans/instance/srv-api/t-old'],
    },
    {
      name: 'an instance whose cluster tasks could not be read is reported blocked, not pruned',
      inv: orphanFleet(cmService('api', NS, { instances: [ecsInstance('t-x')] }), {
        services: [registryUser(cmService('api', NS))],
        readErrors: [
          {
            scope: { kind: 'cluster', cluster: 'prod' },
            operation: 'ecs:ListTasks',
            code: 'ThrottlingException',
            message: 'slow down',
          },
        ],
      }),
      expect: ['cloudmap:DeregisterInstance cloudMapOrphans/instance/srv-api/t-x [scope-read-error]'],
    },
    {
      name: 'an instance of a cluster that was not read at all is left alone',
      inv: orphanFleet(cmService('api', NS, { instances: [ecsInstance('t-x', 'elsewhere')] }), {
        services: [registryUser(cmService('api', NS))],
      }),
      expect: [],
    },
    {
      name: 'an unreferenced service with an instance of a RUNNING task (its service is out of sight) is left alone',
      inv: orphanFleet(cmService('api', NS, { instances: [ecsInstance('t-live')] }), {
        tasks: [task('api', T0, { id: 't-live' })],
      }),
      expect: [],
    },
    {
      name: 'services toggle off: only instances are considered',
      inv: orphanFleet(old),
      expect: ['cloudmap:DeregisterInstance cloudMapOrphans/instance/srv-old-api/t-gone'],
      rules: { rules: { cloudMapOrphans: { services: false } } },
    },
    {
      name: 'instances toggle off: stale instances of used services are left, orphan services are still emptied',
      inv: orphanFleet(old, {
        cloudMapServices: [old, cmService('api', NS, { instances: [ecsInstance('t-dead')] })],
        services: [registryUser(cmService('api', NS))],
      }),
      expect: [
        'cloudmap:DeleteService cloudMapOrphans/service/srv-old-api',
        'cloudmap:DeregisterInstance cloudMapOrphans/instance/srv-old-api/t-gone',
      ],
      rules: { rules: { cloudMapOrphans: { instances: false } } },
    },
    {
      name: 'an unreferenced service with no ownership evidence is reported ownership-unproven, never deleted',
      inv: orphanFleet(cmService('ahead', NS), { ownership: {} }),
      expect: ['cloudmap:DeleteService cloudMapOrphans/service/srv-ahead [ownership-unproven]'],
    },
    {
      name: "without evidence, the policy's ownership tag proves it",
      inv: orphanFleet(cmService('tagged', NS, { tags: { 'ecs/owned': 'yes' } }), { ownership: {} }),
      expect: ['cloudmap:DeleteService cloudMapOrphans/service/srv-tagged'],
      rules: { rules: { cloudMapOrphans: { ownershipTag: { key: 'ecs/owned', value: 'yes' } } } },
    },
    {
      name: 'without evidence, emptyServices: delete declares the namespaces ECS-only',
      inv: orphanFleet(cmService('ahead', NS), { ownership: {} }),
      expect: ['cloudmap:DeleteService cloudMapOrphans/service/srv-ahead'],
      rules: { rules: { cloudMapOrphans: { emptyServices: 'delete' } } },
    },
    {
      name: 'a service another account created (shared namespace) is never deleted, whatever the evidence',
      inv: orphanFleet(cmService('theirs', NS, { createdByAccount: '999988887777' })),
      expect: ['cloudmap:DeleteService cloudMapOrphans/service/srv-theirs [other-account]'],
      rules: { rules: { cloudMapOrphans: { emptyServices: 'delete' } } },
    },
    {
      name: 'an instance another account registered is foreign, even with ECS attributes naming one of our clusters',
      inv: orphanFleet(
        cmService('shared', NS, { instances: [{ ...ecsInstance('t-gone'), createdByAccount: '999988887777' }] }),
      ),
      expect: [],
    },
    {
      name: 'a task in DEACTIVATING, STOPPING or DEPROVISIONING is still going away: ECS deregisters it',
      inv: orphanFleet(cmService('api', NS, { instances: ['t-a', 't-b', 't-c'].map((id) => ecsInstance(id)) }), {
        services: [registryUser(cmService('api', NS))],
        tasks: (['DEACTIVATING', 'STOPPING', 'DEPROVISIONING'] as const).map((lastStatus, i) =>
          task('api', T0, { id: ['t-a', 't-b', 't-c'][i], lastStatus, desiredStatus: 'STOPPED' }),
        ),
      }),
      expect: [],
    },
    {
      name: 'a task missing from the listing is stale only when described after the instance was listed',
      inv: orphanFleet(cmService('api', NS, { instances: [ecsInstance('t-new'), ecsInstance('t-live')] }), {
        services: [registryUser(cmService('api', NS))],
        tasks: [task('api', T0, { id: 't-live' })],
        taskRechecks: {},
      }),
      expect: [],
    },
    {
      name: 'namespaces the policy does not cover are not scanned',
      inv: orphanFleet(cmService('api', namespace('other.local'))),
      expect: [],
    },
  ];
  for (const c of cases) {
    it(c.name, () => {
      assert.deepEqual(summarize(evaluate(policy(c.rules), c.inv, T0 + HOUR)), c.expect);
    });
  }

  it('sets the grace period from the policy and names the instance exactly', () => {
    const findings = evaluate(
      policy({ rules: { cloudMapOrphans: { gracePeriodMs: 15 * 60_000 } } }),
      orphanFleet(old),
      T0,
    );
    assert.ok(findings.every((f) => f.gracePeriodMs === 15 * 60_000));
    assert.deepEqual(findings[1].action, {
      type: 'cloudmap:DeregisterInstance',
      serviceId: 'srv-old-api',
      instanceId: 't-gone',
      cluster: 'prod',
    });
    assert.equal(findings[1].cluster, 'prod');
  });

  it('matches the task by exact cluster name, never by prefix', () => {
    const svc = cmService('api', NS, { instances: [ecsInstance('t-1', 'prod')] });
    const inv = orphanFleet(svc, {
      clusters: [cluster('prod'), cluster('prod-2')],
      // Its one task in prod stopped (t-1 of prod-2 is another cluster's task).
      services: [registryUser(svc, { runningCount: 0 })],
      tasks: [task('api', T0, { id: 't-1', cluster: 'prod-2' })],
    });
    assert.deepEqual(summarize(evaluate(policy(), inv, T0)), [
      'cloudmap:DeregisterInstance cloudMapOrphans/instance/srv-api/t-1',
    ]);
  });
});
