import { clientFor } from './lib/client.js';
import { inputFromEnv, parseInputs } from './lib/inputs.js';
import { mint } from './lib/modes/mint.js';
import { prune } from './lib/modes/prune.js';
import { revoke } from './lib/modes/revoke.js';
import { verify } from './lib/modes/verify.js';
import { looksLikeKey, redact } from './lib/redact.js';
import * as runner from './lib/runner.js';

/** The main step: validate every input, then run the one mode they select. */
export async function runMain(): Promise<void> {
  const input = inputFromEnv();
  // The keys, and anything key-shaped pasted into another input, are masked before
  // anything else runs, so no later line can print them.
  const keyShaped = Object.entries(process.env)
    .filter(([name, value]) => name.startsWith('INPUT_') && value && looksLikeKey(value))
    .map(([, value]) => (value as string).trim());
  const keys = [...new Set([input('api-key'), input('admin-key'), ...keyShaped])].filter(Boolean);
  for (const key of keys) runner.setSecret(key);

  try {
    const parsed = parseInputs(input);
    for (const warning of parsed.warnings) runner.warning(warning);
    if (!parsed.ok) {
      for (const { input: name, message } of parsed.problems) {
        runner.error(redact(`Input '${name}' ${message}`, keys), { title: `venice-key: invalid input '${name}'` });
      }
      runner.setFailed(`${parsed.problems.length} input problem(s); nothing was sent to Venice.`);
      return;
    }
    const { config } = parsed;
    runner.debug(`mode: ${config.mode}, base-url: ${config.baseUrl.href}`);
    switch (config.mode) {
      case 'verify':
        return await verify(config, clientFor(config, config.apiKey));
      case 'mint':
        return await mint(config, clientFor(config, config.adminKey));
      case 'revoke':
        return await revoke(config, clientFor(config, config.adminKey));
      case 'prune':
        return await prune(config, clientFor(config, config.adminKey));
    }
  } catch (error) {
    runner.setFailed(redact(error instanceof Error ? error.message : String(error), keys));
  }
}
