import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { expect, it } from 'vitest';

const PACKAGES = fileURLToPath(new URL('../../', import.meta.url));

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    if (entry.name === 'node_modules') return [];
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return sourceFiles(path);
    return /\.(ts|tsx|mts|js|mjs)$/.test(entry.name) ? [path] : [];
  });
}

// Packages are libraries the apps build on: an app they need is a declared dependency
// (`@tensornode/miner`), never a path into apps/ that works only inside this checkout.
it('no package reaches into apps/ by path', () => {
  const offenders = readdirSync(PACKAGES)
    .flatMap((pkg) => ['src', 'bench', 'test'].map((sub) => join(PACKAGES, pkg, sub)))
    .flatMap((dir) => {
      try {
        return sourceFiles(dir);
      } catch {
        return [];
      }
    })
    .flatMap((file) =>
      readFileSync(file, 'utf8')
        .split('\n')
        .map((line, i) => ({ where: `${relative(PACKAGES, file)}:${i + 1}`, line }))
        .filter(({ line }) => /\/apps\//.test(line)),
    )
    .map(({ where }) => where);
  expect(offenders).toEqual([]);
});
