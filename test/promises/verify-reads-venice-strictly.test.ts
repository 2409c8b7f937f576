/**
 * README: verify fails "when the key is rejected, expired, not permitted to spend, below
 * a balance, about to expire". An answer it cannot read is not "never expires" and not
 * "enough balance": only null means the key never expires.
 */
import { describe, expect, it } from 'vitest';
import type { VerifyConfig } from '../../src/modes/index.ts';
import { judge } from '../../src/modes/verify/run.ts';
import type { VeniceClient } from '../../src/venice/client.ts';
import { VeniceApiError } from '../../src/venice/errors.ts';
import type { RateLimits } from '../../src/venice/types.ts';

const NOW = new Date('2030-01-01T00:00:00.000Z');
const HOUR = 3_600_000;
const config: VerifyConfig = {
  baseUrl: new URL('https://api.venice.ai/api/v1'),
  timeoutMs: 30_000,
  maxAttempts: 5,
  mode: 'verify',
  apiKey: 'k',
  requireModels: [],
  failOnInvalid: true,
};
const answer = (changes: Record<string, unknown> = {}): RateLimits =>
  ({
    accessPermitted: true,
    apiTier: { id: 'paid', isCharged: true },
    balances: { USD: 10, DIEM: 2 },
    keyExpiration: null,
    nextEpochBegins: '2030-01-02T00:00:00.000Z',
    ...changes,
  }) as RateLimits;
const judged = (changes: Record<string, unknown>, extra: Partial<VerifyConfig> = {}) =>
  judge({ ...config, ...extra }, { rateLimits: async () => answer(changes) } as unknown as VeniceClient, NOW);

describe('verify reads Venice strictly', () => {
  it('a key Venice does not permit to call inference is not valid', async () => {
    expect(await judged({ accessPermitted: false })).toMatchObject({
      valid: false,
      reasons: ['Venice does not permit it to call inference (accessPermitted is false)'],
    });
  });

  // A refused key is an answer about the key (valid=false; fail-on-invalid decides), not a failure to get one.
  it.each([401, 402, 403])('a key Venice refuses with %i is not valid, and verify does not fail on it', async (status) => {
    const refused = new VeniceApiError(`refused ${status}`, {
      kind: 'http',
      status,
      serverMessage: 'Insufficient balance',
      retryable: false,
      outcomeUnknown: false,
      serverWaitMs: undefined,
    });
    const client = { rateLimits: () => Promise.reject(refused) } as unknown as VeniceClient;
    const verdict = await judge(config, client, NOW);
    expect(verdict.valid).toBe(false);
    expect(verdict.reasons).toEqual([status === 401 ? expect.stringContaining('(401)') : expect.stringContaining(`(${status}: `)]);
  });

  it('null is the only "never expires"', async () => {
    expect(await judged({ keyExpiration: null }, { minTtlMs: 2 * HOUR })).toMatchObject({ valid: true });
  });

  it.each([['soon'], ['2030-13-45T00:00:00Z'], [''], [0], ['2030-02-30T00:00:00Z'], [undefined]])(
    'an expiry of %j is not a time, so the key is not valid',
    async (expiry) => {
      const verdict = await judged({ keyExpiration: expiry }, { minTtlMs: 2 * HOUR });
      expect(verdict.valid).toBe(false);
      expect(verdict.reasons).toEqual([expect.stringMatching(/^Venice gave its expiry as .*, which is not a time$/)]);
    },
  );

  it('min-ttl is "at least": exactly min-ttl left is enough, a second less is not', async () => {
    const at = (ms: number) => new Date(NOW.getTime() + ms).toISOString();
    expect((await judged({ keyExpiration: at(2 * HOUR) }, { minTtlMs: 2 * HOUR })).valid).toBe(true);
    expect((await judged({ keyExpiration: at(2 * HOUR - 1_000) }, { minTtlMs: 2 * HOUR })).reasons).toEqual([
      'it expires in 1h 59m 59s, sooner than min-ttl 2h',
    ]);
    expect((await judged({ keyExpiration: at(0) })).reasons).toEqual([`it expired at ${at(0)}`]);
  });

  it.each([['10'], [null], [Number.NaN], [{}]])('a USD balance of %j is not a number, so the key is not valid', async (balance) => {
    const verdict = await judged({ balances: { USD: balance, DIEM: 2 } });
    expect(verdict.valid).toBe(false);
    expect(verdict.reasons).toEqual([expect.stringMatching(/^Venice gave its USD balance as .*, which is not a number$/)]);
  });

  it('a balance Venice leaves out fails only a minimum for it', async () => {
    expect((await judged({ balances: { USD: 10 } })).valid).toBe(true);
    expect((await judged({ balances: { USD: 10 } }, { minBalanceDiem: 1 })).reasons).toEqual([
      'Venice gave no DIEM balance, so min-balance-diem 1 cannot be checked',
    ]);
  });
});
