/**
 * README: "a key that differs from the request is deleted, not handed out", and "with a
 * cap, it can never spend more than usd-limit". Every field asked for is compared.
 */
import { describe, expect, it } from 'vitest';
import type { MintConfig } from '../../src/modes/index.ts';
import { createBody, differencesFromRequest } from '../../src/modes/mint/run.ts';
import type { CreatedKey } from '../../src/venice/types.ts';

const asked: MintConfig = {
  baseUrl: new URL('https://api.venice.ai/api/v1'),
  timeoutMs: 30_000,
  maxAttempts: 5,
  mode: 'mint',
  adminKey: 'k',
  expiresAt: new Date('2030-01-01T01:00:00.000Z'),
  label: '',
  scope: 'job',
  usdLimit: 2,
  limitPeriod: 'LIFETIME',
  modelPrivacy: 'PRIVATE_ONLY',
  openaiEnv: false,
};

/** What Venice answers when it makes exactly what was asked. */
function made(config: MintConfig, changes: Partial<CreatedKey> = {}): CreatedKey {
  const body = createBody(config, 'name');
  return {
    apiKey: 'VENICE_INFERENCE_KEY_x',
    id: 'id',
    apiKeyType: 'INFERENCE',
    description: 'name',
    expiresAt: body.expiresAt ?? null,
    consumptionLimit: body.consumptionLimit ?? { usd: null, diem: null },
    limitPeriod: body.limitPeriod ?? 'EPOCH',
    modelPrivacy: body.modelPrivacy ?? 'ALL',
    ...changes,
  };
}

describe('the minted key is the key that was asked for, field by field', () => {
  it('accepts the key asked for, and an expiry Venice rounded by up to a minute', () => {
    expect(differencesFromRequest(asked, made(asked))).toEqual([]);
    expect(differencesFromRequest(asked, made(asked, { expiresAt: '2030-01-01T01:01:00.000Z' }))).toEqual([]);
  });

  it.each<[string, Partial<CreatedKey>, RegExp]>([
    ['another type', { apiKeyType: 'ADMIN' }, /^type ADMIN instead of INFERENCE$/],
    ['no expiry', { expiresAt: null }, /^expiry never instead of 2030-01-01T01:00:00.000Z$/],
    ['an expiry past the minute of rounding', { expiresAt: '2030-01-01T01:01:01.000Z' }, /^expiry/],
    ['an expiry that is not a time', { expiresAt: 'soon' }, /^expiry "soon"/],
    ['a higher USD cap', { consumptionLimit: { usd: 3, diem: null } }, /^USD cap 3 instead of 2$/],
    ['no USD cap', { consumptionLimit: { usd: null, diem: null } }, /^USD cap "none" instead of 2$/],
    ['a DIEM cap nobody asked for', { consumptionLimit: { usd: 2, diem: 5 } }, /^DIEM cap 5 instead of none$/],
    [
      'a DIEM cap left unstated',
      { consumptionLimit: { usd: 2 } as CreatedKey['consumptionLimit'] },
      /^DIEM cap not stated instead of none$/,
    ],
    ['a daily reset instead of a lifetime cap', { limitPeriod: 'EPOCH' }, /^cap period "EPOCH" instead of LIFETIME$/],
    ['all models instead of private ones', { modelPrivacy: 'ALL' }, /^model privacy "ALL" instead of PRIVATE_ONLY$/],
  ])('names %s as a difference', (_what, changes, difference) => {
    expect(differencesFromRequest(asked, made(asked, changes))).toEqual([expect.stringMatching(difference)]);
  });

  it('holds Venice to a cap of 0: a key that may spend nothing is not handed out uncapped', () => {
    const nothing: MintConfig = { ...asked, usdLimit: 0 };
    expect(differencesFromRequest(nothing, made(nothing))).toEqual([]);
    expect(differencesFromRequest(nothing, made(nothing, { consumptionLimit: { usd: null, diem: null } }))).toEqual([
      'USD cap "none" instead of 0',
    ]);
  });

  it('names every difference at once (the issue: an EPOCH cap on ALL models passed)', () => {
    const differences = differencesFromRequest(asked, made(asked, { limitPeriod: 'EPOCH', modelPrivacy: 'ALL' }));
    expect(differences).toHaveLength(2);
  });

  it('does not hold Venice to what was not asked: no cap, no privacy', () => {
    const plain: MintConfig = { ...asked, usdLimit: undefined, limitPeriod: undefined, modelPrivacy: undefined };
    expect(differencesFromRequest(plain, made(plain, { limitPeriod: 'EPOCH', modelPrivacy: 'ALL' }))).toEqual([]);
  });
});
