/**
 * One definition of every size limit the controller enforces on its inputs. Each limit is an environment
 * variable with a default; `parseLimits` reads them all once, at the start of `validate`, `plan` and `run`,
 * and every reader (directory, S3 and git sources, the YAML loader) takes its value from the result, so the
 * three commands refuse the same inputs and reject a bad value with the same message.
 * To add a limit: add a field to `Limits` and a row to `LIMIT_SETTINGS`; README's table and the tests follow.
 */
import { UsageError } from '../cli/io.js';

/** The limits in force, after parsing. */
export interface Limits {
  /** Largest policy file (or S3 object, or git blob), and largest single YAML document, in bytes. */
  maxPolicyBytes: number;
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
