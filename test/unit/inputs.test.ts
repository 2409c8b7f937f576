import { afterEach, describe, expect, it } from 'vitest';
import { type Config, type MintConfig, parseInputs, type VerifyConfig } from '../../src/modes/index.ts';
import { InputReader, spec } from '../../src/runner/inputs.ts';
import { InputError } from '../../src/runner/parsers.ts';
import { isSecureOrigin } from '../../src/venice/client.ts';

const NOW = new Date('2030-01-01T00:00:00.000Z');
const ADMIN = 'VENICE_ADMIN_KEY_testtesttest';
const INFERENCE = 'VENICE_INFERENCE_KEY_testtesttest';

/** Sets the inputs as the runner does (INPUT_<NAME>, hyphens kept) and parses them through @actions/core. */
function parse(inputs: Record<string, string>) {
  clearInputs();
  for (const [name, value] of Object.entries(inputs)) process.env[`INPUT_${name.toUpperCase()}`] = value;
  return parseInputs(NOW);
}

function clearInputs() {
  for (const name of Object.keys(process.env)) if (name.startsWith('INPUT_')) delete process.env[name];
}
afterEach(clearInputs);

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
    expect(problems({ 'api-key': INFERENCE, 'admin-key': ADMIN })).toEqual([
      expect.stringMatching(/^mode: 'auto' cannot choose: 'api-key' and 'admin-key' are both set. Set 'mode' to one of 'verify', 'mint'/),
    ]);
    expect(problems({})).toEqual([expect.stringMatching(/^mode: 'auto' needs a key.*forks and from Dependabot/)]);
    expect(problems({ 'api-key': INFERENCE, handoff: 'vkh1.x' })).toEqual([
      "mode: 'auto' cannot choose: 'api-key' and 'handoff' are both set. Set 'mode' to one of 'verify', 'receive', or give only one of them.",
    ]);
  });

  it('rejects an unknown mode and accepts any case', () => {
    expect(problems({ mode: 'destroy', 'admin-key': ADMIN })).toEqual([
      "mode: 'destroy' is not a mode. Use one of: auto, verify, mint, receive, revoke, prune.",
    ]);
    expect(config({ mode: 'PRUNE', 'admin-key': ADMIN }).mode).toBe('prune');
  });

  it('warns about inputs the chosen mode ignores', () => {
    const result = parse({ 'api-key': INFERENCE, ttl: '2h' });
    expect(result.warnings).toEqual(["Input 'ttl' is only used in mode 'mint'; mode 'verify' ignores it."]);
    const both = parse({ mode: 'verify', 'api-key': INFERENCE, 'admin-key': ADMIN });
    expect(both.warnings).toEqual(["Input 'admin-key' is only used in mode 'mint', 'revoke', 'prune'; mode 'verify' ignores it."]);
  });

  it("says nothing of github-token, which action.yml's default sets in every mode", () => {
    expect(parse({ 'api-key': INFERENCE, 'github-token': 'ghs_thedefaulttoken' }).warnings).toEqual([]);
  });
});

