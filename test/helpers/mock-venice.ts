/**
 * For a mode's run called in this process against undici's MockAgent: the agent (fresh
 * per test, no real connection allowed), a mint configuration for it, and a client.
 */
import { MockAgent } from 'undici';
import { afterEach, beforeEach } from 'vitest';
import type { MintConfig } from '../../src/modes/index.ts';
import { VeniceClient } from '../../src/venice/client.ts';

export const MOCK_ORIGIN = 'https://api.venice.test';
export const MOCK_RUN = { repository: 'o/r', runId: '7', runAttempt: '1' };

export const mockMintConfig = (extra: Partial<MintConfig> = {}): MintConfig => ({
  mode: 'mint',
  adminKey: 'VENICE_ADMIN_KEY_mock',
  baseUrl: new URL(`${MOCK_ORIGIN}/api/v1`),
  timeoutMs: 1_000,
  maxAttempts: 5,
  expiresAt: new Date(Date.now() + 3_600_000),
  label: '',
  scope: 'job',
  openaiEnv: false,
  ...extra,
});

/** Registers the hooks; `agent()` is this test's MockAgent, `client()` a client that uses it. */
export function useMockVenice() {
  let agent: MockAgent;
  beforeEach(() => {
    agent = new MockAgent();
    agent.disableNetConnect();
  });
  afterEach(async () => {
    await agent.close();
  });
  return {
    agent: () => agent,
    client: (config: Pick<MintConfig, 'baseUrl' | 'adminKey' | 'timeoutMs' | 'maxAttempts'> = mockMintConfig()) =>
      new VeniceClient({
        baseUrl: config.baseUrl,
        key: config.adminKey,
        timeoutMs: config.timeoutMs,
        maxAttempts: config.maxAttempts,
        dispatcher: agent,
        sleep: async () => {},
      }),
  };
}
