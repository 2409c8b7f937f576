/** The pure parts of the modes: what a create sends, and what prune picks. */
import { describe, expect, it } from 'vitest';
import type { MintConfig } from '../../src/lib/inputs.ts';
import { createBody } from '../../src/lib/modes/mint.ts';
import { selectStale } from '../../src/lib/modes/prune.ts';
import { keyDescription, repoTag } from '../../src/lib/naming.ts';
import type { ListedKey } from '../../src/lib/venice.ts';

describe('createBody', () => {
  const base: MintConfig = {
    mode: 'mint',
    adminKey: 'k',
    baseUrl: new URL('https://api.venice.ai/api/v1'),
    timeoutMs: 30_000,
    maxAttempts: 5,
    expiresAt: new Date('2030-01-01T01:00:00.000Z'),
    label: '',
    revoke: true,
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

describe('selectStale', () => {
  const run = { repository: 'o/r', runId: '1', runAttempt: '1' };
  const now = Date.parse('2030-01-01T12:00:00Z');
  const key = (fields: Partial<ListedKey>): ListedKey => ({
    id: Math.random().toString(36),
    apiKeyType: 'INFERENCE',
    description: keyDescription(run, 'abcdefgh'),
    createdAt: '2030-01-01T00:00:00Z',
    expiresAt: null,
    last6Chars: 'abcdef',
    ...fields,
  });

  it("picks this repository's INFERENCE keys named by this action and older than the cut-off", () => {
    const stale = key({});
    const keys = [
      stale,
      key({ createdAt: '2030-01-01T11:59:00Z' }),
      key({ apiKeyType: 'ADMIN' }),
      key({ description: keyDescription({ ...run, repository: 'o/other' }, 'abcdefgh') }),
      key({ description: 'hand-made key' }),
      key({ description: undefined }),
      key({ createdAt: null }),
    ];
    expect(selectStale(keys, repoTag('o/r'), now - 3_600_000)).toEqual([stale]);
  });
});