describe('mint', () => {
  const mint = (inputs: Record<string, string>) => config({ 'admin-key': ADMIN, ...inputs }) as MintConfig;

  it('defaults to a one-hour key that the post step revokes', () => {
    expect(mint({})).toMatchObject({
      expiresAt: new Date('2030-01-01T01:00:00.000Z'),
      scope: 'job',
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
    expect(problems({ 'admin-key': ADMIN, 'expires-at': '2030-01-31T00:00:01Z' })).toEqual([
      expect.stringMatching(/^expires-at: '2030-01-31T00:00:01Z' must be between 1m and 30d from now/),
    ]);
    // The bounds are in: exactly a minute and exactly 30 days ahead are accepted, like ttl: 1m and ttl: 30d.
    expect(mint({ 'expires-at': '2030-01-01T00:01:00Z' }).expiresAt.toISOString()).toBe('2030-01-01T00:01:00.000Z');
    expect(mint({ 'expires-at': '2030-01-31T00:00:00Z' }).expiresAt.toISOString()).toBe('2030-01-31T00:00:00.000Z');
    expect(problems({ 'admin-key': ADMIN, 'expires-at': '2030-01-01T00:00:59Z' })).toEqual([
      expect.stringMatching(/must be between 1m and 30d/),
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
    // A cap of 0 is a cap: a key that may spend nothing, for ever.
    expect(mint({ 'usd-limit': '0' })).toMatchObject({ usdLimit: 0, limitPeriod: 'LIFETIME' });
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
    // Windows ignores the case of variable names: Path is PATH there.
    for (const reserved of ['NODE_OPTIONS', 'node_options', 'Path', 'home', 'github_token', 'Runner_Temp']) {
      expect(problems({ 'admin-key': ADMIN, 'export-env': reserved })).toEqual([expect.stringMatching(/is reserved/)]);
    }
  });

  it('openai-env: off by default; refused beside an export-env of a name it sets, in any case', () => {
    expect(mint({}).openaiEnv).toBe(false);
    expect(mint({ 'openai-env': 'true', 'export-env': 'VENICE_API_KEY' })).toMatchObject({ openaiEnv: true, exportEnv: 'VENICE_API_KEY' });
    // Without openai-env, OPENAI_API_KEY is a name like any other.
    expect(mint({ 'export-env': 'OPENAI_API_KEY' }).exportEnv).toBe('OPENAI_API_KEY');
    for (const name of ['OPENAI_API_KEY', 'openai_base_url', 'OpenAI_Api_Key']) {
      expect(problems({ 'admin-key': ADMIN, 'openai-env': 'true', 'export-env': name })).toEqual([
        expect.stringMatching(new RegExp(`^export-env: is '${name}', a variable 'openai-env: true' sets itself`)),
      ]);
    }
    expect(problems({ 'admin-key': ADMIN, 'openai-env': 'yes' })).toEqual(["openai-env: 'yes' must be true or false."]);
  });

  it('says an INFERENCE key cannot be the admin-key, and warns about an unknown prefix', () => {
    expect(problems({ mode: 'mint', 'admin-key': INFERENCE })).toEqual([expect.stringMatching(/^admin-key: holds an INFERENCE key/)]);
    expect(parse({ 'admin-key': 'sk-something' }).warnings).toEqual([
      "'admin-key' does not start with VENICE_ADMIN_KEY_; using it anyway.",
    ]);
  });

  it('reads booleans as YAML 1.2 does, through @actions/core', () => {
    expect(mint({ revoke: 'FALSE' }).scope).toBe('keep');
    expect(mint({ revoke: 'True' }).scope).toBe('job');
    expect(problems({ 'admin-key': ADMIN, revoke: 'no' })).toEqual(["revoke: 'no' must be true or false."]);
    expect(problems({ 'admin-key': ADMIN, revoke: 'tRUE' })).toEqual(["revoke: 'tRUE' must be true or false."]);
  });

  it('with handoff-secret, mints a key for the run that the post step leaves alone', () => {
    const secret = 's'.repeat(32);
    expect(mint({ 'handoff-secret': secret })).toMatchObject({ scope: 'run', handoffSecret: secret });
    expect(problems({ 'admin-key': ADMIN, 'handoff-secret': secret, revoke: 'true' })).toEqual([
      expect.stringMatching(/^revoke: is true, but with 'handoff-secret' the key is made for the run's later jobs/),
    ]);
    // Saying what handoff-secret implies anyway is no problem.
    expect(mint({ 'handoff-secret': secret, revoke: 'false' })).toMatchObject({ scope: 'run' });
  });

  it('refuses a short handoff-secret, and the admin key as the handoff-secret, before any request', () => {
    expect(problems({ 'admin-key': ADMIN, 'handoff-secret': 'short' })).toEqual([
      expect.stringMatching(/^handoff-secret: is 5 characters long; it must be at least 32/),
    ]);
    const longAdmin = `${ADMIN}${'x'.repeat(20)}`;
    expect(problems({ 'admin-key': longAdmin, 'handoff-secret': longAdmin })).toEqual([
      expect.stringMatching(/^handoff-secret: is the admin key/),
    ]);
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

  it('receive: needs the handoff and its secret; auto chooses it when a handoff is given', () => {
    const secret = 's'.repeat(40);
    expect(config({ handoff: 'vkh1.a.1.b', 'handoff-secret': secret })).toMatchObject({ mode: 'receive', handoffSecret: secret });
    expect(problems({ mode: 'receive' })).toEqual([
      expect.stringMatching(/^handoff: is empty/),
      expect.stringMatching(/^handoff-secret: is empty/),
    ]);
  });

  it('receive: openai-env exports the shared base-url; the same refusal as mint; other modes ignore it', () => {
    const inputs = { handoff: 'vkh1.a.1.b', 'handoff-secret': 's'.repeat(40), 'openai-env': 'true' };
    expect(config({ ...inputs, 'base-url': 'https://gateway.example/api/v1' })).toMatchObject({
      openaiEnv: true,
      baseUrl: new URL('https://gateway.example/api/v1'),
    });
    expect(config(inputs)).toMatchObject({ baseUrl: new URL('https://api.venice.ai/api/v1') });
    expect(problems({ ...inputs, 'export-env': 'OPENAI_BASE_URL' })).toEqual([expect.stringMatching(/^export-env: is 'OPENAI_BASE_URL'/)]);
    expect(parse({ 'api-key': INFERENCE, 'openai-env': 'true' }).warnings).toEqual([
      "Input 'openai-env' is only used in mode 'mint', 'receive'; mode 'verify' ignores it.",
    ]);
  });

  it('handoff inputs given to a mode that does not take them are errors, not warnings', () => {
    expect(problems({ 'api-key': INFERENCE, 'handoff-secret': 's'.repeat(40) })).toEqual([
      "handoff-secret: is only used in mode 'mint', 'receive'; mode 'verify' does not take it. Remove it from this step.",
    ]);
    expect(problems({ mode: 'mint', 'admin-key': ADMIN, handoff: 'vkh1.x' })).toEqual([
      "handoff: is only used in mode 'receive'; mode 'mint' does not take it. Remove it from this step.",
    ]);
  });

  it('revoke: without key-id, every key of this run; ids split on commas and newlines, deduplicated; a secret is not an id', () => {
    expect(config({ mode: 'revoke', 'admin-key': ADMIN })).toMatchObject({ keyIds: [] });
    expect(config({ mode: 'revoke', 'admin-key': ADMIN, 'key-id': 'a1, b2\nb2\n' })).toMatchObject({ keyIds: ['a1', 'b2'] });
    expect(problems({ mode: 'revoke', 'admin-key': ADMIN, 'key-id': INFERENCE })).toEqual([
      expect.stringMatching(/^key-id: holds a key's secret, not its id/),
    ]);
    expect(problems({ mode: 'revoke', 'admin-key': ADMIN, 'key-id': 'a b' })).toEqual([expect.stringMatching(/is not a key id/)]);
  });

  it('prune: older-than defaults to 6h; dry-run to false; github-token as given', () => {
    expect(config({ mode: 'prune', 'admin-key': ADMIN, 'github-token': 'ghs_x' })).toMatchObject({
      olderThanMs: 6 * 3_600_000,
      dryRun: false,
      githubToken: 'ghs_x',
    });
    expect(config({ mode: 'prune', 'admin-key': ADMIN, 'older-than': '0', 'dry-run': 'true' })).toMatchObject({
      olderThanMs: 0,
      dryRun: true,
    });
  });
});

describe('connection settings', () => {
  it('defaults', () => {
    expect(config({ 'api-key': INFERENCE })).toMatchObject({ timeoutMs: 30_000, maxAttempts: 5 });
    expect((config({ 'api-key': INFERENCE }) as VerifyConfig).baseUrl.href).toBe('https://api.venice.ai/api/v1');
  });

  it('refuses plain HTTP except to loopback, and URLs with credentials', () => {
    expect(problems({ 'api-key': INFERENCE, 'base-url': 'http://api.venice.ai/api/v1' })).toEqual([expect.stringMatching(/is not HTTPS/)]);
    expect(problems({ 'api-key': INFERENCE, 'base-url': 'https://u:p@host/' })).toEqual([
      expect.stringMatching(/must not carry credentials/),
    ]);
    expect(problems({ 'api-key': INFERENCE, 'base-url': 'not a url' })).toEqual([expect.stringMatching(/is not a URL/)]);
    for (const url of [
      'http://127.0.0.1:8080/api/v1',
      'http://127.9.8.7/',
      'http://localhost:1/',
      'http://[::1]:2/',
      'https://api.venice.ai/api/v1',
    ]) {
      expect(isSecureOrigin(new URL(url))).toBe(true);
    }
    // Loopback is exactly localhost, ::1 and 127.0.0.0/8: a name that merely ends or starts like one is a remote host.
    const remote = ['http://10.0.0.1/', 'http://127.0.0.1.evil.example/', 'http://notlocalhost/', 'http://localhost.evil.example/'];
    for (const url of [...remote, 'http://[::2]/', 'http://128.0.0.1/', 'ftp://127.0.0.1/']) {
      expect(isSecureOrigin(new URL(url))).toBe(false);
    }
  });

  it('bounds timeout and max-attempts', () => {
    expect(problems({ 'api-key': INFERENCE, timeout: '0s', 'max-attempts': '0' })).toEqual([
      "timeout: '0s' is out of range: it must be at least 1s and at most 10m.",
      "max-attempts: '0' must be a whole number from 1 to 10.",
    ]);
    // Only digits: '3x' read as a number would be NaN, and no attempt count ever reaches NaN.
    for (const value of ['3x', '2.5', '1e1', '11']) {
      expect(problems({ 'api-key': INFERENCE, 'max-attempts': value })).toEqual([
        `max-attempts: '${value}' must be a whole number from 1 to 10.`,
      ]);
    }
  });

  it('reports every problem at once, an input given to the wrong mode among them', () => {
    expect(problems({ mode: 'mint', 'admin-key': ADMIN, handoff: 'vkh1.x', ttl: 'soon' }).map((problem) => problem.split(':')[0])).toEqual([
      'handoff',
      'ttl',
    ]);
  });

  it("reports every problem at once with mode 'auto' too: a problem with a shared input hides none of the mode's", () => {
    expect(
      problems({ 'admin-key': ADMIN, 'base-url': 'http://api.example.com', ttl: 'forever' }).map((problem) => problem.split(':')[0]),
    ).toEqual(['base-url', 'ttl']);
    expect(problems({ timeout: 'soon' }).map((problem) => problem.split(':')[0])).toEqual(['timeout', 'mode']);
  });

  it('reports all problems at once', () => {
    expect(problems({ 'admin-key': ADMIN, ttl: 'x', 'usd-limit': 'y', 'model-privacy': 'z' })).toHaveLength(3);
  });
});

describe('what no request could carry', () => {
  it('refuses a key an HTTP header cannot carry, without echoing it', () => {
    for (const bad of [`${INFERENCE}\u201d`, `${INFERENCE} trailing`, `${INFERENCE}\nsecond-line`]) {
      const found = problems({ 'api-key': bad });
      expect(found).toEqual([expect.stringMatching(/^api-key: holds characters an HTTP header cannot carry/)]);
      expect(found.join()).not.toContain('trailing');
    }
    expect(problems({ mode: 'mint', 'admin-key': `${ADMIN}\u2019s` })).toEqual([
      expect.stringMatching(/^admin-key: holds characters an HTTP header cannot carry/),
    ]);
  });

  it('refuses a base-url with a query or fragment, even an empty one, without echoing it', () => {
    for (const url of ['https://gw.example/api/v1?', 'https://gw.example/api/v1#', 'https://gw.example/api/v1?token=s3cret']) {
      const found = problems({ 'api-key': INFERENCE, 'base-url': url });
      expect(found).toEqual([expect.stringMatching(/^base-url: has a query or a fragment/)]);
      expect(found.join()).not.toContain('s3cret');
    }
  });

  it('refuses an expires-at on a day that does not exist, rather than rolling it over', () => {
    expect(problems({ 'admin-key': ADMIN, 'expires-at': '2030-02-30T10:00:00Z' })).toEqual([
      "expires-at: '2030-02-30T10:00:00Z' names a day that does not exist. Use e.g. 2030-01-31T18:00:00Z.",
    ]);
  });

  it('refuses the admin key in a receiving job', () => {
    expect(problems({ handoff: 'vkh1.x', 'handoff-secret': 's'.repeat(40), 'admin-key': ADMIN, mode: 'receive' })).toEqual([
      expect.stringMatching(/^admin-key: must not be given to mode 'receive'/),
    ]);
  });
});

describe('reading', () => {
  it('reads INPUT_ variables as the runner sets them: upper case, hyphens kept, trimmed', () => {
    expect(config({ 'api-key': `  ${INFERENCE}  `, mode: ' verify ' })).toMatchObject({ mode: 'verify', apiKey: INFERENCE });
  });

  it('splits lists on commas and newlines', () => {
    expect(config({ 'api-key': INFERENCE, 'require-models': ' a,,b \n c ' })).toMatchObject({ requireModels: ['a', 'b', 'c'] });
  });

  // A user can fix an input; nobody can fix our parser from a workflow, so its bug is not
  // worded as the user's mistake.
  it("a parser's own bug is thrown, not reported as a problem with the input", () => {
    clearInputs();
    process.env.INPUT_TTL = '2h';
    const reader = new InputReader();
    const buggy = spec<number>(() => {
      throw new TypeError('cannot read properties of undefined');
    });
    expect(() => reader.read({ ttl: buggy })).toThrow(TypeError);
    expect(reader.problems).toEqual([]);

    const refusing = spec<number>(() => {
      throw new InputError("'2h' is too long. Use 1h or less.");
    });
    expect(reader.read({ ttl: refusing })).toEqual({ ttl: undefined });
    expect(reader.problems).toEqual([{ input: 'ttl', message: "'2h' is too long. Use 1h or less." }]);
  });
});
