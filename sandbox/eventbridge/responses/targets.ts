/** PutTargets entry validation (ValidationException for what AWS rejects), per the PutTargets API reference. */
import { parseJsonPath, type StoredTarget } from '../models/targets.js';
import { validation } from './params.js';

const TARGET_ID = /^[.\-_A-Za-z0-9]{1,64}$/;
const ARN = /^arn:aws[a-z-]*:[a-z0-9-]+:[a-z0-9-]*:\d{0,12}:.+$/;
const PLACEHOLDER_NAME = /^[A-Za-z0-9_.-]{1,256}$/;

function checkPath(path: unknown, what: string, targetId: string): void {
  if (typeof path !== 'string' || !parseJsonPath(path))
    throw validation(
      `Target ${targetId}: ${what} ${JSON.stringify(path)} is not a valid JSON path (e.g. "$.detail.lastStatus").`,
    );
}

/** Throws ValidationException for a PutTargets entry AWS would reject; returns the entry to store. */
export function validateTarget(raw: unknown): StoredTarget {
  const target = raw as Record<string, any>;
  if (typeof target?.Id !== 'string' || !TARGET_ID.test(target.Id))
    throw validation(
      `Target Id ${JSON.stringify(target?.Id)} is not valid: 1 to 64 of letters, digits, ".", "-" or "_".`,
    );
  if (typeof target.Arn !== 'string' || !ARN.test(target.Arn))
    throw validation(`Target ${target.Id}: Parameter Arn ${JSON.stringify(target.Arn)} is not valid.`);
  const inputs = ['Input', 'InputPath', 'InputTransformer'].filter((k) => target[k] !== undefined);
  if (inputs.length > 1)
    throw validation(
      `Target ${target.Id}: only one of Input, InputPath and InputTransformer may be set (got ${inputs.join(', ')}).`,
    );
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
    if (typeof InputTemplate !== 'string')
      throw validation(`Target ${target.Id}: InputTransformer needs an InputTemplate.`);
    for (const [name, path] of Object.entries(InputPathsMap ?? {})) {
      if (!PLACEHOLDER_NAME.test(name) || name.startsWith('aws.'))
        throw validation(`Target ${target.Id}: InputPathsMap key "${name}" is not valid.`);
      checkPath(path, `InputPathsMap value for "${name}"`, target.Id);
    }
  }
  return { ...target } as StoredTarget;
}
