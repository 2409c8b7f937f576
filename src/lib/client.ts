import type { Common } from './inputs.js';
import * as runner from './runner.js';
import { VeniceClient } from './venice.js';

/** The client as the action uses it: the configured timeouts, and debug lines for ACTIONS_STEP_DEBUG. */
export function clientFor(config: Common, key: string, overrides: { retryBudgetMs?: number } = {}): VeniceClient {
  return new VeniceClient({
    baseUrl: config.baseUrl,
    key,
    timeoutMs: config.timeoutMs,
    maxAttempts: config.maxAttempts,
    debug: (line) => runner.debug(line),
    ...overrides,
  });
}
