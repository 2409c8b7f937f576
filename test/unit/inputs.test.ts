import { describe, expect, it } from 'vitest';
import { type Config, inputFromEnv, isSecureOrigin, type MintConfig, parseInputs, splitList } from '../../src/lib/inputs.ts';

const NOW = new Date('2030-01-01T00:00:00.000Z');
const ADMIN = 'VENICE_ADMIN_KEY_testtesttest';
const INFERENCE = 'VENICE_INFERENCE_KEY_testtesttest';

function parse(inputs: Record<string, string>) {
  return parseInputs((name) => inputs[name] ?? '', NOW);
}

function config(inputs: Record<string, string>): Config {
  const result = parse(inputs);
  if (!result.ok) throw new Error(JSON.stringify(result.problems));
  return result.config;
}

function problems(inputs: Record<string, string>): string[] {
  const result = parse(inputs);
  return result.ok ? [] : result.problems.map((p) => `${p.input}: ${p.message}`);
}

describe('mode', () => {
  it('auto picks verify for api-key and mint for admin-key', () => {
    expect(config({ 'api-key': INFERENCE }).mode).toBe('verify');
    expect(config({ 'admin-key': ADMIN }).mode).toBe('mint');
  });

  it('auto with both keys, or neither, is an error that says what to do', () => {
    expect(problems({ 'api-key': INFERENCE, 'admin-key': ADMIN })).toEqual([expect.stringMatching(/^mode: 'auto' cannot choose: both/)]);
    expect(problems({})).toEqual([expect.stringMatching(/^mode: 'auto' needs a key.*forks or by Dependabot/)]);
  });

  it('rejects an unknown mode and accepts any case', () => {
    expect(problems({ mode: 'destroy', 'admin-key': ADMIN })).toEqual([
      "mode: 'destroy' is not a mode. Use one of: auto, verify, mint, revoke, prune.",
    ]);
    expect(config({ mode: 'PRUNE', 'admin-key': ADMIN }).mode).toBe('prune');
  });

  it('warns about inputs the chosen mode ignores', () => {
    const result = parse({ 'api-key': INFERENCE, ttl: '2h' });
    expect(result.warnings).toEqual(["Input 'ttl' is only used in mode 'mint'; mode 'verify' ignores it."]);
    const both = parse({ mode: 'verify', 'api-key': INFERENCE, 'admin-key': ADMIN });
    expect(both.warnings).toEqual(["Input 'admin-key' is only used in mode 'mint', 'revoke', 'prune'; mode 'verify' ignores it."]);
  });
});

