import { STATE } from './lib/state.js';

/**
 * The bundle's entry. `dist/main.js` and `dist/post.js` call these two functions;
 * both share one bundle, and the heavy part (undici) loads only when
 * there is work, so an idle post step costs barely more than starting Node.
 */

export async function main(): Promise<void> {
  const { runMain } = await import('./main.js');
  await runMain();
}

export async function post(): Promise<void> {
  // Read straight from the environment (STATE_<name>) to decide before loading anything.
  if (!process.env[`STATE_${STATE.keyId}`] && !process.env[`STATE_${STATE.pendingKey}`]) return;
  const { runPost } = await import('./post.js');
  await runPost();
}
