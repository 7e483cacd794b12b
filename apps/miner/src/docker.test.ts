import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { describe, expect, it } from 'vitest';

const read = (path: string) => readFileSync(new URL(`../${path}`, import.meta.url), 'utf8');
const require = createRequire(import.meta.url);

describe('the Docker image definition', () => {
  const workspace = JSON.parse(read('package.json')) as { dependencies: Record<string, string> };
  const image = JSON.parse(read('docker/package.json')) as { dependencies: Record<string, string> };
  const lock = JSON.parse(read('docker/package-lock.json')) as {
    packages: Record<string, { version?: string; dependencies?: Record<string, string> }>;
  };

  it('installs exactly the runtime dependencies, at the versions the workspace tests run against', () => {
    const installed = Object.fromEntries(
      Object.keys(workspace.dependencies).map((name) => [
        name,
        (require(`${name}/package.json`) as { version: string }).version,
      ]),
    );
    expect(image.dependencies).toEqual(installed);
    expect(lock.packages['']?.dependencies).toEqual(image.dependencies);
    for (const [name, version] of Object.entries(installed)) {
      expect(lock.packages[`node_modules/${name}`]?.version).toBe(version);
    }
  });

  it('runs as a non-root user, exposes 3000, checks /health and starts src/main.ts', () => {
    const dockerfile = read('Dockerfile');
    expect(dockerfile).toMatch(/^FROM node:20-slim AS deps$/m);
    expect(dockerfile).toMatch(/^USER node$/m);
    expect(dockerfile).toMatch(/^EXPOSE 3000$/m);
    expect(dockerfile).toMatch(/^HEALTHCHECK [\s\S]*\/health/m);
    expect(dockerfile).toMatch(/^CMD \["node", "--import", "tsx", "src\/main.ts"\]$/m);
  });

  it('keeps tests and local installs out of the build context', () => {
    const ignore = read('.dockerignore').split('\n');
    expect(ignore).toContain('*');
    expect(ignore).toContain('src/**/*.test.ts');
    expect(ignore.some((line) => line.includes('node_modules') && line.startsWith('!'))).toBe(false);
  });
});
