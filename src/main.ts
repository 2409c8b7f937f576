import { veniceClient } from './action/client.js';
import { runIdentity } from './action/context.js';
import { type Config, parseInputs, secretInputs } from './action/inputs.js';
import { error, fail, mask, warning } from './action/log.js';
import { KEY_SHAPED, looksLikeKey } from './venice/keys.js';

/** The main step: mask the secrets, validate every input, then run the one mode they select. */
export async function run(): Promise<void> {
  // Before anything else can print them: the secret inputs, and anything key-shaped pasted elsewhere.
  for (const secret of [...secretInputs(), ...keyShapedInputs()]) mask(secret);
  try {
    const parsed = parseInputs();
    for (const message of parsed.warnings) warning(message);
    if (!parsed.ok) {
      for (const { input, message } of parsed.problems)
        error(`Input '${input}' ${message}`, { title: `venice-key: invalid input '${input}'` });
      fail(`${parsed.problems.length} input problem(s); nothing was sent to Venice.`);
      return;
    }
    await runMode(parsed.config);
  } catch (problem) {
    fail(problem);
  }
}

/** Each mode is its own chunk, loaded only when chosen. */
async function runMode(config: Config): Promise<void> {
  switch (config.mode) {
    case 'verify': {
      const { verify } = await import('./modes/verify.js');
      return verify(config, veniceClient(config, config.apiKey));
    }
    case 'mint': {
      const { mint } = await import('./modes/mint.js');
      return mint(config, veniceClient(config, config.adminKey), runIdentity());
    }
    case 'receive': {
      const { receive } = await import('./modes/receive.js');
      return receive(config, runIdentity());
    }
    case 'revoke': {
      const { revoke } = await import('./modes/revoke.js');
      return revoke(config, veniceClient(config, config.adminKey), runIdentity());
    }
    case 'prune': {
      const { prune } = await import('./modes/prune.js');
      return prune(config, veniceClient(config, config.adminKey), runIdentity());
    }
  }
}

/**
 * Any input holding something key-shaped: the whole value, each line that holds a key
 * (the runner masks line by line), and each key in it.
 */
function keyShapedInputs(): string[] {
  return Object.entries(process.env)
    .filter(([name, value]) => name.startsWith('INPUT_') && value && looksLikeKey(value))
    .flatMap(([, value]) => {
      const text = (value as string).trim();
      const lines = text.split(/\r?\n/).map((line) => line.trim());
      return [text, ...lines.filter(looksLikeKey), ...(text.match(KEY_SHAPED) ?? [])];
    });
}
