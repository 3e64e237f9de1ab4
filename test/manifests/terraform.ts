/** Reads the Terraform module with @cdktf/hcl2json so tests can check variables, outputs and IAM statements. */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from '@cdktf/hcl2json';

export const MODULE_DIR = 'manifests/terraform';

/** Every .tf file of a folder, parsed, keyed by file name. */
export async function parseFolder(dir: string): Promise<Record<string, any>> {
  const out: Record<string, any> = {};
  for (const file of readdirSync(dir)
    .filter((f) => f.endsWith('.tf'))
    .sort()) {
    out[file] = await parse(file, readFileSync(join(dir, file), 'utf8'));
  }
  return out;
}

/** Merges one block type (variable, output, resource...) over every file of a parsed folder. */
export function blocks(parsed: Record<string, any>, type: string): Record<string, any> {
  return Object.assign({}, ...Object.values(parsed).map((f) => f[type] ?? {}));
}

/** The IAM statements of every aws_iam_policy_document in the module, dynamic blocks flattened. */
export function policyStatements(
  parsed: Record<string, any>,
): { document: string; effect: string; actions: string[]; sid: string; resources: string[] }[] {
  const documents = blocks(parsed, 'data').aws_iam_policy_document ?? {};
  const out: { document: string; effect: string; actions: string[]; sid: string; resources: string[] }[] = [];
  for (const [document, [body]] of Object.entries<any>(documents)) {
    const plain = body.statement ?? [];
    const dynamic = [body.dynamic ?? []]
      .flat()
      .flatMap((d: any) => d.statement ?? [])
      .flatMap((s: any) => s.content ?? []);
    for (const s of [...plain, ...dynamic]) {
      out.push({
        document,
        effect: s.effect ?? 'Allow',
        actions: [s.actions].flat(),
        sid: s.sid ?? '',
        resources: [s.resources ?? []].flat(),
      });
    }
  }
  return out;
}
