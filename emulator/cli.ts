/**
 * `npm run emulator`: runs the Venice emulator until Ctrl-C, for trying the action by hand.
 * Options: --port N, --window SECONDS (the key-creation rate-limit window).
 */
import { parseArgs } from 'node:util';
import { VeniceEmulator } from './venice-emulator.ts';

const { values } = parseArgs({
  options: { port: { type: 'string', default: '0' }, window: { type: 'string', default: '60' } },
});
const emulator = await new VeniceEmulator({ creationWindowMs: Number(values.window) * 1000 }).start(Number(values.port));

console.log(`Venice emulator listening: ${emulator.url}`);
console.log(`Seeded ADMIN key:     ${emulator.adminKey}`);
console.log(`Seeded INFERENCE key: ${emulator.inferenceKey}`);
console.log("These keys exist only in this process. Use the URL as the action's base-url. Ctrl-C stops.");

for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.on(signal, () => void emulator.stop().then(() => process.exit(0)));
}
setInterval(() => {
  for (const entry of emulator.log.splice(0))
    console.log(`${entry.method} ${entry.path}${entry.query} -> ${entry.status} (${entry.ms} ms)`);
}, 250);
