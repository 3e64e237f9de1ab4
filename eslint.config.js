// ESLint flat config: the import direction of docs/ARCHITECTURE.md ("Layers and boundaries"), enforced.
// `npm test` runs it (test/lint/boundaries.test.ts); `npm run lint` runs it alone. No type-aware rules: the
// lint stays fast and typechecking is tsc's job.
import tsParser from '@typescript-eslint/parser';
import { createNodeResolver, importX } from 'eslint-plugin-import-x';

const root = import.meta.dirname;

/**
 * The folders of controller/, lowest layer first. A folder may import its own layer and the layers before it,
 * never a later one: data flows sources -> policy -> aws (reads) -> inventory -> rules/plan -> actuator (the
 * only writer) -> runtime, with cli and demo on top. inventory/ and model/ hold the plain data every reader and
 * rule shares, so they sit below the readers that fill them; telemetry/ is a leaf under everything but util/.
 */
export const LAYERS = [
  ['util'],
  ['telemetry'],
  ['limits'],
  ['sources'],
  ['policy'],
  ['inventory'],
  ['model'],
  ['aws', 'state'],
  ['events', 'install'],
  ['rules', 'plan'],
  ['actuator'],
  ['publish'],
  ['runtime'],
  ['cli', 'demo'],
];

/**
 * The only imports up the layers, each of one named entry point of rules/, never of a rule module: each rule
 * declares its schema fragment, defaults and read scope in the registry (rules/index.ts), so the policy parser
 * and the read scope loop over it (issue #14).
 */
const RULE_ENTRY_POINTS = {
  policy: ['index.ts'],
  inventory: ['index.ts'],
};

/** Rules and the plan are pure: besides the layers above, no SDK adapter, store, event source or telemetry. */
const PURE = ['rules', 'plan'];
const IMPURE = ['aws', 'state', 'events', 'install', 'telemetry'];

const dir = (folder) => `controller/${folder}`;

function layerZones() {
  const zones = [];
  LAYERS.forEach((layer, index) => {
    const later = LAYERS.slice(index + 1).flat();
    if (later.length === 0) return;
    for (const folder of layer) {
      const message = `controller/${folder}/ may not import a later layer (${later.join(', ')}): see "Layers and boundaries" in docs/ARCHITECTURE.md.`;
      const entryPoints = later.includes('rules') ? RULE_ENTRY_POINTS[folder] : undefined;
      zones.push({ target: dir(folder), from: later.filter((f) => !entryPoints || f !== 'rules').map(dir), message });
      if (entryPoints) {
        const named = entryPoints.map((file) => `controller/rules/${file}`).join(', ');
        zones.push({
          target: dir(folder),
          from: dir('rules'),
          except: entryPoints.map((file) => `./${file}`),
          message: `controller/${folder}/ may import only ${named} of rules/, no rule module (docs/ARCHITECTURE.md).`,
        });
      }
    }
  });
  for (const folder of PURE) {
    zones.push({
      target: dir(folder),
      from: IMPURE.map(dir),
      message: `controller/${folder}/ is pure: no AWS adapter, store, event source or telemetry (docs/ARCHITECTURE.md).`,
    });
  }
  return zones;
}

const SANDBOX_KNOWS_NO_CONTROLLER = {
  target: 'sandbox',
  from: 'controller',
  message: 'sandbox/ emulates AWS and knows nothing of controller/.',
};
const ONLY_THE_SANDBOX_COMMAND_RUNS_THE_SANDBOX = {
  target: 'controller',
  from: 'sandbox',
  message: 'only the sandbox command (controller/cli/commands/sandbox*.ts) may import sandbox/.',
};
const SANDBOX_COMMAND = 'controller/cli/commands/sandbox*.ts';

const restrictedPaths = (zones) => ['error', { basePath: root, zones }];

/** Time is injected (util/clock.ts: Clock, Timers, Sleep): no global clock or timer in controller code. */
const GLOBAL_TIME = [
  'error',
  { selector: "CallExpression[callee.object.name=/^(Date|performance)$/][callee.property.name='now']", message: 'Read the time from the injected Clock (util/clock.ts), not the global clock.' },
  { selector: "NewExpression[callee.name='Date'][arguments.length=0]", message: 'Read the time from the injected Clock (util/clock.ts), not new Date().' },
  { selector: "CallExpression[callee.name=/^set(Timeout|Interval|Immediate)$/]", message: 'Schedule through the injected Timers (util/clock.ts), not the global timer.' },
];
const CLOCK_MODULES = ['controller/util/clock.ts'];

export default [
  { ignores: ['node_modules/**', 'dist/**', '**/*.js', '**/*.cjs', '**/*.mjs'] },
  {
    files: ['**/*.ts'],
    linterOptions: {
      // The boundaries are not negotiable file by file: fix the import (or move the file), do not silence it.
      noInlineConfig: true,
      reportUnusedDisableDirectives: 'off',
    },
    languageOptions: { parser: tsParser, ecmaVersion: 2023, sourceType: 'module' },
    plugins: { 'import-x': importX },
    settings: {
      // Imports name the emitted .js; resolve them to the .ts source, or the path rule would skip them.
      'import-x/resolver-next': [createNodeResolver({ extensionAlias: { '.js': ['.ts', '.js'] } })],
    },
  },
  {
    files: ['controller/**/*.ts'],
    ignores: [SANDBOX_COMMAND],
    rules: { 'import-x/no-restricted-paths': restrictedPaths([...layerZones(), ONLY_THE_SANDBOX_COMMAND_RUNS_THE_SANDBOX]) },
  },
  {
    files: [SANDBOX_COMMAND],
    rules: { 'import-x/no-restricted-paths': restrictedPaths(layerZones()) },
  },
  {
    files: ['sandbox/**/*.ts'],
    rules: { 'import-x/no-restricted-paths': restrictedPaths([SANDBOX_KNOWS_NO_CONTROLLER]) },
  },
  {
    files: ['controller/**/*.ts'],
    ignores: CLOCK_MODULES,
    rules: { 'no-restricted-syntax': GLOBAL_TIME },
  },
];