describe('mint', () => {
  const mint = (inputs: Record<string, string>) => config({ 'admin-key': ADMIN, ...inputs }) as MintConfig;

  it('defaults to a one-hour key that the post step revokes', () => {
    expect(mint({})).toMatchObject({
      expiresAt: new Date('2030-01-01T01:00:00.000Z'),
      revoke: true,
      label: '',
      usdLimit: undefined,
      limitPeriod: undefined,
      exportEnv: undefined,
    });
  });

  it.each([
    ['90s', 90_000],
    ['30m', 1_800_000],
    ['2h', 7_200_000],
    ['1d', 86_400_000],
    ['1h30m', 5_400_000],
    ['600', 600_000],
  ])('ttl %s', (ttl, ms) => {
    expect(mint({ ttl }).expiresAt.getTime() - NOW.getTime()).toBe(ms);
  });

  it('bounds ttl to 1 minute .. 30 days and rejects what is not a duration', () => {
    expect(problems({ 'admin-key': ADMIN, ttl: '59s' })).toEqual(["ttl: '59s' is out of range: it must be at least 1m and at most 30d."]);
    expect(problems({ 'admin-key': ADMIN, ttl: '31d' })).toHaveLength(1);
    expect(problems({ 'admin-key': ADMIN, ttl: 'soon' })).toEqual([
      "ttl: 'soon' is not a duration. Use e.g. 90s, 30m, 2h, 1d, 1h30m, or plain seconds.",
    ]);
    expect(mint({ ttl: '30d' }).expiresAt.toISOString()).toBe('2030-01-31T00:00:00.000Z');
  });

  it('takes expires-at instead of ttl, in the future, with a zone; not both', () => {
    expect(mint({ 'expires-at': '2030-01-02T12:30:00+02:00' }).expiresAt.toISOString()).toBe('2030-01-02T10:30:00.000Z');
    expect(problems({ 'admin-key': ADMIN, 'expires-at': '2029-12-31T23:00:00Z' })).toEqual([
      expect.stringMatching(/^expires-at: '2029-12-31T23:00:00Z' must be between 1m and 30d from now/),
    ]);
    expect(problems({ 'admin-key': ADMIN, 'expires-at': '2030-01-02' })).toEqual([
      expect.stringMatching(/not an ISO 8601 time with a zone/),
    ]);
    expect(problems({ 'admin-key': ADMIN, 'expires-at': '2030-01-02T00:00:00Z', ttl: '1h' })).toEqual([
      expect.stringMatching(/^expires-at: cannot be combined with 'ttl'/),
    ]);
  });

  it('caps default to a LIFETIME period; explicit periods and privacy are normalised', () => {
    expect(mint({ 'usd-limit': '2.50' })).toMatchObject({ usdLimit: 2.5, diemLimit: undefined, limitPeriod: 'LIFETIME' });
    expect(mint({ 'diem-limit': '0', 'limit-period': 'month' })).toMatchObject({ diemLimit: 0, limitPeriod: 'MONTH' });
    expect(mint({ 'model-privacy': 'private_only' }).modelPrivacy).toBe('PRIVATE_ONLY');
    expect(mint({}).limitPeriod).toBeUndefined();
  });

  it('rejects caps that are negative, not numbers, or beyond what Venice accepts', () => {
    for (const value of ['-1', 'ten', '1e3', '10000000000']) {
      expect(problems({ 'admin-key': ADMIN, 'usd-limit': value })).toEqual([
        `usd-limit: '${value}' must be a number from 0 to 9999999999, e.g. 5 or 2.50.`,
      ]);
    }
  });

  it('validates export-env as a name of our own', () => {
    expect(mint({ 'export-env': 'VENICE_API_KEY' }).exportEnv).toBe('VENICE_API_KEY');
    expect(problems({ 'admin-key': ADMIN, 'export-env': '1KEY' })).toEqual([expect.stringMatching(/is not an environment variable name/)]);
    expect(problems({ 'admin-key': ADMIN, 'export-env': 'GITHUB_TOKEN' })).toEqual([expect.stringMatching(/is reserved/)]);
    expect(problems({ 'admin-key': ADMIN, 'export-env': 'NODE_OPTIONS' })).toEqual([expect.stringMatching(/is reserved/)]);
  });

  it('says an INFERENCE key cannot be the admin-key, and warns about an unknown prefix', () => {
    expect(problems({ mode: 'mint', 'admin-key': INFERENCE })).toEqual([expect.stringMatching(/^admin-key: holds an INFERENCE key/)]);
    expect(parse({ 'admin-key': 'sk-something' }).warnings).toEqual([
      "'admin-key' does not start with VENICE_ADMIN_KEY_; using it anyway.",
    ]);
  });

  it('keeps control characters out of the label', () => {
    expect(mint({ description: 'a\tb\u0007c' }).label).toBe('a b c');
  });

  it('reads booleans strictly', () => {
    expect(mint({ revoke: 'FALSE' }).revoke).toBe(false);
    expect(problems({ 'admin-key': ADMIN, revoke: 'no' })).toEqual(["revoke: 'no' must be true or false."]);
  });
});

