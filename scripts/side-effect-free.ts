/**
 * The one workaround in the build. Webpack (inside ncc) drops an unused import only from
 * a package whose package.json says `"sideEffects": false`. @actions/core imports
 * @actions/http-client (all of undici) for OIDC and @actions/exec for platform details;
 * @actions/github builds Octokit when its context is imported. Neither package says so,
 * and ncc takes no webpack configuration (no public option sets `sideEffects`), so
 * webpack is shown that field in what it reads of these package.json files while the
 * build runs. Nothing on disk changes.
 *
 * ncc's bundled graceful-fs copies fs.readFile when ncc loads: install this first.
 * test/unit/side-effect-free.test.ts fails when either package starts declaring the field
 * itself (then delete this file) or when the shown field no longer reaches a reader.
 */
import fs from 'node:fs';
import { basename } from 'node:path';

type Callback = (error: NodeJS.ErrnoException | null, data?: string | Buffer) => void;

/** Shows `names` as side-effect free to every fs.readFile of their package.json; returns the names marked so far. */
export function markSideEffectFree(names: readonly string[]): { marked: Set<string>; restore: () => void } {
  const wanted = new Set(names);
  const marked = new Set<string>();
  const readFile = fs.readFile as (...args: unknown[]) => void;
  fs.readFile = ((path: fs.PathOrFileDescriptor, ...rest: unknown[]) => {
    const callback = rest.pop() as Callback;
    if (typeof path !== 'string' || basename(path) !== 'package.json') return readFile(path, ...rest, callback);
    readFile(path, ...rest, (error: NodeJS.ErrnoException | null, data?: string | Buffer) => {
      if (error || data === undefined) return callback(error, data);
      let manifest: { name?: unknown; sideEffects?: unknown };
      try {
        manifest = JSON.parse(String(data));
      } catch {
        return callback(null, data);
      }
      if (typeof manifest.name !== 'string' || !wanted.has(manifest.name) || manifest.sideEffects !== undefined) {
        return callback(null, data);
      }
      marked.add(manifest.name);
      const text = JSON.stringify({ ...manifest, sideEffects: false });
      callback(null, typeof data === 'string' ? text : Buffer.from(text));
    });
  }) as typeof fs.readFile;
  const restore = () => {
    fs.readFile = readFile as typeof fs.readFile;
  };
  return { marked, restore };
}
