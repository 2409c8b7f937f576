/** The pure decisions of the modes: what a create sends, what prune picks, what verify accepts, what spend adds up to. */
import { describe, expect, it } from 'vitest';
import { removedKeys } from '../../src/lifecycle/deletion.ts';
import { keyName } from '../../src/lifecycle/naming.ts';
import { rateLimitHits } from '../../src/lifecycle/rate-limits.ts';
import { spendCells, spentTotals } from '../../src/lifecycle/spend.ts';
import type { MintConfig, VerifyConfig } from '../../src/modes/index.ts';
import { createBody } from '../../src/modes/mint/run.ts';
import { CLOCK_SKEW_MS, decide, usedAfterRun } from '../../src/modes/prune/run.ts';
import { judge } from '../../src/modes/verify/run.ts';
import type { VeniceClient } from '../../src/venice/client.ts';
import type { ListedKey, RateLimitLogEntry, RateLimits } from '../../src/venice/types.ts';

const connection = { baseUrl: new URL('https://api.venice.ai/api/v1'), timeoutMs: 30_000, maxAttempts: 5 };

describe('createBody', () => {
  const base: MintConfig = {
    ...connection,
    mode: 'mint',
    adminKey: 'k',
    expiresAt: new Date('2030-01-01T01:00:00.000Z'),
    label: '',
    scope: 'job',
    openaiEnv: false,
  };

  it('sends only what was asked for: an INFERENCE key, its name and its expiry', () => {
    expect(createBody(base, 'name')).toEqual({ apiKeyType: 'INFERENCE', description: 'name', expiresAt: '2030-01-01T01:00:00.000Z' });
  });

  it('sends both caps when one is set (the other null), with period and privacy', () => {
    expect(createBody({ ...base, usdLimit: 0, limitPeriod: 'LIFETIME', modelPrivacy: 'PRIVATE_ONLY' }, 'n')).toMatchObject({
      consumptionLimit: { usd: 0, diem: null },
      limitPeriod: 'LIFETIME',
      modelPrivacy: 'PRIVATE_ONLY',
    });
  });
});

describe('prune decisions', () => {
  const run = { repository: 'o/r', runId: '100', runAttempt: '1' };
  const now = new Date('2030-01-01T12:00:00Z');
  const HOUR = 3_600_000;
  const key = (runId: string, scope: 'job' | 'keep' | 'run', ageHours: number | null): ListedKey => ({
    id: `${runId}-${scope}-${ageHours}`,
    apiKeyType: 'INFERENCE',
    description: keyName({ ...run, runId }, scope, 'abcdefgh'),
    createdAt: ageHours === null ? null : new Date(now.getTime() - ageHours * HOUR).toISOString(),
    expiresAt: null,
    last6Chars: 'abcdef',
  });
  const verdicts = (decisions: ReturnType<typeof decide>) => decisions.map((d) => [d.key.id, d.remove, d.reason]);

  it('with run states: finished runs go whatever their age, running ones stay, revoke: false keys and missing runs go by age', () => {
    const states = new Map([
      ['1', 'completed'],
      ['2', 'active'],
      ['3', 'missing'],
    ] as const);
    const keys = [
      key('1', 'job', 0.1),
      key('2', 'run', 48),
      key('1', 'keep', 1),
      key('1', 'keep', 7),
      key('3', 'job', 7),
      key('3', 'job', 1),
    ];
    expect(verdicts(decide(keys, 6 * HOUR, now, new Map(states)))).toEqual([
      ['1-job-0.1', true, 'its run 1 has finished'],
      ['2-run-48', false, 'its run 2 is still in progress'],
      ['1-keep-1', false, 'minted with revoke: false, so judged by age; not older than 6h'],
      ['1-keep-7', true, 'minted with revoke: false, so judged by age; older than 6h'],
      ['3-job-7', true, 'its run 3 was not found; older than 6h'],
      ['3-job-1', false, 'its run 3 was not found; not older than 6h'],
    ]);
  });

  it('without run states, everything goes by age; a key without a creation time stays', () => {
    const keys = [key('1', 'job', 7), key('2', 'job', 5), key('2', 'job', null)];
    expect(verdicts(decide(keys, 6 * HOUR, now))).toEqual([
      ['1-job-7', true, 'run states unknown; older than 6h'],
      ['2-job-5', false, 'run states unknown; not older than 6h'],
      ['2-job-null', false, 'run states unknown, and Venice gives no creation time'],
    ]);
  });

  it('"older than" is strict: a key exactly older-than old stays', () => {
    expect(decide([key('1', 'keep', 6)], 6 * HOUR, now)[0]?.remove).toBe(false);
  });

  it('skips anything it did not name', () => {
    expect(decide([{ ...key('1', 'job', 9), description: 'hand-made' }], 0, now)).toEqual([]);
  });
});

