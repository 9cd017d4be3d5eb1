import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';

/** The files of the built demo client, by the name they are served under (`/demo/<name>`; the page at `/`, the service worker at `/sw.js`). */
export const DEMO_FILES: Readonly<Record<string, string>> = {
  'app.js': 'application/javascript; charset=utf-8',
  'sw.js': 'application/javascript; charset=utf-8',
  'app.js.map': 'application/json; charset=utf-8',
  'app.css': 'text/css; charset=utf-8',
  /** The reaction picker's emoji (names and tags), fetched when the picker first opens. */
  'emoji.json': 'application/json; charset=utf-8',
  'index.html': 'text/html; charset=utf-8',
};

/**
 * Where `scripts/build-demo.js` writes the client: `dist/demo` under the package root. The root is found by
 * walking up to package.json, so the same folder is read whether this file runs from `dist/src/demo` (npm start)
 * or from `src/demo` (Jest, ts-node).
 */
export function demoDirectory(from: string = __dirname): string {
  let dir = from;
  while (!existsSync(join(dir, 'package.json'))) {
    const parent = dirname(dir);
    if (parent === dir) return join(from, 'demo');
    dir = parent;
  }
  return join(dir, 'dist', 'demo');
}
