import { LEDGER_STATE } from './runner/state-name.js';

/**
 * The bundle's entry. `dist/main.js` and `dist/post.js` call these; everything else is
 * loaded only when there is work, so a post step with nothing to do costs barely more
 * than starting Node.
 */

export async function main(): Promise<void> {
  const { run } = await import('./main.js');
  await run();
}

export async function post(): Promise<void> {
  // Read straight from the environment, before loading anything: no ledger, nothing to do.
  if (!process.env[`STATE_${LEDGER_STATE}`]) return;
  const { run } = await import('./post.js');
  await run();
}
