/**
 * Preloaded by `npm run bench` (node --import) into a step it measures: records every
 * file of dist/ the step loads and, at exit, writes their paths to LOADS_FILE.
 */
import { writeFileSync } from 'node:fs';
import { registerHooks } from 'node:module';
import { fileURLToPath } from 'node:url';

const loaded = new Set<string>();
registerHooks({
  load(url, context, nextLoad) {
    if (url.startsWith('file:') && url.includes('/dist/')) loaded.add(fileURLToPath(url));
    return nextLoad(url, context);
  },
});
process.on('exit', () => writeFileSync(process.env.LOADS_FILE as string, [...loaded].join('\n')));