describe('verify, revoke, prune', () => {
  it('verify: thresholds, models and min-ttl', () => {
    expect(
      config({ 'api-key': INFERENCE, 'min-balance-usd': '1.5', 'require-models': 'a, b\nc', 'min-ttl': '30m', 'fail-on-invalid': 'false' }),
    ).toMatchObject({
      minBalanceUsd: 1.5,
      minBalanceDiem: undefined,
      requireModels: ['a', 'b', 'c'],
      minTtlMs: 1_800_000,
      failOnInvalid: false,
    });
    expect(problems({ mode: 'verify' })).toEqual([expect.stringMatching(/^api-key: is empty/)]);
    expect(parse({ 'api-key': ADMIN }).warnings).toEqual([expect.stringMatching(/^'api-key' holds an ADMIN key/)]);
  });

  it('revoke: ids split on commas and newlines, deduplicated; a secret is not an id', () => {
    expect(config({ mode: 'revoke', 'admin-key': ADMIN, 'key-id': 'a1, b2\nb2\n' })).toMatchObject({ keyIds: ['a1', 'b2'] });
    expect(problems({ mode: 'revoke', 'admin-key': ADMIN })).toEqual([expect.stringMatching(/^key-id: is empty/)]);
    expect(problems({ mode: 'revoke', 'admin-key': ADMIN, 'key-id': INFERENCE })).toEqual([
      expect.stringMatching(/^key-id: holds a key's secret, not its id/),
    ]);
    expect(problems({ mode: 'revoke', 'admin-key': ADMIN, 'key-id': 'a b' })).toEqual([expect.stringMatching(/is not a key id/)]);
  });

  it('prune: older-than defaults to 6h; dry-run to false', () => {
    expect(config({ mode: 'prune', 'admin-key': ADMIN })).toMatchObject({ olderThanMs: 6 * 3_600_000, dryRun: false });
    expect(config({ mode: 'prune', 'admin-key': ADMIN, 'older-than': '0', 'dry-run': 'true' })).toMatchObject({
      olderThanMs: 0,
      dryRun: true,
    });
  });
});

describe('connection settings', () => {
  it('defaults', () => {
    expect(config({ 'api-key': INFERENCE })).toMatchObject({ timeoutMs: 30_000, maxAttempts: 5 });
    expect(config({ 'api-key': INFERENCE }).baseUrl.href).toBe('https://api.venice.ai/api/v1');
  });

  it('refuses plain HTTP except to loopback, and URLs with credentials', () => {
    expect(problems({ 'api-key': INFERENCE, 'base-url': 'http://api.venice.ai/api/v1' })).toEqual([expect.stringMatching(/is not HTTPS/)]);
    expect(problems({ 'api-key': INFERENCE, 'base-url': 'https://u:p@host/' })).toEqual([
      expect.stringMatching(/must not carry credentials/),
    ]);
    expect(problems({ 'api-key': INFERENCE, 'base-url': 'not a url' })).toEqual([expect.stringMatching(/is not a URL/)]);
    for (const url of ['http://127.0.0.1:8080/api/v1', 'http://localhost:1/', 'http://[::1]:2/', 'https://api.venice.ai/api/v1']) {
      expect(isSecureOrigin(new URL(url))).toBe(true);
    }
    for (const url of ['http://10.0.0.1/', 'http://127.0.0.1.evil.example/', 'ftp://127.0.0.1/']) {
      expect(isSecureOrigin(new URL(url))).toBe(false);
    }
  });

  it('bounds timeout and max-attempts', () => {
    expect(problems({ 'api-key': INFERENCE, timeout: '0s', 'max-attempts': '0' })).toEqual([
      "timeout: '0s' is out of range: it must be at least 1s and at most 10m.",
      "max-attempts: '0' must be a whole number from 1 to 10.",
    ]);
  });

  it('reports all problems at once', () => {
    expect(problems({ 'admin-key': ADMIN, ttl: 'x', 'usd-limit': 'y', 'model-privacy': 'z' })).toHaveLength(3);
  });
});

describe('helpers', () => {
  it('reads INPUT_ variables as the runner sets them: upper case, hyphens kept, trimmed', () => {
    const get = inputFromEnv({ 'INPUT_API-KEY': '  k  ', INPUT_MODE: 'verify' });
    expect(get('api-key')).toBe('k');
    expect(get('mode')).toBe('verify');
    expect(get('ttl')).toBe('');
  });

  it('splits lists', () => {
    expect(splitList(' a,,b \n c ')).toEqual(['a', 'b', 'c']);
  });
});
