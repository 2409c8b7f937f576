/**
 * README: "Venice's limit of 20 creations a minute": a mint waits the limit out for up to
 * 5 minutes, however many windows that takes, and then gives up saying why. The wait is
 * bounded by time, not by max-attempts (which bounds failures worth retrying).
 * The clock is injected: five minutes pass in no time.
 */
import { describe, expect, it } from 'vitest';
import { CREATE_WAIT_BUDGET_MS, mint } from '../../src/modes/mint/run.ts';
import { fakeClock, useRunnerFiles } from '../helpers/in-process.ts';
import { MOCK_ORIGIN, MOCK_RUN, mockMintConfig, useMockVenice } from '../helpers/mock-venice.ts';

const START = Date.parse('2030-01-01T00:00:00.000Z');
useRunnerFiles();
const venice = useMockVenice();
const config = mockMintConfig({ maxAttempts: 2, scope: 'keep' });
const client = () => venice.client(config);
const limited = { error: 'Rate limit exceeded' };

describe('the creation limit is waited out by time, not by attempts', () => {
  it('more 429s than max-attempts, within the budget: it waits them out and mints', async () => {
    const pool = venice.agent().get(MOCK_ORIGIN);
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
    await mint(config, client(), MOCK_RUN, fakeClock(START));
    venice.agent().assertNoPendingInterceptors();
  });

  it('a limit that outlasts the budget: gives up within it, saying why and what to change', async () => {
    const clock = fakeClock(START);
    venice
      .agent()
      .get(MOCK_ORIGIN)
      .intercept({ path: '/api/v1/api_keys', method: 'POST' })
      .reply(429, limited, { headers: { 'retry-after': '50' } })
      .persist();
    await expect(mint(config, client(), MOCK_RUN, clock)).rejects.toThrow(
      /^Gave up creating the key after waiting 4m \d+s: Venice allows 20 key creations per minute per account.*handoff-secret/,
    );
    expect(clock.now() - START).toBeLessThanOrEqual(CREATE_WAIT_BUDGET_MS);
  });
});