describe('the used-after-run tripwire', () => {
  const run = { repository: 'o/r', runId: '100', runAttempt: '1' };
  const ended = '2030-01-01T10:00:00Z';
  const after = (ms: number) => new Date(Date.parse(ended) + ms).toISOString();
  const key = (runId: string, scope: 'job' | 'keep' | 'run', lastUsedAt: string | null | undefined): ListedKey => ({
    id: `${runId}-${scope}-${lastUsedAt}`,
    apiKeyType: 'INFERENCE',
    description: keyName({ ...run, runId }, scope, 'abcdefgh'),
    createdAt: '2030-01-01T09:00:00Z',
    expiresAt: null,
    last6Chars: 'abcdef',
    lastUsedAt,
  });
  const now = new Date('2030-01-01T12:00:00Z');
  const flagged = (keys: ListedKey[], states: [string, 'completed' | 'active' | 'missing'][] | undefined, endedAt = [['1', ended]]) =>
    decide(keys, 6 * 3_600_000, now, states && new Map(states), new Map(endedAt as [string, string][])).map((d) => [
      d.key.id,
      d.remove,
      d.usedAfterRun,
    ]);

  it('allows exactly a minute for clock skew: +60 s is the run, +61 s is not', () => {
    expect(CLOCK_SKEW_MS).toBe(60_000);
    expect(usedAfterRun(after(60_000), ended)).toBeUndefined();
    expect(usedAfterRun(after(61_000), ended)).toEqual({ lastUsedAt: after(61_000), runEndedAt: '2030-01-01T10:00:00.000Z' });
    expect(usedAfterRun(after(-3_600_000), ended)).toBeUndefined();
  });

  it('needs both times, readable: no lastUsedAt, or no end time, is no alarm', () => {
    expect(usedAfterRun(null, ended)).toBeUndefined();
    expect(usedAfterRun(undefined, ended)).toBeUndefined();
    expect(usedAfterRun(after(120_000), undefined)).toBeUndefined();
    expect(usedAfterRun('yesterday-ish', ended)).toBeUndefined();
  });

  it('flags only keys of completed runs, still deletes them, and never asks about revoke: false keys', () => {
    const late = after(61_000);
    expect(
      flagged([key('1', 'job', late), key('1', 'run', after(60_000)), key('1', 'job', null), key('1', 'keep', late)], [['1', 'completed']]),
    ).toEqual([
      [`1-job-${late}`, true, { lastUsedAt: late, runEndedAt: '2030-01-01T10:00:00.000Z' }],
      [`1-run-${after(60_000)}`, true, undefined],
      ['1-job-null', true, undefined],
      [`1-keep-${late}`, false, undefined],
    ]);
  });

  it('no alarm while the run is in progress, when it was not found, or when run states are unknown', () => {
    const late = after(3_600_000);
    const keys = [key('1', 'job', late)];
    expect(flagged(keys, [['1', 'active']])).toEqual([[`1-job-${late}`, false, undefined]]);
    expect(flagged(keys, [['1', 'missing']])).toEqual([[`1-job-${late}`, false, undefined]]);
    expect(flagged(keys, undefined)).toEqual([[`1-job-${late}`, false, undefined]]);
    // Completed, but GitHub gave no end time.
    expect(flagged(keys, [['1', 'completed']], [])).toEqual([[`1-job-${late}`, true, undefined]]);
  });
});

