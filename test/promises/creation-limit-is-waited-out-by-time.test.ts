/**
 * README: "Venice's limit of 20 creations a minute": a mint waits the limit out for up to
 * 5 minutes, however many windows that takes, and then gives up saying why. The wait is
 * bounded by time, not by max-attempts (which bounds failures worth retrying).
 * The clock is injected: five minutes pass in no time.
 */
import { MockAgent } from 'undici';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { MintConfig } from '../../src/modes/index.ts';
import { CREATE_WAIT_BUDGET_MS, mint } from '../../src/modes/mint/run.ts';
import { VeniceClient } from '../../src/venice/client.ts';
import { fakeClock } from '../helpers/in-process.ts';
import { useRunnerFiles } from '../helpers/runner-files.ts';

const ORIGIN = 'https://api.venice.test';
const RUN = { repository: 'o/r', runId: '7', runAttempt: '1' };
const START = Date.parse('2030-01-01T00:00:00.000Z');
let agent: MockAgent;
useRunnerFiles();
beforeEach(() => {
  agent = new MockAgent();
  agent.disableNetConnect();
});
afterEach(async () => {
  await agent.close();
});

const config: MintConfig = {
  mode: 'mint',
  adminKey: 'VENICE_ADMIN_KEY_mock',
  baseUrl: new URL(`${ORIGIN}/api/v1`),
  timeoutMs: 1_000,
  maxAttempts: 2,
  expiresAt: new Date(Date.now() + 3_600_000),
  label: '',
  scope: 'keep',
  openaiEnv: false,
};
const client = () =>
  new VeniceClient({ baseUrl: config.baseUrl, key: config.adminKey, timeoutMs: 1_000, maxAttempts: 2, dispatcher: agent });
const limited = { error: 'Rate limit exceeded' };

describe('the creation limit is waited out by time, not by attempts', () => {
  it('more 429s than max-attempts, within the budget: it waits them out and mints', async () => {
    const pool = agent.get(ORIGIN);
    pool
      .intercept({ path: '/api/v1/api_keys', method: 'POST' })
      .reply(429, limited, { headers: { 'retry-after': '20' } })
      .times(6);
    pool.intercept({ path: '/api/v1/api_keys', method: 'POST' }).reply(200, {
      success: true,
      data: {
        id: 'k',
        apiKey: 'VENICE_INFERENCE_KEY_afterthewait',
        apiKeyType: 'INFERENCE',
        expiresAt: config.expiresAt.toISOString(),
        consumptionLimit: { usd: null, diem: null },
        limitPeriod: 'EPOCH',
        modelPrivacy: 'ALL',
      },
    });
    await mint(config, client(), RUN, fakeClock(START));
    agent.assertNoPendingInterceptors();
  });

  it('a limit that outlasts the budget: gives up within it, saying why and what to change', async () => {
    const clock = fakeClock(START);
    agent
      .get(ORIGIN)
      .intercept({ path: '/api/v1/api_keys', method: 'POST' })
      .reply(429, limited, { headers: { 'retry-after': '50' } })
      .persist();
    await expect(mint(config, client(), RUN, clock)).rejects.toThrow(
      /^Gave up creating the key after waiting 4m \d+s: Venice allows 20 key creations per minute per account.*handoff-secret/,
    );
    expect(clock.now() - START).toBeLessThanOrEqual(CREATE_WAIT_BUDGET_MS);
  });
});
