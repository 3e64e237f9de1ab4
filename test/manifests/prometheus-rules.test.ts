import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { parse } from 'yaml';

const ALERTS = 'manifests/prometheus/alerts.yaml';
const ALERT_TESTS = 'manifests/prometheus/tests/alerts.test.yaml';

/** Runs promtool; CI installs it (Debian's prometheus package), so its absence is a failure, not a skip. */
function promtool(...args: string[]): { status: number | null; output: string } {
  const result = spawnSync('promtool', args, { encoding: 'utf8' });
  if (result.error) {
    throw new Error(
      `promtool could not run (${result.error.message}); install it with: apt-get install -y --no-install-recommends prometheus`,
    );
  }
  return { status: result.status, output: `${result.stdout}${result.stderr}` };
}

test('the alert rules pass promtool check rules', () => {
  const { status, output } = promtool('check', 'rules', ALERTS);
  assert.equal(status, 0, output);
});

test('the alert rules pass their promtool unit tests', () => {
  const { status, output } = promtool('test', 'rules', ALERT_TESTS);
  assert.equal(status, 0, output);
});

test('every alert has a severity, a summary, a description and a runbook, and is unit-tested', () => {
  const rules = parse(readFileSync(ALERTS, 'utf8')).groups.flatMap((g: { rules: unknown[] }) => g.rules) as {
    alert: string;
    labels?: Record<string, string>;
    annotations?: Record<string, string>;
  }[];
  const tested = readFileSync(ALERT_TESTS, 'utf8');
  assert.ok(rules.length >= 6);
  for (const rule of rules) {
    assert.match(rule.labels?.severity ?? '', /^(warning|critical)$/, `${rule.alert} severity`);
    for (const key of ['summary', 'description', 'runbook'])
      assert.ok(rule.annotations?.[key], `${rule.alert} lacks ${key}`);
    assert.ok(tested.includes(`alertname: ${rule.alert}`), `${rule.alert} has no promtool test`);
  }
});
