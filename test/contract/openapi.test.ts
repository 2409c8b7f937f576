/**
 * The contract: what the action sends, and everything the emulator answers, must fit
 * Venice's published OpenAPI spec. Where they disagree, the emulator is wrong.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runJob } from '../../emulator/fake-runner.ts';
import { VeniceEmulator } from '../../emulator/venice-emulator.ts';
import { type MintConfig, parseInputs } from '../../src/modes/index.ts';
import { createBody } from '../../src/modes/mint/run.ts';
import { checkRequest, checkResponse, SPEC_PATH, specAvailable } from '../helpers/openapi.ts';

if (!specAvailable) {
  console.warn(
    `Skipping the OpenAPI contract tests: the vendor's spec is not at ${SPEC_PATH} (it sits in ../shared beside a developer's clone).`,
  );
}

const ADMIN = 'VENICE_ADMIN_KEY_contractcontract';

/** The config the action builds from these inputs, read as the runner passes them. */
function mintConfig(inputs: Record<string, string>): MintConfig {
  for (const name of Object.keys(process.env)) if (name.startsWith('INPUT_')) delete process.env[name];
  for (const [name, value] of Object.entries({ 'admin-key': ADMIN, ...inputs })) process.env[`INPUT_${name.toUpperCase()}`] = value;
  const result = parseInputs();
  if (!result.ok) throw new Error(JSON.stringify(result.problems));
  return result.config as MintConfig;
}

describe.skipIf(!specAvailable)('requests the action sends', () => {
  it.each([
    ['defaults', {}],
    ['USD cap', { 'usd-limit': '2.5' }],
    [
      'both caps, a period and privacy',
      { 'usd-limit': '0', 'diem-limit': '9999999999', 'limit-period': 'MONTH', 'model-privacy': 'PRIVATE_ONLY' },
    ],
    ['an absolute expiry', { 'expires-at': new Date(Date.now() + 86_400_000).toISOString().replace(/\.\d{3}Z$/, 'Z') }],
  ])('create body with %s fits POST /api_keys', (_name, inputs) => {
    const body = createBody(mintConfig(inputs), 'venice-key:0123abcd:1.1:job:abcdefgh a label');
    const verdict = checkRequest('/api_keys', 'POST', body);
    expect(verdict.errors).toBe('');
  });

  it('the bodies the built action puts on the wire fit the spec', async () => {
    const emulator = await new VeniceEmulator().start();
    try {
      await runJob({ inputs: { 'base-url': emulator.url, 'admin-key': emulator.adminKey, 'usd-limit': '1', description: 'contract' } });
      const sent = emulator.log.filter((entry) => entry.body !== undefined);
      expect(sent.map((entry) => entry.method)).toEqual(['POST']);
      for (const entry of sent) expect(checkRequest(entry.path, entry.method, entry.body).errors).toBe('');
    } finally {
      await emulator.stop();
    }
  });

  it('the check has teeth: a body the spec forbids is refused', () => {
    expect(checkRequest('/api_keys', 'POST', { apiKeyType: 'INFERENCE', description: 'x'.repeat(65) }).ok).toBe(false);
    expect(checkRequest('/api_keys', 'POST', { apiKeyType: 'INFERENCE', description: 'd', extra: 1 }).ok).toBe(false);
    expect(checkRequest('/api_keys', 'POST', { apiKeyType: 'INFERENCE', description: 'd', consumptionLimit: { usd: 'ten' } }).ok).toBe(
      false,
    );
  });
});

