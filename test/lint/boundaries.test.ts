/**
 * The import direction of docs/ARCHITECTURE.md ("Layers and boundaries") as a test, so `npm test` fails on an
 * import that goes the wrong way, or on controller code that reads the global clock. The rules live in
 * eslint.config.js; a rule set to warn would be printed by `npm run lint` but would not fail this test.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { ESLint } from 'eslint';

const root = fileURLToPath(new URL('../../', import.meta.url));

test('every file of controller/, sandbox/, bench/ and test/ passes the linter without an error', async () => {
  // Cached by content (ESLint drops the cache when the config changes): a rerun lints only the files that changed.
  const eslint = new ESLint({ cwd: root, cache: true, cacheLocation: '.cache/eslint/', cacheStrategy: 'content' });
  const results = await eslint.lintFiles(['controller', 'sandbox', 'bench', 'test']);
  const errors = results.flatMap((result) =>
    result.messages
      .filter((message) => message.severity === 2)
      .map(
        (message) =>
          `${relative(root, result.filePath)}:${message.line}: ${message.ruleId ?? 'parse error'}: ${message.message}`,
      ),
  );
  assert.ok(results.length > 100, `the linter saw only ${results.length} files`);
  assert.deepEqual(errors, [], `lint errors:\n${errors.join('\n')}`);
});

test('every folder of controller/ has a layer (a folder without one would be free to import anything)', async () => {
  const config = (await import(pathToFileURL(join(root, 'eslint.config.js')).href)) as { LAYERS: string[][] };
  const placed = new Set(config.LAYERS.flat());
  const folders = readdirSync(join(root, 'controller'), { withFileTypes: true })
    .filter((e) => e.isDirectory())
    .map((e) => e.name);
  assert.deepEqual(
    folders.filter((folder) => !placed.has(folder)),
    [],
    'add these folders to LAYERS in eslint.config.js and to docs/ARCHITECTURE.md',
  );
  assert.deepEqual(
    [...placed].filter((folder) => !folders.includes(folder)),
    [],
    'LAYERS names folders that no longer exist',
  );
});

test('an import against the flow is an error naming the boundary it breaks', async () => {
  const eslint = new ESLint({ cwd: root });
  const cases = [
    {
      filePath: 'controller/telemetry/probe.ts',
      from: '../actuator/actuator.js',
      boundary: /controller\/telemetry\/ may not import a later layer/,
    },
    { filePath: 'controller/rules/probe.ts', from: '../aws/clients.js', boundary: /controller\/rules\/ is pure/ },
    {
      filePath: 'controller/runtime/probe.ts',
      from: '../cli/io.js',
      boundary: /controller\/runtime\/ may not import a later layer/,
    },
    { filePath: 'controller/plan/probe.ts', from: '../../sandbox/index.js', boundary: /only the sandbox command/ },
    {
      filePath: 'sandbox/probe.ts',
      from: '../controller/cli/io.js',
      boundary: /sandbox\/ emulates AWS and knows nothing of controller/,
    },
    {
      filePath: 'controller/policy/probe.ts',
      from: '../rules/dns-ttl.js',
      boundary: /may import only controller\/rules\/index.ts of rules\/, no rule module/,
    },
  ];
  for (const { filePath, from, boundary } of cases) {
    const [result] = await eslint.lintText(`import * as probe from '${from}';\nexport { probe };\n`, { filePath });
    const errors = result.messages.filter((message) => message.severity === 2);
    assert.equal(errors.length, 1, `${filePath} importing ${from}: ${JSON.stringify(result.messages)}`);
    assert.equal(errors[0].ruleId, 'import-x/no-restricted-paths');
    assert.match(errors[0].message, boundary);
  }

  const [allowed] = await eslint.lintText(`import * as probe from '../../../sandbox/index.js';\nexport { probe };\n`, {
    filePath: 'controller/cli/commands/sandbox-probe.ts',
  });
  assert.deepEqual(allowed.messages, [], 'the sandbox command may import sandbox/');
  const [registry] = await eslint.lintText(`import * as probe from '../rules/index.js';\nexport { probe };\n`, {
    filePath: 'controller/policy/probe.ts',
  });
  assert.deepEqual(registry.messages, [], 'policy/ may import the rule registry');
});

test('controller code outside util/clock.ts reads no global clock and starts no global timer', async () => {
  const eslint = new ESLint({ cwd: root });
  const code =
    'export const a = Date.now();\nexport const b = new Date();\nsetTimeout(() => undefined, 1);\nexport const c = performance.now();\n';
  const [offender] = await eslint.lintText(code, { filePath: 'controller/runtime/probe.ts' });
  assert.deepEqual(
    offender.messages.map((m) => `${m.line}:${m.ruleId}`),
    ['1:no-restricted-syntax', '2:no-restricted-syntax', '3:no-restricted-syntax', '4:no-restricted-syntax'],
  );
  const [clock] = await eslint.lintText(code, { filePath: 'controller/util/clock.ts' });
  assert.deepEqual(clock.messages, [], 'the clock module is where time is read');
});
