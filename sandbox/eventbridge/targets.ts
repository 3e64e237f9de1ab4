/**
 * EventBridge targets: validation of PutTargets entries and what a target receives for an event (the whole
 * event JSON by default; Input, InputPath or InputTransformer when set, per the PutTargets API reference).
 */
import { AwsError } from '../core/errors.js';
import type { EventBridgeEvent } from '../core/types.js';

/** A target as PutTargets stores it and ListTargetsByRule returns it (extra members are kept verbatim). */
export interface StoredTarget {
  Id: string;
  Arn: string;
  Input?: string;
  InputPath?: string;
  InputTransformer?: { InputPathsMap?: Record<string, string>; InputTemplate: string };
  [member: string]: unknown;
}

const TARGET_ID = /^[.\-_A-Za-z0-9]{1,64}$/;
const ARN = /^arn:aws[a-z-]*:[a-z0-9-]+:[a-z0-9-]*:\d{0,12}:.+$/;
const PLACEHOLDER_NAME = /^[A-Za-z0-9_.-]{1,256}$/;

function validation(message: string): AwsError {
  return new AwsError('ValidationException', message);
}

/** Splits a JSONPath like `$.detail.containers[0]['last-status']` into keys and indexes; undefined when unsupported. */
export function parseJsonPath(path: string): (string | number)[] | undefined {
  if (!path.startsWith('$')) return undefined;
  const steps: (string | number)[] = [];
  const token = /\.([^.[\]]+)|\[(\d+)\]|\['([^']+)'\]/y;
  let at = 1;
  while (at < path.length) {
    token.lastIndex = at;
    const m = token.exec(path);
    if (!m) return undefined;
    steps.push(m[1] ?? (m[2] !== undefined ? Number(m[2]) : m[3]));
    at = token.lastIndex;
  }
  return steps;
}

function select(event: unknown, path: string): unknown {
  let node: any = event;
  for (const step of parseJsonPath(path) ?? []) {
    if (node === null || typeof node !== 'object') return undefined;
    node = node[step];
  }
  return node;
}

function checkPath(path: unknown, what: string, targetId: string): void {
  if (typeof path !== 'string' || !parseJsonPath(path)) throw validation(`Target ${targetId}: ${what} ${JSON.stringify(path)} is not a valid JSON path (e.g. "$.detail.lastStatus").`);
}

/** Throws ValidationException for a PutTargets entry AWS would reject; returns the entry to store. */
export function validateTarget(raw: unknown): StoredTarget {
  const target = raw as Record<string, any>;
  if (typeof target?.Id !== 'string' || !TARGET_ID.test(target.Id)) throw validation(`Target Id ${JSON.stringify(target?.Id)} is not valid: 1 to 64 of letters, digits, ".", "-" or "_".`);
  if (typeof target.Arn !== 'string' || !ARN.test(target.Arn)) throw validation(`Target ${target.Id}: Parameter Arn ${JSON.stringify(target.Arn)} is not valid.`);
  const inputs = ['Input', 'InputPath', 'InputTransformer'].filter((k) => target[k] !== undefined);
  if (inputs.length > 1) throw validation(`Target ${target.Id}: only one of Input, InputPath and InputTransformer may be set (got ${inputs.join(', ')}).`);
  if (target.Input !== undefined) {
    try {
      JSON.parse(target.Input);
    } catch {
      throw validation(`Target ${target.Id}: Input is not valid JSON text.`);
    }
  }
  if (target.InputPath !== undefined) checkPath(target.InputPath, 'InputPath', target.Id);
  if (target.InputTransformer !== undefined) {
    const { InputPathsMap, InputTemplate } = target.InputTransformer ?? {};
    if (typeof InputTemplate !== 'string') throw validation(`Target ${target.Id}: InputTransformer needs an InputTemplate.`);
    for (const [name, path] of Object.entries(InputPathsMap ?? {})) {
      if (!PLACEHOLDER_NAME.test(name) || name.startsWith('aws.')) throw validation(`Target ${target.Id}: InputPathsMap key "${name}" is not valid.`);
      checkPath(path, `InputPathsMap value for "${name}"`, target.Id);
    }
  }
  return { ...target } as StoredTarget;
}

function transform(target: StoredTarget, event: EventBridgeEvent, rule: { name: string; arn: string }): string {
  const { InputPathsMap = {}, InputTemplate } = target.InputTransformer!;
  const jsonTemplate = /^\s*[{[]/.test(InputTemplate);
  const values: Record<string, unknown> = {
    'aws.events.rule-arn': rule.arn,
    'aws.events.rule-name': rule.name,
    'aws.events.event.ingestion-time': event.time,
    'aws.events.event.json': event,
    'aws.events.event': event,
  };
  for (const [name, path] of Object.entries(InputPathsMap)) values[name] = select(event, path);
  return InputTemplate.replace(/<([A-Za-z0-9_.-]+)>/g, (whole, name: string) => {
    if (!(name in values)) return whole;
    const value = values[name];
    if (value === undefined) return jsonTemplate ? 'null' : '';
    if (typeof value !== 'string') return JSON.stringify(value);
    return jsonTemplate ? JSON.stringify(value).slice(1, -1) : value;
  });
}

/** The message a target receives for an event. */
export function renderTargetInput(target: StoredTarget, event: EventBridgeEvent, rule: { name: string; arn: string }): string {
  if (target.Input !== undefined) return target.Input;
  if (target.InputPath !== undefined) {
    const value = select(event, target.InputPath);
    return typeof value === 'string' ? value : JSON.stringify(value ?? null);
  }
  if (target.InputTransformer) return transform(target, event, rule);
  return JSON.stringify(event);
}
