/**
 * What an EventBridge target receives for an event: the whole event JSON by default; Input, InputPath or
 * InputTransformer when set, per the PutTargets API reference. (PutTargets validation: responses/targets.ts.)
 */
import type { EventBridgeEvent } from '../../core/types.js';

/** A target as PutTargets stores it and ListTargetsByRule returns it (extra members are kept verbatim). */
export interface StoredTarget {
  Id: string;
  Arn: string;
  Input?: string;
  InputPath?: string;
  InputTransformer?: { InputPathsMap?: Record<string, string>; InputTemplate: string };
  [member: string]: unknown;
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
export function renderTargetInput(
  target: StoredTarget,
  event: EventBridgeEvent,
  rule: { name: string; arn: string },
): string {
  if (target.Input !== undefined) return target.Input;
  if (target.InputPath !== undefined) {
    const value = select(event, target.InputPath);
    return typeof value === 'string' ? value : JSON.stringify(value ?? null);
  }
  if (target.InputTransformer) return transform(target, event, rule);
  return JSON.stringify(event);
}
