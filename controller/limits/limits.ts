/**
 * One definition of every size limit the controller enforces on its inputs. Each limit is an environment
 * variable with a default; `parseLimits` reads them all once, at the start of `validate`, `plan` and `run`,
 * and every reader (directory, S3 and git sources, the YAML loader) takes its value from the result, so the
 * three commands refuse the same inputs and reject a bad value with the same message.
 * To add a limit: add a field to `Limits` and a row to `LIMIT_SETTINGS`; README's table and the tests follow.
 */
import { UsageError } from '../util/usage-error.js';

/** The limits in force, after parsing. */
export interface Limits {
  /** Largest policy file (or S3 object, or git blob), and largest single YAML document, in bytes. */
  maxPolicyBytes: number;
  /** Largest total size of one revision's policy files, in bytes. */
  maxRevisionBytes: number;
  /** Most YAML documents in one revision. */
  maxPolicyDocuments: number;
  /** Most target patterns (clusters, namespaces, services include/exclude) in one revision. */
  maxPolicyPatterns: number;
  /** Largest complexity of one target pattern: its brace alternatives times its length. */
  maxPatternComplexity: number;
  /** Longest time loading one revision may take (it runs off the event loop); a slower revision is refused. */
  policyLoadTimeoutMs: number;
}

interface LimitSetting {
  key: keyof Limits;
  env: string;
  default: number;
  min: number;
  max: number;
  unit: string;
  help: string;
}

/** Every limit, in the order the README lists them. */
export const LIMIT_SETTINGS: readonly LimitSetting[] = [
  {
    key: 'maxPolicyBytes',
    env: 'MAX_POLICY_BYTES',
    default: 1024 * 1024,
    min: 1,
    max: 1024 * 1024 * 1024,
    unit: 'bytes',
    help: 'Largest policy file or object accepted; larger ones are refused with an error',
  },
  // Per revision: a small hostile file must not be able to stall the controller (issue 11). Each is checked before
  // the expensive steps (glob compilation, the pairwise overlap check) and named in the refusal.
  {
    key: 'maxRevisionBytes',
    env: 'MAX_REVISION_BYTES',
    default: 16 * 1024 * 1024,
    min: 1,
    max: 1024 * 1024 * 1024,
    unit: 'bytes',
    help: 'Largest total size of one revision (all policy files together)',
  },
  {
    key: 'maxPolicyDocuments',
    env: 'MAX_POLICY_DOCUMENTS',
    default: 1000,
    min: 1,
    max: 1_000_000,
    unit: 'documents',
    help: 'Most YAML documents in one revision',
  },
  {
    key: 'maxPolicyPatterns',
    env: 'MAX_POLICY_PATTERNS',
    default: 5000,
    min: 1,
    max: 10_000_000,
    unit: 'patterns',
    help: 'Most target patterns (clusters, namespaces, services) in one revision',
  },
  {
    key: 'maxPatternComplexity',
    env: 'MAX_PATTERN_COMPLEXITY',
    default: 2048,
    min: 1,
    max: 100_000_000,
    unit: 'alternatives x characters',
    help: 'Largest complexity of one target pattern: its {a,b} brace alternatives times its length',
  },
  {
    key: 'policyLoadTimeoutMs',
    env: 'POLICY_LOAD_TIMEOUT_MS',
    default: 10_000,
    min: 100,
    max: 600_000,
    unit: 'milliseconds',
    help: 'Longest time loading one revision may take (off the event loop); a slower revision is refused',
  },
];

/** The limits when no variable is set. */
export const DEFAULT_LIMITS: Limits = Object.freeze(
  Object.fromEntries(LIMIT_SETTINGS.map((s) => [s.key, s.default])) as unknown as Limits,
);

/** Reads every limit from the environment; a bad value is a usage error naming the variable and its range. */
export function parseLimits(env: NodeJS.ProcessEnv): Limits {
  const limits: Limits = { ...DEFAULT_LIMITS };
  for (const setting of LIMIT_SETTINGS) {
    const raw = env[setting.env]?.trim();
    if (raw === undefined || raw === '') continue;
    const value = /^\d+$/.test(raw) ? Number(raw) : Number.NaN;
    if (!Number.isSafeInteger(value) || value < setting.min || value > setting.max) {
      throw new UsageError(
        `${setting.env}="${raw}" is not a positive whole number of ${setting.unit} from ${setting.min} to ${setting.max}` +
          ` (unset it for the default ${setting.default})`,
      );
    }
    limits[setting.key] = value;
  }
  return limits;
}

/** The README's rows for the limits (Markdown, the configuration table's columns). */
export function limitsTableMarkdown(): string {
  return LIMIT_SETTINGS.map((s) => `| | \`${s.env}\` | \`${s.default}\` | ${s.help} |`).join('\n');
}
