/**
 * Differential tests against a second emulator, moto (maintained outside this project). One scenario builder, through
 * the real SDK, builds the same fleet on moto_server and on the sandbox; `plan --output json` must report the same
 * findings on both, and `run --once` in enforce mode must leave both fleets in the same state with the same AWS calls.
 * What moto does not model (the ECS scheduler, Service Connect) is asserted by name below, not passed over.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startSandbox, type Sandbox } from '../../sandbox/index.js';
import { runCli, awsEnv } from '../cli/run-cli.js';
import { requirePython } from './tools.js';
import { motoNetwork, startCountingProxy, startMoto, type CountingProxy, type Moto } from './moto/backends.js';
import { listedServiceNames, serviceConnectOfNewDeployment, tasksAroundCreateService } from './moto/ecs-differences.js';
import {
  buildScenario,
  DELETED_SERVICES,
  NAMESPACE,
  POLICY,
  PUBLIC_NAMESPACE,
  SOA_TTLS,
  STOP_TIMEOUT_SECONDS,
} from './moto/scenario.js';
import { normalise, readFleet } from './moto/compare.js';
import { PUBLIC_SOA_POLICY, servicesListedIn, soaUpdates } from './moto/namespace-soa.js';

const REGION = 'us-east-1';
/**
 * The calls, sorted, with CloudTrail's LookupEvents pages counted once: the two backends keep different event
 * histories (the sandbox records the registrations its ECS model makes; moto records API calls of its own), and
 * the controller walks whatever history there is for ownership evidence.
 */
function withoutHistory(calls: readonly string[]): string[] {
  const lookups = calls.filter((c) => c.endsWith(':LookupEvents'));
  return [...calls.filter((c) => !c.endsWith(':LookupEvents')), ...lookups.slice(0, 1)].sort();
}

const WRITES =
  /:(UpdateService|DeleteService|DeregisterInstance|RegisterInstance|CreateService|RunTask|StopTask|Update(Private|Public)DnsNamespace)$/;
/** The namespaces' SOA TTLs, by name. */
const soaTtls = (fleet: { namespaces: Record<string, { soaTtl?: number }> }) =>
  Object.fromEntries(Object.entries(fleet.namespaces).map(([name, ns]) => [name, ns.soaTtl]));