describe.skipIf(!specAvailable)('answers the emulator gives', () => {
  let emulator: VeniceEmulator;
  beforeAll(async () => {
    emulator = await new VeniceEmulator().start();
  });
  afterAll(async () => {
    await emulator.stop();
  });

  /** Calls the emulator and checks the answer against the spec's operation (`template` for path parameters). */
  async function exchange(method: string, path: string, options: { key?: string | null; body?: unknown; template?: string } = {}) {
    const key = options.key === undefined ? emulator.adminKey : options.key;
    const response = await fetch(`${emulator.url}${path}`, {
      method,
      headers: {
        ...(key ? { authorization: `Bearer ${key}` } : {}),
        ...(options.body === undefined ? {} : { 'content-type': 'application/json' }),
      },
      body: options.body === undefined ? undefined : JSON.stringify(options.body),
    });
    expect(response.headers.get('content-type')).toMatch(/^application\/json/);
    const body = (await response.json()) as Record<string, unknown>;
    const specPath = options.template ?? path.split('?')[0]!;
    const verdict = checkResponse(specPath, method, response.status, body);
    expect(verdict.errors, `${method} ${path} ${response.status} ${JSON.stringify(body)}`).toBe('');
    return { status: response.status, body, declared: verdict.declared };
  }

  it('the check has teeth: an answer the spec forbids is refused', () => {
    expect(checkResponse('/api_keys', 'GET', 200, { object: 'list', data: [{ id: 'x' }] }).ok).toBe(false);
    expect(checkResponse('/api_keys', 'DELETE', 200, { success: true, extra: 1 }).ok).toBe(false);
    expect(checkResponse('/api_keys/rate_limits', 'GET', 200, { data: { accessPermitted: 'yes' } }).ok).toBe(false);
    expect(checkResponse('/api_keys/rate_limits', 'GET', 402, { message: 'no error field' }).ok).toBe(false);
  });

  const future = () => new Date(Date.now() + 3_600_000).toISOString();

  it('GET /models: without a key, with a key, filtered by its privacy', async () => {
    expect((await exchange('GET', '/models', { key: null })).status).toBe(200);
    const all = await exchange('GET', '/models?type=all', { key: emulator.inferenceKey });
    const privateKey = emulator.addKey({ apiKeyType: 'INFERENCE', modelPrivacy: 'PRIVATE_ONLY' });
    const filtered = await exchange('GET', '/models?type=all', { key: privateKey.secret });
    expect((filtered.body.data as unknown[]).length).toBeLessThan((all.body.data as unknown[]).length);
  });

  it('GET /api_keys/rate_limits: 200 for any key, 401 for a bad one, 402 with none', async () => {
    const ok = await exchange('GET', '/api_keys/rate_limits', { key: emulator.inferenceKey });
    expect(ok.status).toBe(200);
    const capped = emulator.addKey({ apiKeyType: 'INFERENCE', consumptionLimits: { usd: 5, diem: null }, expiresAt: future() });
    const cappedLimits = await exchange('GET', '/api_keys/rate_limits', { key: capped.secret });
    expect(cappedLimits.body.data).toMatchObject({ balances: { USD: 5 }, keyExpiration: capped.expiresAt });
    expect((await exchange('GET', '/api_keys/rate_limits', { key: 'VENICE_INFERENCE_KEY_nope' })).status).toBe(401);
    const unpaid = await exchange('GET', '/api_keys/rate_limits', { key: null });
    expect(unpaid).toMatchObject({ status: 402, declared: false });
  });

  it('admin routes refuse an INFERENCE key with 401 "Admin API key required"', async () => {
    const answer = await exchange('GET', '/api_keys', { key: emulator.inferenceKey });
    expect(answer).toMatchObject({ status: 401, body: { error: 'Admin API key required' } });
  });

  it('POST /api_keys: creates; refuses bad bodies with zod-style details', async () => {
    const created = await exchange('POST', '/api_keys', {
      body: {
        apiKeyType: 'INFERENCE',
        description: 'contract',
        expiresAt: future(),
        consumptionLimit: { usd: 1, diem: null },
        limitPeriod: 'LIFETIME',
      },
    });
    expect(created.status).toBe(200);
    const bad: [string, unknown, string][] = [
      ['unknown field', { apiKeyType: 'INFERENCE', description: 'd', colour: 'red' }, 'Unrecognized key'],
      ['bad enum', { apiKeyType: 'ROOT', description: 'd' }, 'apiKeyType'],
      ['bad expiresAt', { apiKeyType: 'INFERENCE', description: 'd', expiresAt: 'tomorrow' }, 'expiresAt'],
      ['past expiresAt', { apiKeyType: 'INFERENCE', description: 'd', expiresAt: '2000-01-01' }, 'expiresAt'],
      ['long description', { apiKeyType: 'INFERENCE', description: 'x'.repeat(65) }, 'description'],
      ['limit out of range', { apiKeyType: 'INFERENCE', description: 'd', consumptionLimit: { usd: -1 } }, 'consumptionLimit'],
      ['missing description', { apiKeyType: 'INFERENCE' }, 'description'],
    ];
    for (const [name, body, mentions] of bad) {
      const answer = await exchange('POST', '/api_keys', { body });
      expect(answer.status, name).toBe(400);
      expect(JSON.stringify(answer.body.details), name).toContain(mentions);
    }
  });

  /** A fresh emulator with tight limits, called directly, its answer checked against the spec. */
  async function createOn(options: ConstructorParameters<typeof VeniceEmulator>[0], attempts: number) {
    const limited = await new VeniceEmulator(options).start();
    try {
      let last: { status: number; body: { error?: string }; reset: string | null } | undefined;
      for (let i = 0; i < attempts; i++) {
        const response = await fetch(`${limited.url}/api_keys`, {
          method: 'POST',
          headers: { authorization: `Bearer ${limited.adminKey}`, 'content-type': 'application/json' },
          body: JSON.stringify({ apiKeyType: 'INFERENCE', description: `key ${i}` }),
        });
        const body = (await response.json()) as { error?: string };
        expect(checkResponse('/api_keys', 'POST', response.status, body).errors).toBe('');
        last = { status: response.status, body, reset: response.headers.get('x-ratelimit-reset-requests') };
      }
      return last;
    } finally {
      await limited.stop();
    }
  }

  it('POST /api_keys: 429 past the creation limit, with the window reset as Unix seconds', async () => {
    const last = await createOn({ creationLimit: 2, creationWindowMs: 60_000 }, 3);
    expect(last?.status).toBe(429);
    const reset = Number(last?.reset) * 1000;
    expect(reset).toBeGreaterThan(Date.now());
    expect(reset).toBeLessThanOrEqual(Date.now() + 61_000);
  });

  it('POST /api_keys: 400 at the cap of active keys', async () => {
    // Two seeded keys are active already.
    const last = await createOn({ activeKeyCap: 3 }, 2);
    expect(last?.status).toBe(400);
    expect(last?.body.error).toMatch(/maximum number of active API keys \(3\)/);
  });

  it("GET /api_keys/rate_limits/log: what the emulator logged (a test's entries, its creation limit); admin only", async () => {
    const key = emulator.addKey({ apiKeyType: 'INFERENCE' });
    emulator.exceedLimit(key.id, 'qwen3-4b', 'TPM');
    emulator.exceedLimit(key.id, 'venice-uncensored', 'FAILED_REQUESTS');
    const answer = await exchange('GET', '/api_keys/rate_limits/log');
    expect(answer).toMatchObject({ status: 200, declared: true, body: { object: 'list' } });
    expect(answer.body.data).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ apiKeyId: key.id, modelId: 'qwen3-4b', rateLimitType: 'TPM', rateLimitTier: 'paid' }),
        expect.objectContaining({ apiKeyId: key.id, rateLimitType: 'FAILED_REQUESTS' }),
      ]),
    );
    expect((await exchange('GET', '/api_keys/rate_limits/log', { key: emulator.inferenceKey })).status).toBe(401);
    expect((await exchange('GET', '/api_keys/rate_limits/log', { key: 'VENICE_ADMIN_KEY_nope' })).status).toBe(401);

    // Past the creation limit, the 429 is logged against the key that asked; the log keeps the last 50.
    const limited = await new VeniceEmulator({ creationLimit: 1 }).start();
    try {
      const create = () =>
        fetch(`${limited.url}/api_keys`, {
          method: 'POST',
          headers: { authorization: `Bearer ${limited.adminKey}`, 'content-type': 'application/json' },
          body: JSON.stringify({ apiKeyType: 'INFERENCE', description: 'limited' }),
        });
      expect((await create()).status).toBe(200);
      expect((await create()).status).toBe(429);
      const readLog = async () => {
        const response = await fetch(`${limited.url}/api_keys/rate_limits/log`, {
          headers: { authorization: `Bearer ${limited.adminKey}` },
        });
        const body = (await response.json()) as { data: { apiKeyId: string; rateLimitType: string }[] };
        expect(checkResponse('/api_keys/rate_limits/log', 'GET', response.status, body).errors).toBe('');
        return body.data;
      };
      const adminId = limited.activeKeys().find((candidate) => candidate.secret === limited.adminKey)?.id;
      expect(await readLog()).toEqual([expect.objectContaining({ apiKeyId: adminId, rateLimitType: 'RPM' })]);
      for (let i = 0; i < 60; i++) limited.exceedLimit('k', 'qwen3-4b', 'RPM');
      expect(await readLog()).toHaveLength(50);
    } finally {
      await limited.stop();
    }
  });

  it('the log check has teeth: an entry the spec does not know is refused', () => {
    const entry = { apiKeyId: 'k', modelId: 'm', rateLimitTier: 'paid', rateLimitType: 'RPM', timestamp: '2030-01-01T00:00:00Z' };
    const check = (data: unknown[]) => checkResponse('/api_keys/rate_limits/log', 'GET', 200, { object: 'list', data }).ok;
    expect(check([entry])).toBe(true);
    expect(check([{ ...entry, rateLimitType: 'RPS' }])).toBe(false);
    expect(check([{ ...entry, extra: 1 }])).toBe(false);
  });

  it('GET /api_keys lists active keys newest first, never the secret; expired keys are gone', async () => {
    const expired = emulator.addKey({ apiKeyType: 'INFERENCE', expiresAt: new Date(Date.now() - 1_000).toISOString() });
    const list = await exchange('GET', '/api_keys');
    const data = list.body.data as { id: string; createdAt: string }[];
    expect(data.map((key) => key.id)).not.toContain(expired.id);
    expect(JSON.stringify(list.body)).not.toContain('VENICE_');
    const times = data.map((key) => Date.parse(key.createdAt));
    expect(times).toEqual([...times].sort((a, b) => b - a));
    expect((await exchange('GET', '/api_keys/rate_limits', { key: expired.secret })).status).toBe(401);
  });

  it('GET /api_keys/{id}, PATCH and DELETE, and their 400s for unknown ids', async () => {
    const key = emulator.addKey({ apiKeyType: 'INFERENCE', description: 'to change' });
    const template = '/api_keys/{id}';
    expect((await exchange('GET', `/api_keys/${key.id}`, { template })).status).toBe(200);
    expect((await exchange('GET', '/api_keys/unknown', { template })).status).toBe(400);
    const patch = { id: key.id, description: 'changed', expiresAt: null, consumptionLimit: { usd: 3 }, limitPeriod: 'MONTH' };
    expect(checkRequest('/api_keys', 'PATCH', patch).errors).toBe('');
    const patched = await exchange('PATCH', '/api_keys', { body: patch });
    expect(patched.body.data).toMatchObject({ description: 'changed', consumptionLimits: { usd: 3 }, limitPeriod: 'MONTH' });
    expect((await exchange('PATCH', '/api_keys', { body: { id: 'unknown', description: 'x' } })).status).toBe(400);
    expect((await exchange('PATCH', '/api_keys', { body: { id: key.id, secret: 'x' } })).status).toBe(400);
    expect((await exchange('DELETE', `/api_keys?id=${key.id}`)).status).toBe(200);
    const gone = await exchange('DELETE', `/api_keys?id=${key.id}`);
    expect(gone).toMatchObject({ status: 400, body: { error: 'API key could not be found' } });
  });
});
