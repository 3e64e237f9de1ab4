import { AwsError } from '../../core/errors.js';
import type { OperationHandler } from '../../core/types.js';
import { tagList } from './shapes.js';
import { invalid, requiredString } from './params.js';
import type { ApiContext } from './context.js';

const MAX_TAGS = 200;

/** Validates a Tags list (Key 1–128, Value 0–256, at most 200, no "aws:" keys) into a map. */
export function parseTags(value: unknown, field = 'Tags'): Map<string, string> {
  const tags = new Map<string, string>();
  if (value === undefined || value === null) return tags;
  if (!Array.isArray(value)) throw invalid(`${field} must be a list of {Key, Value}.`);
  if (value.length > MAX_TAGS) throw invalid(`${field} can contain at most ${MAX_TAGS} tags.`);
  for (const tag of value) {
    const key = tag?.Key;
    const val = tag?.Value;
    if (typeof key !== 'string' || key.length < 1 || key.length > 128)
      throw invalid(`${field}: every Key must be a string of 1 to 128 characters.`);
    if (typeof val !== 'string' || val.length > 256)
      throw invalid(`${field}: the Value of tag "${key}" must be a string of at most 256 characters.`);
    if (key.toLowerCase().startsWith('aws:'))
      throw invalid(`${field}: tag keys starting with "aws:" are reserved for AWS use.`);
    tags.set(key, val);
  }
  return tags;
}

/** TagResource, UntagResource and ListTagsForResource over namespaces and services. */
export function tagOperations(api: ApiContext): Record<string, OperationHandler> {
  const { state } = api;

  function tagsOf(arn: string): Map<string, string> {
    const parsed = state.ownArn(arn);
    const resource =
      parsed?.kind === 'namespace'
        ? state.namespaces.get(parsed.id)
        : parsed?.kind === 'service'
          ? state.services.get(parsed.id)
          : undefined;
    if (!resource)
      throw new AwsError('ResourceNotFoundException', `No Cloud Map namespace or service has the ARN ${arn}.`);
    return resource.tags;
  }

  return {
    TagResource(input) {
      const arn = requiredString(input, 'ResourceARN', 1011);
      if (!Array.isArray(input.Tags)) throw invalid('Tags is required.');
      const adding = parseTags(input.Tags);
      const tags = tagsOf(arn);
      const merged = new Map([...tags, ...adding]);
      if (merged.size > MAX_TAGS) {
        throw new AwsError(
          'TooManyTagsException',
          `A resource can have at most ${MAX_TAGS} tags; this request would leave ${merged.size}.`,
          400,
          { ResourceName: arn },
        );
      }
      for (const [key, value] of adding) tags.set(key, value);
      return {};
    },
    UntagResource(input) {
      const arn = requiredString(input, 'ResourceARN', 1011);
      const keys = input.TagKeys;
      if (
        !Array.isArray(keys) ||
        keys.length > MAX_TAGS ||
        keys.some((k) => typeof k !== 'string' || k.length < 1 || k.length > 128)
      ) {
        throw invalid(`TagKeys is required: a list of at most ${MAX_TAGS} keys of 1 to 128 characters.`);
      }
      const tags = tagsOf(arn);
      for (const key of keys) tags.delete(key);
      return {};
    },
    ListTagsForResource(input) {
      const arn = requiredString(input, 'ResourceARN', 1011);
      return { Tags: tagList(tagsOf(arn)) };
    },
  };
}
