import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, normalize, relative } from 'node:path';

/** The feature folders of the library: none may depend on another that depends back on it. */
const FEATURES = ['access', 'admin', 'audit', 'blocks', 'images', 'members', 'messages', 'moderation', 'notifications', 'presence', 'realtime', 'rooms'];

function sourceFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((entry) => {
    const path = join(dir, entry);
    if (statSync(path).isDirectory()) return sourceFiles(path);
    return path.endsWith('.ts') && !path.endsWith('.spec.ts') ? [path] : [];
  });
}

/** feature → the features its files import (type-only imports included: they still couple the folders). */
function featureImports(): Map<string, Set<string>> {
  const graph = new Map(FEATURES.map((feature) => [feature, new Set<string>()]));
  for (const feature of FEATURES) {
    for (const file of sourceFiles(join(__dirname, feature))) {
      for (const [, specifier] of readFileSync(file, 'utf8').matchAll(/from '(\.[^']+)'/g)) {
        const target = relative(__dirname, normalize(join(dirname(file), specifier))).split(/[\\/]/)[0];
        if (target !== feature && FEATURES.includes(target)) graph.get(feature)?.add(target);
      }
    }
  }
  return graph;
}

describe('feature boundaries', () => {
  it('has no import cycle between feature folders', () => {
    const graph = featureImports();
    const cycles: string[] = [];
    const visit = (feature: string, path: string[]): void => {
      for (const next of graph.get(feature) ?? []) {
        if (next === path[0]) cycles.push([...path, next].join(' → '));
        else if (!path.includes(next)) visit(next, [...path, next]);
      }
    };
    for (const feature of FEATURES) visit(feature, [feature]);
    expect(cycles).toEqual([]);
  });
});
