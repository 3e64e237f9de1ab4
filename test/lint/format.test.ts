/**
 * The formatter as a test: `npm test` fails on a TypeScript file Prettier would change (.prettierrc.json,
 * .prettierignore), naming the files. `npm run format` fixes them.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as prettier from 'prettier';

const root = fileURLToPath(new URL('../../', import.meta.url));
const FOLDERS = ['controller', 'sandbox', 'bench', 'test', 'crds', 'manifests', 'bin'];

function typeScriptFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory())
      return entry.name === 'node_modules' || entry.name.startsWith('.') ? [] : typeScriptFiles(path);
    return entry.name.endsWith('.ts') ? [path] : [];
  });
}

test('every TypeScript file is formatted as Prettier formats it (npm run format)', async () => {
  const files = FOLDERS.flatMap((folder) => {
    try {
      return typeScriptFiles(join(root, folder));
    } catch {
      return [];
    }
  });
  assert.ok(files.length > 100, `found only ${files.length} TypeScript files`);
  const unformatted: string[] = [];
  for (const file of files) {
    const info = await prettier.getFileInfo(file, { ignorePath: join(root, '.prettierignore') });
    if (info.ignored) continue;
    const options = await prettier.resolveConfig(file);
    if (!(await prettier.check(readFileSync(file, 'utf8'), { ...options, filepath: file })))
      unformatted.push(relative(root, file));
  }
  assert.deepEqual(unformatted, [], `run npm run format; Prettier would change:\n${unformatted.join('\n')}`);
});

test('the format check fails on a file Prettier would change', async () => {
  const options = await prettier.resolveConfig(join(root, 'controller', 'x.ts'));
  assert.equal(
    await prettier.check('const  a = "x"\n', { ...options, filepath: join(root, 'controller', 'x.ts') }),
    false,
  );
  assert.equal(
    await prettier.check("const a = 'x';\n", { ...options, filepath: join(root, 'controller', 'x.ts') }),
    true,
  );
});
