import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { parseRunConfig } from '../../controller/cli/run-config.js';
import { configTableMarkdown, runUsage, RUN_SETTINGS } from '../../controller/cli/run-settings.js';
import { UsageError } from '../../controller/cli/io.js';

describe('run configuration', () => {
  it('uses the documented defaults when only the policy source (and the namespace bound) is given', () => {
    const config = parseRunConfig(['--policies', './policies', '--allow-all-namespaces'], {});
    assert.equal(config.policies, './policies');
    assert.equal(config.resync, '*/10 * * * *');
    assert.equal(config.metricsAddr, ':9464');
    assert.equal(config.dryRun, false);
    assert.equal(config.once, false);
    assert.equal(config.pollIntervalMs, 60_000);
    assert.equal(config.debounceMs, 200);
    assert.equal(config.shutdownTimeoutMs, 25_000);
    assert.equal(config.minRetryDelayMs, 1_000);
    assert.equal(config.maxRetryDelayMs, 300_000);
    assert.equal(config.workers, 2);
    assert.equal(config.queueUrl, undefined);
    assert.deepEqual(config.allowed, { clusters: [], namespaces: [], accounts: [] });
    assert.equal(config.allowAllNamespaces, true);
  });

  it('read concurrency and pacing: defaults, flags, variables, and bad values naming the setting', () => {
    const defaults = parseRunConfig(['--policies', 'p', '--dry-run'], {});
    assert.equal(defaults.readConcurrency, 8);
    assert.deepEqual(defaults.pacing.ecs, { rate: 18, burst: 40 });
    const set = parseRunConfig(['--policies', 'p', '--dry-run', '--read-concurrency', '3', '--ecs-rate', '5'], {
      ECS_RATE: '9',
      CLOUDMAP_BURST: '9',
      AUTOSCALING_RATE: '0',
    });
    assert.equal(set.readConcurrency, 3);
    assert.deepEqual(set.pacing.ecs, { rate: 5, burst: 40 });
    assert.equal(set.pacing.servicediscovery.burst, 9);
    assert.equal(set.pacing['application-autoscaling'].rate, 0);
    assert.throws(
      () => parseRunConfig(['--policies', 'p', '--dry-run', '--read-concurrency', '0'], {}),
      (e: unknown) => e instanceof UsageError && /--read-concurrency \/ READ_CONCURRENCY/.test(e.message),
    );
    assert.throws(
      () => parseRunConfig(['--policies', 'p', '--dry-run'], { ECS_BURST: '2.5' }),
      (e: unknown) => e instanceof UsageError && /--ecs-burst \/ ECS_BURST: "2.5"/.test(e.message),
    );
  });

  it('refuses to write without a namespace bound: --allowed-namespaces, or --allow-all-namespaces given explicitly', () => {
    assert.throws(
      () => parseRunConfig(['--policies', 'p'], {}),
      (error: unknown) =>
        error instanceof UsageError &&
        /--allowed-namespaces \(or ALLOWED_NAMESPACES\) is required to run in enforce mode: Cloud Map writes are bounded by namespace/.test(
          error.message,
        ),
    );
    assert.throws(
      () => parseRunConfig(['--policies', 'p', '--allow-all-namespaces', '--allowed-namespaces', 'a.local'], {}),
      /contradict each other/,
    );
    assert.deepEqual(parseRunConfig(['--policies', 'p'], { ALLOWED_NAMESPACES: 'a.local' }).allowed.namespaces, [
      'a.local',
    ]);
    assert.equal(parseRunConfig(['--policies', 'p'], { ALLOW_ALL_NAMESPACES: 'true' }).allowAllNamespaces, true);
    assert.equal(
      parseRunConfig(['--policies', 'p', '--dry-run'], {}).dryRun,
      true,
      'a dry run writes nothing, so it needs no bound',
    );
  });

  it('reads every setting from the environment', () => {
    const config = parseRunConfig([], {
      POLICIES: 's3://bucket/policies/',
      QUEUE_URL: 'https://sqs.eu-west-1.amazonaws.com/1/q',
      RESYNC: '0 * * * *',
      METRICS_ADDR: '127.0.0.1:9000',
      DRY_RUN: 'true',
      ALLOWED_CLUSTERS: 'prod-*, staging',
      ALLOWED_NAMESPACES: 'internal.example.com',
      ALLOWED_ACCOUNTS: '111122223333',
      POLL_INTERVAL: '30s',
      LOG_LEVEL: 'DEBUG',
      AWS_REGION: 'eu-west-1',
      SHUTDOWN_TIMEOUT: '10s',
    });
    assert.equal(config.queueUrl, 'https://sqs.eu-west-1.amazonaws.com/1/q');
    assert.equal(config.resync, '0 * * * *');
    assert.equal(config.dryRun, true);
    assert.deepEqual(config.allowed, {
      clusters: ['prod-*', 'staging'],
      namespaces: ['internal.example.com'],
      accounts: ['111122223333'],
    });
    assert.equal(config.pollIntervalMs, 30_000);
    assert.equal(config.logLevel, 'debug');
    assert.equal(config.region, 'eu-west-1');
    assert.equal(config.shutdownTimeoutMs, 10_000);
  });

  it('lets flags win over the environment and accepts repeated list flags', () => {
    const config = parseRunConfig(
      ['--policies', 'a', '--allowed-clusters', 'x,y', '--allowed-clusters', 'z', '--dry-run', '--once'],
      { POLICIES: 'b', ALLOWED_CLUSTERS: 'ignored', DRY_RUN: 'false' },
    );
    assert.equal(config.policies, 'a');
    assert.deepEqual(config.allowed.clusters, ['x', 'y', 'z']);
    assert.equal(config.dryRun, true);
    assert.equal(config.once, true);
  });

  it('rejects mistakes with a message naming the flag and the variable', () => {
    const cases: [string[], NodeJS.ProcessEnv, RegExp][] = [
      [[], {}, /--policies \(or POLICIES\) is required/],
      [['--policies', 'p', '--resync', 'every ten minutes'], {}, /invalid --resync cron expression/],
      [['--policies', 'p'], { POLL_INTERVAL: 'soon' }, /--poll-interval \/ POLL_INTERVAL: "soon" is not a duration/],
      [['--policies', 'p'], { DRY_RUN: 'maybe' }, /DRY_RUN="maybe" is not a boolean/],
      [['--policies', 'p', '--log-level', 'loud'], {}, /LOG_LEVEL/],
      [['--policies', 'p', '--workers', '0'], {}, /WORKERS must be an integer/],
      [['--policies', 'p', '--unknown-flag'], {}, /unknown-flag/],
      [['--policies', 'p', '--min-retry-delay', '10m'], {}, /must not exceed --max-retry-delay/],
    ];
    for (const [argv, env, message] of cases) {
      assert.throws(
        () => parseRunConfig(argv, env),
        (error: unknown) => error instanceof UsageError && message.test(error.message),
        String(argv),
      );
    }
  });

  it('documents every setting in --help and in the README table', () => {
    const usage = runUsage();
    const table = configTableMarkdown();
    for (const setting of RUN_SETTINGS) {
      assert.ok(usage.includes(`--${setting.flag}`), setting.flag);
      assert.ok(table.includes(`\`--${setting.flag}\``), setting.flag);
      if (setting.env) assert.ok(table.includes(`\`${setting.env}\``), setting.env);
    }
    const readme = readFileSync('README.md', 'utf8');
    for (const row of table.split('\n'))
      assert.ok(readme.includes(row), `README.md lacks the configuration row: ${row}`);
  });
});