describe('moto differential', () => {
  let moto: Moto;
  let sandbox: Sandbox;
  const proxies: Record<'sandbox' | 'moto', CountingProxy> = {} as never;
  let policies: string;
  let publicSoaPolicies: string;

  before(async () => {
    requirePython('moto');
    moto = await startMoto();
    sandbox = await startSandbox({ port: 0 });
    proxies.moto = await startCountingProxy(moto.url);
    proxies.sandbox = await startCountingProxy(sandbox.url);
    await buildScenario({ name: 'moto', endpoint: moto.url, region: REGION, network: await motoNetwork(moto.url) });
    await buildScenario({
      name: 'sandbox',
      endpoint: sandbox.url,
      region: REGION,
      network: { subnet: 'subnet-0123456789abcdef0', securityGroup: 'sg-0123456789abcdef0' },
      settle: () => sandbox.advance(60_000),
    });
    policies = mkdtempSync(join(tmpdir(), 'moto-differential-'));
    writeFileSync(join(policies, 'differential.yaml'), POLICY);
    publicSoaPolicies = mkdtempSync(join(tmpdir(), 'moto-differential-soa-'));
    writeFileSync(join(publicSoaPolicies, 'public-soa.yaml'), PUBLIC_SOA_POLICY);
  });
  after(async () => {
    await proxies.moto?.close();
    await proxies.sandbox?.close();
    await sandbox?.close();
    await moto?.close();
    for (const dir of [policies, publicSoaPolicies]) if (dir) rmSync(dir, { recursive: true, force: true });
  });

  /** Runs the CLI against one backend through its counting proxy; returns its result and the calls it made. */
  async function cli(backend: 'sandbox' | 'moto', args: string[], policyDir = policies) {
    const proxy = proxies[backend];
    const from = proxy.calls.length;
    const result = await runCli([...args, '--policies', policyDir], {
      ...awsEnv(proxy.url, REGION),
      LOG_LEVEL: 'warn',
    });
    return { ...result, calls: proxy.calls.slice(from) };
  }

  it('builds the same fleet on both (namespaces and SOA TTLs, Cloud Map services and instances, ECS services, TTLs)', async () => {
    const [onMoto, onSandbox] = await Promise.all([readFleet(moto.url, REGION), readFleet(sandbox.url, REGION)]);
    assert.deepEqual(onMoto.namespaces, onSandbox.namespaces);
    assert.deepEqual(soaTtls(onSandbox), SOA_TTLS, 'both namespaces keep the SOA TTL they were created with');
    assert.deepEqual(onMoto.cloudMap, onSandbox.cloudMap);
    assert.deepEqual(onMoto.ecs, onSandbox.ecs);
  });

  it('plan --output json gives the same findings and actions on both', async () => {
    const [onMoto, onSandbox] = await Promise.all([
      cli('moto', ['plan', '--output', 'json']),
      cli('sandbox', ['plan', '--output', 'json']),
    ]);
    assert.equal(onMoto.code, 2, `moto plan: ${onMoto.stderr}`);
    assert.equal(onSandbox.code, 2, `sandbox plan: ${onSandbox.stderr}`);
    const [motoFleet, sandboxFleet] = await Promise.all([readFleet(moto.url, REGION), readFleet(sandbox.url, REGION)]);
    const motoPlan = normalise(JSON.parse(onMoto.stdout), motoFleet.names) as Record<string, unknown>;
    const sandboxPlan = normalise(JSON.parse(onSandbox.stdout), sandboxFleet.names) as Record<string, unknown>;
    assert.deepEqual(motoPlan.readErrors, [], 'moto: no read errors');
    assert.deepEqual(sandboxPlan.readErrors, []);
    // Within a phase the plan orders by resource id, and ids are random on each backend: compare as sets, and
    // the phases (orphan clean-up, TTL updates, redeploys) as a sequence.
    assert.deepEqual(sortedByJson(motoPlan.findings), sortedByJson(sandboxPlan.findings));
    // namespaceSoa: the private namespace's negative caching is above max (the public one is not targeted here).
    const soaFindings = (sandboxPlan.findings as { rule: string; namespace: string; action?: { ttl: number } }[])
      .filter((f) => f.rule === 'namespaceSoa')
      .map((f) => [f.namespace, f.action?.ttl]);
    assert.deepEqual(soaFindings, [[NAMESPACE, 15]]);
    // dnsTtl's drain bound (drainBound: enforce), from the task definition each backend returns: app:1's stopTimeout
    // minus drainMargin (5 s) caps the TTLs of the Cloud Map services that live ECS services register into.
    const drain = (
      sandboxPlan.findings as {
        rule: string;
        resource: { name: string };
        desired: string;
        action?: { records: unknown };
      }[]
    )
      .filter((f) => f.rule === 'dnsTtl' && f.desired.includes('drain bound'))
      .map((f) => [f.resource.name, f.desired, f.action?.records])
      .sort();
    const bound = STOP_TIMEOUT_SECONDS - 5;
    const desired = `ttl <= ${bound}s (drain bound: app:1 container app stopTimeout ${STOP_TIMEOUT_SECONDS}s - drainMargin 5s; set to ${bound}s)`;
    assert.deepEqual(
      drain,
      ['api', 'ledger', 'web'].map((name) => [name, desired, [{ type: 'A', ttl: bound }]]),
    );
    const actions = (plan: Record<string, unknown>) =>
      (plan.actions as { order: number; action: { type: string } }[]).map(({ order: _, ...rest }) => rest);
    assert.deepEqual(sortedByJson(actions(motoPlan)), sortedByJson(actions(sandboxPlan)));
    // Orphan clean-up before TTL updates before redeploys; inside the clean-up the order follows the (random) ids.
    const phase = (plan: Record<string, unknown>) =>
      actions(plan).map((a) =>
        a.action.type.startsWith('cloudmap:Dere') || a.action.type === 'cloudmap:DeleteService'
          ? 'orphans'
          : a.action.type,
      );
    assert.deepEqual(phase(motoPlan), phase(sandboxPlan));
    assert.deepEqual(motoPlan.totals, sandboxPlan.totals);
    assert.deepEqual(withoutHistory(onMoto.calls), withoutHistory(onSandbox.calls), 'the same reads on both');
  });

  it('run --once in enforce mode makes the same write calls and leaves both fleets in the same state', async () => {
    const onMoto = await cli('moto', [
      'run',
      '--once',
      '--allowed-namespaces',
      `${NAMESPACE},${PUBLIC_NAMESPACE}`,
      '--metrics-addr',
      '127.0.0.1:0',
    ]);
    const onSandbox = await cli('sandbox', [
      'run',
      '--once',
      '--allowed-namespaces',
      `${NAMESPACE},${PUBLIC_NAMESPACE}`,
      '--metrics-addr',
      '127.0.0.1:0',
    ]);
    assert.equal(onMoto.code, 0, `moto run: ${onMoto.stderr}`);
    assert.equal(onSandbox.code, 0, `sandbox run: ${onSandbox.stderr}`);
    const writes = (calls: string[]) => calls.filter((c) => WRITES.test(c)).sort();
    assert.deepEqual(writes(onMoto.calls), writes(onSandbox.calls));
    assert.ok(writes(onSandbox.calls).length >= 3, `the run fixed something: ${writes(onSandbox.calls).join(', ')}`);
    assert.ok(writes(onMoto.calls).includes('servicediscovery:UpdatePrivateDnsNamespace'));
    // Every other call too, except GetOperation: moto's Cloud Map operations are SUCCESS at once, AWS's (and the
    // sandbox's) go SUBMITTED -> PENDING -> SUCCESS, so the actuator polls them more (sandbox README).
    const others = (calls: string[]) => withoutHistory(calls).filter((c) => c !== 'servicediscovery:GetOperation');
    assert.deepEqual(others(onMoto.calls), others(onSandbox.calls));
    const polls = (calls: string[]) => calls.filter((c) => c === 'servicediscovery:GetOperation').length;
    assert.ok(polls(onMoto.calls) <= polls(onSandbox.calls));
    const [motoFleet, sandboxFleet] = await Promise.all([readFleet(moto.url, REGION), readFleet(sandbox.url, REGION)]);
    assert.deepEqual(motoFleet.cloudMap, sandboxFleet.cloudMap);
    assert.deepEqual(motoFleet.ecs, sandboxFleet.ecs);
    assert.deepEqual(soaTtls(motoFleet), soaTtls(sandboxFleet));
    assert.deepEqual(soaTtls(sandboxFleet), { ...SOA_TTLS, [NAMESPACE]: 15 }, 'negative caching shortened');
    // What both agree on is also right: orphans gone, protected and ECS-managed services and the manual instance kept.
    // batch and reports stay: the builder registered their instances itself, not ECS, so nothing proves ECS used
    // them (no ECS registration in CloudTrail, no live ECS task seen): both backends report them ownership-unproven.
    assert.deepEqual(Object.keys(sandboxFleet.cloudMap).sort(), [
      'api',
      'batch',
      'ledger',
      'legacy',
      'manual',
      'reports',
      'sc-endpoint',
      'web',
    ]);
    assert.deepEqual(sandboxFleet.cloudMap.ledger.instances, ['<task of ledger>']);
    assert.deepEqual(sandboxFleet.cloudMap.manual.instances, ['i-0a1b2c3d4e5f60718']);
    // TTLs: the drain bound where a live ECS service registers, max elsewhere; the protected service's stays.
    assert.deepEqual(Object.fromEntries(Object.entries(sandboxFleet.cloudMap).map(([name, s]) => [name, s.ttls])), {
      web: [7],
      api: [7],
      ledger: [7],
      reports: [10],
      manual: [10],
      batch: [10],
      legacy: [60],
      'sc-endpoint': [10],
    });
    // Afterwards both plans agree again, and nothing actionable is left on either.
    const [planMoto, planSandbox] = await Promise.all([
      cli('moto', ['plan', '--output', 'json']),
      cli('sandbox', ['plan', '--output', 'json']),
    ]);
    const left = (result: { stdout: string }, names: Map<string, string>) =>
      sortedByJson((normalise(JSON.parse(result.stdout), names) as { findings: unknown[] }).findings);
    assert.deepEqual(left(planMoto, motoFleet.names), left(planSandbox, sandboxFleet.names));
    assert.deepEqual(
      (left(planSandbox, sandboxFleet.names) as { state: string }[]).filter((f) => f.state === 'actionable'),
      [],
    );
  });

  it("namespaceSoa shortens a public namespace's SOA TTL on both with UpdatePublicDnsNamespace", async () => {
    // The plan test holds the rule's findings to each other on the private namespace; this is the public write path.
    const run = (backend: 'moto' | 'sandbox') =>
      cli(
        backend,
        ['run', '--once', '--allowed-namespaces', PUBLIC_NAMESPACE, '--metrics-addr', '127.0.0.1:0'],
        publicSoaPolicies,
      );
    const [onMoto, onSandbox] = await Promise.all([run('moto'), run('sandbox')]);
    assert.equal(onMoto.code, 0, `moto run: ${onMoto.stderr}`);
    assert.equal(onSandbox.code, 0, `sandbox run: ${onSandbox.stderr}`);
    const writes = (calls: string[]) => calls.filter((c) => WRITES.test(c));
    assert.deepEqual(writes(onMoto.calls), ['servicediscovery:UpdatePublicDnsNamespace']);
    assert.deepEqual(writes(onSandbox.calls), writes(onMoto.calls));
    // Reads differ: on the sandbox the ECS services' registries lie outside the namespace's listing, so the
    // controller gets them (GetService); moto's unfiltered ListServices had listed them already.
    const [motoFleet, sandboxFleet] = await Promise.all([readFleet(moto.url, REGION), readFleet(sandbox.url, REGION)]);
    assert.deepEqual(soaTtls(motoFleet), soaTtls(sandboxFleet));
    assert.equal(soaTtls(sandboxFleet)[PUBLIC_NAMESPACE], 15);
  });

  it("moto lists every service for a NAMESPACE_ID filter; AWS and the sandbox list the namespace's own", async () => {
    // ListServices Filters (API reference): NAMESPACE_ID "returns services in the namespace". The public namespace has none.
    assert.ok(
      (await servicesListedIn(moto.url, REGION, PUBLIC_NAMESPACE)) > 0,
      'if moto filters ListServices now, target both namespaces in the differential policy and drop PUBLIC_SOA_POLICY',
    );
    assert.equal(await servicesListedIn(sandbox.url, REGION, PUBLIC_NAMESPACE), 0);
  });

  it('moto takes an SOA TTL outside RecordTTL (0 to 2147483647) and loses HostedZoneId on an SOA change; AWS and the sandbox do neither', async () => {
    const onMoto = await soaUpdates(moto.url, REGION, 'judge.example.org');
    const onSandbox = await soaUpdates(sandbox.url, REGION, 'judge.example.org', () => sandbox.advance(60_000));
    // botocore's servicediscovery model: SOAChange.TTL is a RecordTTL, long, min 0, max 2147483647.
    assert.equal(onSandbox.aboveRangeError, 'InvalidInput');
    assert.equal(
      onMoto.aboveRangeError,
      undefined,
      'if moto checks the range now, drop this row from sandbox/README.md',
    );
    // DnsProperties.HostedZoneId: "the Route 53 hosted zone that Cloud Map creates when you create a namespace".
    assert.deepEqual([onSandbox.soaTtl, onSandbox.hostedZoneId], [20, onSandbox.hostedZoneIdBefore]);
    assert.ok(onSandbox.hostedZoneId);
    assert.equal(onMoto.soaTtl, 20);
    assert.ok(onMoto.hostedZoneIdBefore);
    assert.equal(
      onMoto.hostedZoneId,
      undefined,
      'if moto keeps HostedZoneId now, drop this row from sandbox/README.md',
    );
  });

  it('moto lists INACTIVE services in ECS ListServices; AWS and the sandbox list neither DRAINING nor INACTIVE ones', async () => {
    // AWS DeleteService: "the service is no longer visible in the console or in the ListServices API operation".
    assert.ok(
      (await listedServiceNames(moto.url, REGION)).includes(DELETED_SERVICES[0]),
      'if moto hides INACTIVE services now, remove this note from sandbox/README.md',
    );
    assert.ok(!(await listedServiceNames(sandbox.url, REGION)).includes(DELETED_SERVICES[0]));
  });

  it('moto does not model the ECS scheduler: CreateService starts no task there (the builder runs them with RunTask)', async () => {
    const { before, after } = await tasksAroundCreateService(moto.url, REGION);
    assert.deepEqual(after, before, 'if moto starts tasks now, drop the RunTask step from the scenario builder');
  });

  it('moto does not model Service Connect: serviceConnectRefresh is compared against the sandbox only (test/e2e)', async () => {
    // AWS answers with the deployment's serviceConnectConfiguration and creates the endpoint's Cloud Map service.
    assert.equal(
      await serviceConnectOfNewDeployment(moto.url, REGION),
      undefined,
      'if moto models Service Connect now, add serviceConnectRefresh to the differential policy',
    );
  });
});

/** A list sorted by each element's JSON text, for comparing lists whose order follows random ids. */
function sortedByJson(list: unknown): unknown[] {
  return [...(list as unknown[])].sort((a, b) => JSON.stringify(a).localeCompare(JSON.stringify(b)));
}
