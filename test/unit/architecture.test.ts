/**
 * The module graph of lib/, functions/ and infra/ (the same check as `npx madge --circular --extensions ts lib
 * functions infra`, without the dependency): no import cycle, and only the local runtime imports functions/.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';

const ROOT = resolve(import.meta.dirname, '..', '..');
const IMPORT =
  /(?:^|\n)\s*(?:import|export)\s+(?!type\b)(?:[^'"]*?\sfrom\s+)?['"]([^'"]+)['"]|import\(\s*['"]([^'"]+)['"]\s*\)/g;

function sourceFiles(dir: string): string[] {
  return readdirSync(join(ROOT, dir), { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return sourceFiles(path);
    return /\.tsx?$/.test(entry.name) ? [path] : [];
  });
}

/** Runtime imports (not `import type`) of a file, as repository-relative paths; packages are left out. */
function importsOf(file: string): string[] {
  const text = readFileSync(join(ROOT, file), 'utf8');
  return [...text.matchAll(IMPORT)]
    .map((match) => match[1] ?? match[2] ?? '')
    .flatMap((specifier) => {
      if (specifier.startsWith('#lib/')) return [join('lib', specifier.slice(5))];
      if (specifier.startsWith('#functions/')) return [join('functions', specifier.slice(11))];
      if (specifier.startsWith('.')) return [relative(ROOT, resolve(ROOT, file, '..', specifier))];
      return [];
    });
}

const files = ['lib', 'functions', 'infra'].flatMap(sourceFiles);
const graph = new Map(files.map((file) => [file, importsOf(file)]));

describe('the module graph of lib, functions and infra', () => {
  it('has no import cycle', () => {
    const cycles: string[] = [];
    const state = new Map<string, 'visiting' | 'done'>();
    const visit = (file: string, path: string[]): void => {
      if (state.get(file) === 'done') return;
      if (state.get(file) === 'visiting') {
        cycles.push([...path.slice(path.indexOf(file)), file].join(' -> '));
        return;
      }
      state.set(file, 'visiting');
      for (const next of graph.get(file) ?? []) if (graph.has(next)) visit(next, [...path, file]);
      state.set(file, 'done');
    };
    for (const file of files) visit(file, []);

    expect(graph.size).toBeGreaterThan(100);
    expect(cycles).toEqual([]);
  });

  it('lets only the local runtime import functions/', () => {
    const offenders = files.filter(
      (file) =>
        file.startsWith('lib/') &&
        !file.startsWith('lib/local/') &&
        graph.get(file)!.some((target) => target.startsWith('functions/')),
    );
    expect(offenders).toEqual([]);
    expect(graph.get('lib/local/local-routes.ts')).toContain('functions/settings-api/handler.ts');
  });
});
