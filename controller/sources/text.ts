/** What every policy source shares about policy files: which names count and how bytes become text. */

const POLICY_FILE = /\.ya?ml$/i;
const utf8 = new TextDecoder('utf-8', { fatal: true });

/** True for the file names policy sources read (`*.yaml`, `*.yml`); hidden path segments never count. */
export function isPolicyFileName(path: string): boolean {
  return POLICY_FILE.test(path) && !path.split('/').some((segment) => segment.startsWith('.'));
}

/** Decodes strict UTF-8; undefined for binary content, which can never be a policy. */
export function decodePolicyText(bytes: Uint8Array): string | undefined {
  try {
    return utf8.decode(bytes);
  } catch {
    return undefined;
  }
}