describe('rate-limit forensics', () => {
  const entry = (apiKeyId: string, modelId: string, rateLimitType: RateLimitLogEntry['rateLimitType'], timestamp: string) => ({
    apiKeyId,
    modelId,
    rateLimitTier: 'paid',
    rateLimitType,
    timestamp,
  });

  it("keeps the deleted keys' entries, per key, model and type: how many, first and last", () => {
    const log = [
      entry('k1', 'qwen3-4b', 'RPM', '2030-01-01T10:05:00Z'),
      entry('other', 'qwen3-4b', 'RPM', '2030-01-01T10:04:00Z'),
      entry('k1', 'qwen3-4b', 'RPM', '2030-01-01T10:01:00Z'),
      entry('k1', 'qwen3-4b', 'TPM', '2030-01-01T10:02:00Z'),
      entry('k2', 'venice-uncensored', 'FAILED_REQUESTS', '2030-01-01T10:03:00.500Z'),
      entry('k1', 'qwen3-4b', 'RPM', '2030-01-01T10:03:00Z'),
    ];
    expect(rateLimitHits(log, ['k1', 'k2', 'k3'])).toEqual([
      { keyId: 'k1', modelId: 'qwen3-4b', type: 'RPM', count: 3, first: '2030-01-01T10:01:00.000Z', last: '2030-01-01T10:05:00.000Z' },
      { keyId: 'k1', modelId: 'qwen3-4b', type: 'TPM', count: 1, first: '2030-01-01T10:02:00.000Z', last: '2030-01-01T10:02:00.000Z' },
      {
        keyId: 'k2',
        modelId: 'venice-uncensored',
        type: 'FAILED_REQUESTS',
        count: 1,
        first: '2030-01-01T10:03:00.500Z',
        last: '2030-01-01T10:03:00.500Z',
      },
    ]);
    expect(rateLimitHits(log, [])).toEqual([]);
    expect(rateLimitHits([], ['k1'])).toEqual([]);
  });
});

describe('verify', () => {
  const config: VerifyConfig = { ...connection, mode: 'verify', apiKey: 'k', requireModels: [], failOnInvalid: true };
  const limits = (usd: number, diem: number): RateLimits => ({
    accessPermitted: true,
    apiTier: { id: 'paid', isCharged: true },
    balances: { USD: usd, DIEM: diem },
    keyExpiration: null,
    nextEpochBegins: '2030-01-02T00:00:00.000Z',
  });
  const client = (answer: RateLimits) => ({ rateLimits: async () => answer }) as unknown as VeniceClient;

  it('a balance equal to the minimum is enough; a cent less is not', async () => {
    const now = new Date();
    const withMinimums = { ...config, minBalanceUsd: 5, minBalanceDiem: 2 };
    expect((await judge(withMinimums, client(limits(5, 2)), now)).valid).toBe(true);
    expect((await judge(withMinimums, client(limits(4.99, 2)), now)).reasons).toEqual(['its USD balance 4.99 is below min-balance-usd 5']);
    expect((await judge(withMinimums, client(limits(5, 1.99)), now)).reasons).toEqual([
      'its DIEM balance 1.99 is below min-balance-diem 2',
    ]);
  });
});

describe('spend totals', () => {
  const listed = (usd: string, diem: string): ListedKey => ({
    id: usd,
    apiKeyType: 'INFERENCE',
    createdAt: null,
    expiresAt: null,
    last6Chars: '',
    usage: { trailingSevenDays: { usd, diem } },
  });

  it('adds what the deleted keys spent, without float noise, and nothing for keys not deleted', () => {
    expect(
      spentTotals(
        removedKeys([
          { key: listed('0.1000', '0.2000'), outcome: 'deleted' },
          { key: listed('0.2000', '0.0001'), outcome: 'deleted' },
          { key: listed('5.0000', '5.0000'), outcome: 'failed' },
          { key: listed('7.0000', '7.0000'), outcome: 'already-gone' },
        ]),
      ),
    ).toEqual({ usd: '0.3', diem: '0.2001' });
    expect(spentTotals([])).toEqual({ usd: '0', diem: '0' });
  });

  // An amount that cannot be read is unknown, not 0, and never NaN in an output.
  it.each([
    ['no DIEM amount', { usd: '1.5' }],
    ['an empty USD amount', { usd: '', diem: '1' }],
    ['a null USD amount', { usd: null, diem: '1' }],
    ['a USD amount that is not a number', { usd: 'n/a', diem: '1' }],
    ['a negative DIEM amount', { usd: '1', diem: '-2' }],
  ])('a key with %s: its spend is unknown and adds nothing', (_what, amounts) => {
    const key = { ...listed('1', '1'), usage: { trailingSevenDays: amounts } } as unknown as ListedKey;
    expect(spendCells(key)).toEqual(['unknown', 'unknown', 'never']);
    expect(spentTotals([key, listed('0.5', '0.25')])).toEqual({ usd: '0.5', diem: '0.25' });
  });
});
