/** The Venice client against undici's MockAgent: retries, waits, timeouts, error mapping, redaction. */
import { MockAgent } from 'undici';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { type ClientOptions, VeniceClient } from '../../src/venice/client.ts';
import { flattenDetails, VeniceApiError } from '../../src/venice/errors.ts';

const ORIGIN = 'https://api.venice.test';
const KEY = 'VENICE_ADMIN_KEY_mockmockmockmock';
const NOW = 1_900_000_000_000;

let agent: MockAgent;
let waits: number[];
let debug: string[];

beforeEach(() => {
  agent = new MockAgent();
  agent.disableNetConnect();
  waits = [];
  debug = [];
});
afterEach(async () => {
  await agent.close();
});

function client(options: Partial<ClientOptions> = {}): VeniceClient {
  let clock = NOW;
  return new VeniceClient({
    baseUrl: new URL(`${ORIGIN}/api/v1`),
    key: KEY,
    timeoutMs: 1_000,
    maxAttempts: 4,
    dispatcher: agent,
    random: () => 0.5,
    now: () => clock,
    sleep: async (ms) => {
      waits.push(ms);
      clock += ms;
    },
    debug: (line) => debug.push(line),
    ...options,
  });
}

const pool = () => agent.get(ORIGIN);
const json = { headers: { 'content-type': 'application/json' } };
const RATE_LIMITS = {
  data: {
    accessPermitted: true,
    apiTier: { id: 'paid', isCharged: true },
    balances: { USD: 10, DIEM: 1 },
    keyExpiration: null,
    nextEpochBegins: '2030-01-01T00:00:00.000Z',
    rateLimits: [],
  },
};

describe('requests', () => {
  it('sends the key as a Bearer token to the API root and parses the answer', async () => {
    pool()
      .intercept({ path: '/api/v1/api_keys/rate_limits', method: 'GET', headers: { authorization: `Bearer ${KEY}` } })
      .reply(200, RATE_LIMITS, json);
    await expect(client().rateLimits()).resolves.toEqual(RATE_LIMITS.data);
    expect(debug).toEqual([expect.stringMatching(/^GET \/api_keys\/rate_limits -> 200 \(attempt 1\/4, \d+ ms\)$/)]);
  });

  it('sends a create body as JSON, once', async () => {
    let sent: unknown;
    pool()
      .intercept({ path: '/api/v1/api_keys', method: 'POST' })
      .reply(
        200,
        (options) => {
          sent = JSON.parse(String(options.body));
          return { success: true, data: { id: 'k1', apiKey: 'VENICE_INFERENCE_KEY_x' } };
        },
        json,
      );
    const body = { apiKeyType: 'INFERENCE' as const, description: 'd', expiresAt: '2030-01-01T00:00:00.000Z' };
    await expect(client().createKey(body)).resolves.toMatchObject({ id: 'k1' });
    expect(sent).toEqual(body);
  });

  it('deletes by id in the query', async () => {
    pool().intercept({ path: '/api/v1/api_keys?id=k1', method: 'DELETE' }).reply(200, { success: true }, json);
    await expect(client().deleteKey('k1')).resolves.toBe('deleted');
  });

  const listed = (...ids: string[]) => ({
    object: 'list',
    data: ids.map((id) => ({ id, apiKeyType: 'INFERENCE', description: 'd', createdAt: null, expiresAt: null, last6Chars: 'abcdef' })),
  });

  it.each([
    ['the plain envelope', { error: 'API key could not be found' }],
    ['the detailed envelope', { error: 'Invalid request parameters', details: { _errors: ['API key could not be found'] } }],
    ['a body with no words at all', { error: 'Bad Request' }],
  ])('a refused DELETE (%s) of a key the list no longer holds is already gone', async (_name, body) => {
    pool().intercept({ path: '/api/v1/api_keys?id=k2', method: 'DELETE' }).reply(400, body, json);
    pool().intercept({ path: '/api/v1/api_keys', method: 'GET' }).reply(200, listed('other'), json);
    await expect(client().deleteKey('k2')).resolves.toBe('already-gone');
  });

  it('a refused DELETE of a key the list still holds is a failure, whatever the answer says', async () => {
    pool().intercept({ path: '/api/v1/api_keys?id=k3', method: 'DELETE' }).reply(400, '<html>404 not found</html>');
    pool().intercept({ path: '/api/v1/api_keys', method: 'GET' }).reply(200, listed('k3'), json);
    await expect(client().deleteKey('k3')).rejects.toMatchObject({ status: 400 });
  });

  it('a refused DELETE that cannot be checked is a failure', async () => {
    pool().intercept({ path: '/api/v1/api_keys?id=k4', method: 'DELETE' }).reply(400, { error: 'API key could not be found' }, json);
    pool().intercept({ path: '/api/v1/api_keys', method: 'GET' }).reply(500, { error: 'down' }, json).times(4);
    await expect(client().deleteKey('k4')).rejects.toMatchObject({ status: 400 });
  });

  it('finds a key by its details route, or by the list when the route refuses the id', async () => {
    const details = { data: listed('k5').data[0] };
    pool().intercept({ path: '/api/v1/api_keys/k5', method: 'GET' }).reply(200, details, json);
    await expect(client().findKey('k5')).resolves.toMatchObject({ id: 'k5' });
    pool().intercept({ path: '/api/v1/api_keys/k6', method: 'GET' }).reply(400, { error: 'Invalid request parameters' }, json);
    pool().intercept({ path: '/api/v1/api_keys', method: 'GET' }).reply(200, listed('k7'), json);
    await expect(client().findKey('k6')).resolves.toBeUndefined();
  });

  // Only a refusal of the id is settled by the list; a rate limit or a refused key would refuse the list too.
  it.each([401, 403, 429])('does not fall back to the list when the details route answers %i', async (status) => {
    pool().intercept({ path: '/api/v1/api_keys/k8', method: 'GET' }).reply(status, { error: 'no' }, json).times(4);
    await expect(client().findKey('k8')).rejects.toMatchObject({ status });
  });

  it('refuses a plain-HTTP base URL off this machine', () => {
    expect(() => client({ baseUrl: new URL('http://api.venice.ai/api/v1') })).toThrow(/Refusing to send a key/);
  });
});

describe('retries', () => {
  it('retries 5xx and 429 with backoff, then succeeds', async () => {
    pool().intercept({ path: '/api/v1/api_keys', method: 'GET' }).reply(503, { error: 'busy' }, json);
    pool().intercept({ path: '/api/v1/api_keys', method: 'GET' }).reply(429, { error: 'Rate limit exceeded' }, json);
    pool().intercept({ path: '/api/v1/api_keys', method: 'GET' }).reply(200, { object: 'list', data: [] }, json);
    await expect(client().listKeys()).resolves.toEqual([]);
    expect(waits).toEqual([750, 1_250]); // backoff with jitter 0.5: [500, 1000] then [500, 2000]
  });

  it('waits until x-ratelimit-reset-requests (or Retry-After), plus a spread', async () => {
    pool()
      .intercept({ path: '/api/v1/api_keys', method: 'GET' })
      .reply(429, { error: 'Rate limit exceeded' }, { headers: { 'x-ratelimit-reset-requests': String(NOW / 1000 + 20) } });
    pool()
      .intercept({ path: '/api/v1/api_keys', method: 'GET' })
      .reply(503, { error: 'down' }, { headers: { 'retry-after': '4' } });
    pool().intercept({ path: '/api/v1/api_keys', method: 'GET' }).reply(200, { object: 'list', data: [] }, json);
    await client().listKeys();
    expect(waits).toEqual([20_000 + 2_500, 4_000 + 500]);
  });

  it('gives up after max-attempts with the last error', async () => {
    pool().intercept({ path: '/api/v1/api_keys', method: 'GET' }).reply(500, { error: 'An unknown error occurred' }, json).times(4);
    await expect(client().listKeys()).rejects.toThrow('GET /api_keys answered 500: "An unknown error occurred"');
    expect(waits).toHaveLength(3);
  });

  it('stops waiting when the retry budget would be exceeded', async () => {
    pool()
      .intercept({ path: '/api/v1/api_keys', method: 'GET' })
      .reply(429, { error: 'Rate limit exceeded' }, { headers: { 'retry-after': '120' } });
    await expect(client({ retryBudgetMs: 60_000 }).listKeys()).rejects.toMatchObject({ status: 429 });
    expect(waits).toEqual([]);
  });

  // Every step ends by itself: a server asking for a long wait does not get it beyond five minutes.
  it.each([
    ['waits out', '240', 1],
    ['does not wait out', '301', 0],
  ])('by default %s a 429 asking for %s s (the budget is five minutes)', async (_what, retryAfter, waited) => {
    const limited = pool().intercept({ path: '/api/v1/api_keys', method: 'GET' });
    limited.reply(429, { error: 'Rate limit exceeded' }, { headers: { 'retry-after': retryAfter } });
    if (waited) pool().intercept({ path: '/api/v1/api_keys', method: 'GET' }).reply(200, { object: 'list', data: [] }, json);
    const listed = client().listKeys();
    if (waited) await expect(listed).resolves.toEqual([]);
    else await expect(listed).rejects.toMatchObject({ status: 429 });
    expect(waits).toHaveLength(waited);
  });

  it.each([400, 401, 402, 403, 404])('does not retry a %i', async (status) => {
    pool().intercept({ path: '/api/v1/api_keys/rate_limits', method: 'GET' }).reply(status, { error: 'no' }, json);
    await expect(client().rateLimits()).rejects.toMatchObject({ status, retryable: false });
    expect(waits).toEqual([]);
  });

  it('never repeats a create, even on a retryable failure: the caller must reconcile first', async () => {
    pool().intercept({ path: '/api/v1/api_keys', method: 'POST' }).reply(500, { error: 'oops' }, json);
    const error = await client()
      .createKey({ apiKeyType: 'INFERENCE', description: 'd' })
      .catch((e: unknown) => e);
    expect(error).toMatchObject({ status: 500, retryable: true, outcomeUnknown: true });
    expect(waits).toEqual([]);
  });

  it('a 429 on create is known not to have made a key', async () => {
    pool().intercept({ path: '/api/v1/api_keys', method: 'POST' }).reply(429, { error: 'Rate limit exceeded' }, json);
    await expect(client().createKey({ apiKeyType: 'INFERENCE', description: 'd' })).rejects.toMatchObject({
      status: 429,
      outcomeUnknown: false,
    });
  });
});

describe('the rate-limit log (experimental): one attempt, whatever the client allows others', () => {
  const LOG = '/api/v1/api_keys/rate_limits/log';
  const ENTRY = { apiKeyId: 'k1', modelId: 'qwen3-4b', rateLimitTier: 'paid', rateLimitType: 'RPM', timestamp: '2030-01-01T10:00:00Z' };

  it('reads the entries', async () => {
    pool()
      .intercept({ path: LOG, method: 'GET' })
      .reply(200, { object: 'list', data: [ENTRY] }, json);
    await expect(client().rateLimitLog()).resolves.toEqual([ENTRY]);
    expect(debug).toEqual([expect.stringMatching(/^GET \/api_keys\/rate_limits\/log -> 200 \(attempt 1\/1, \d+ ms\)$/)]);
  });

  it.each([
    ['a 500', 500, { error: 'An unknown error occurred' }],
    ['a 429', 429, { error: 'Rate limit exceeded' }],
    ['a 404', 404, { error: 'Not found' }],
  ])('%s is not retried', async (_name, status, body) => {
    // A second answer stands ready: a retry would take it and succeed.
    pool().intercept({ path: LOG, method: 'GET' }).reply(status, body, json);
    pool().intercept({ path: LOG, method: 'GET' }).reply(200, { object: 'list', data: [] }, json);
    await expect(client().rateLimitLog()).rejects.toMatchObject({ status });
    expect(waits).toEqual([]);
    expect(debug).toHaveLength(1);
  });

  it('a timeout is not retried', async () => {
    pool().intercept({ path: LOG, method: 'GET' }).reply(200, { object: 'list', data: [] }, json).delay(500);
    await expect(client({ timeoutMs: 100 }).rateLimitLog()).rejects.toMatchObject({ kind: 'timeout' });
    expect(waits).toEqual([]);
  });

  it.each([
    ['no data', { object: 'list' }],
    ['data not a list', { object: 'list', data: { entries: [] } }],
    ['an entry without a key id', { object: 'list', data: [{ ...ENTRY, apiKeyId: undefined }] }],
    ['a timestamp that is not a time', { object: 'list', data: [{ ...ENTRY, timestamp: 'soon' }] }],
  ])('an answer with %s is an invalid answer', async (_name, body) => {
    pool().intercept({ path: LOG, method: 'GET' }).reply(200, body, json);
    await expect(client().rateLimitLog()).rejects.toMatchObject({ kind: 'invalid-answer', retryable: false });
  });
});

describe('timeouts and transport failures', () => {
  it('times out a request that does not answer in time, and retries it', async () => {
    pool().intercept({ path: '/api/v1/api_keys/rate_limits', method: 'GET' }).reply(200, RATE_LIMITS, json).delay(500);
    pool().intercept({ path: '/api/v1/api_keys/rate_limits', method: 'GET' }).reply(200, RATE_LIMITS, json);
    await expect(client({ timeoutMs: 100 }).rateLimits()).resolves.toEqual(RATE_LIMITS.data);
    expect(waits).toHaveLength(1);
    expect(debug[0]).toMatch(/-> timeout/);
  });

  it('reports a timeout as one whose outcome is unknown', async () => {
    pool().intercept({ path: '/api/v1/api_keys', method: 'POST' }).reply(200, {}, json).delay(500);
    await expect(client({ timeoutMs: 100 }).createKey({ apiKeyType: 'INFERENCE', description: 'd' })).rejects.toMatchObject({
      kind: 'timeout',
      outcomeUnknown: true,
      message: 'POST /api_keys timed out after 100 ms.',
    });
  });

  it('maps a connection error to a retryable network error', async () => {
    pool().intercept({ path: '/api/v1/api_keys', method: 'GET' }).replyWithError(new Error('socket hang up')).times(4);
    await expect(client().listKeys()).rejects.toMatchObject({ kind: 'network', retryable: true });
    expect(waits).toHaveLength(3);
  });
});

describe('error messages', () => {
  it("carry the server's message, status and validation details, never the key or a header", async () => {
    pool()
      .intercept({ path: '/api/v1/api_keys', method: 'POST' })
      .reply(
        400,
        {
          error: `Invalid request for ${KEY}`,
          details: { _errors: [], description: { _errors: ['String must contain at most 64 character(s)'] } },
        },
        { headers: { 'content-type': 'application/json', 'set-cookie': 'session=abc' } },
      );
    const error = (await client()
      .createKey({ apiKeyType: 'INFERENCE', description: 'd' })
      .catch((e: unknown) => e)) as VeniceApiError;
    expect(error).toBeInstanceOf(VeniceApiError);
    expect(error.message).toBe(
      'POST /api_keys answered 400: "Invalid request for ***", "description: String must contain at most 64 character(s)"',
    );
    expect(error.message).not.toContain('session');
    expect(JSON.stringify(error)).not.toContain(KEY);
  });

  it("redact the server's own words too, which verify quotes: a key of any shape echoed there is gone", async () => {
    const opaque = 'opaque-inference-secret-789';
    pool()
      .intercept({ path: '/api/v1/api_keys/rate_limits', method: 'GET' })
      .reply(402, { error: `Insufficient balance for ${opaque}` }, json);
    const error = (await client({ key: opaque })
      .rateLimits()
      .catch((e: unknown) => e)) as VeniceApiError;
    expect(error.serverMessage).toBe('Insufficient balance for ***');
  });

  it('redact a non-JSON body and an unrecognised key shape', async () => {
    const opaque = 'opaque-admin-secret-123';
    pool().intercept({ path: '/api/v1/api_keys', method: 'GET' }).reply(401, `<html>bad token ${opaque}</html>`);
    await expect(client({ key: opaque }).listKeys()).rejects.toThrow('GET /api_keys answered 401: "<html>bad token ***</html>"');
  });

  it('redact a key with characters JSON escapes, when a body that is not JSON echoes it escaped', async () => {
    const opaque = 'opaque"admin\\secret-456';
    const echoed = `<pre>{"token": ${JSON.stringify(opaque)}}</pre>`;
    pool().intercept({ path: '/api/v1/api_keys', method: 'GET' }).reply(401, echoed);
    const error = (await client({ key: opaque })
      .listKeys()
      .catch((e: unknown) => e)) as VeniceApiError;
    expect(error.message).toContain('***');
    expect(error.message).not.toContain('secret-456');
  });

  it('flattens zod-style detail trees', () => {
    expect(flattenDetails({ _errors: ['top'], a: { _errors: ['x'], b: { _errors: ['y'] } } })).toEqual(['top', 'a: x', 'a.b: y']);
    expect(flattenDetails(undefined)).toEqual([]);
  });
});

describe('answers that are not what Venice gives', () => {
  it('a 2xx with the wrong shape is an invalid answer that points at base-url, not a crash', async () => {
    pool().intercept({ path: '/api/v1/api_keys/rate_limits', method: 'GET' }).reply(200, {}, json);
    pool()
      .intercept({ path: '/api/v1/api_keys', method: 'GET' })
      .reply(200, { data: { id: 'x' } }, json);
    await expect(client().rateLimits()).rejects.toMatchObject({
      kind: 'invalid-answer',
      message: 'GET /api_keys/rate_limits answered 2xx with data Venice does not give; check base-url.',
    });
    await expect(client().listKeys()).rejects.toMatchObject({ kind: 'invalid-answer', retryable: false });
  });

  it('a 2xx body that is not JSON is never quoted: it may hold a secret of any shape', async () => {
    const secret = 'opaque-secret-with-no-prefix-0123456789';
    pool()
      .intercept({ path: '/api/v1/api_keys', method: 'POST' })
      .reply(200, `<html>your key: ${secret.slice(0, 30)}</html>`);
    const error = (await client()
      .createKey({ apiKeyType: 'INFERENCE', description: 'd' })
      .catch((e: unknown) => e)) as VeniceApiError;
    expect(error.message).toMatch(/^POST \/api_keys: the answer \(200\) is not JSON \(\d+ characters\); check base-url\.$/);
    expect(error.outcomeUnknown).toBe(true);
  });

  it('an error body is redacted before it is cut, so no part of the key survives at the cut', async () => {
    const opaque = 'opaque-admin-secret-0123456789abcdef';
    const padding = 'x'.repeat(290);
    pool()
      .intercept({ path: '/api/v1/api_keys', method: 'GET' })
      .reply(401, { error: `${padding}${opaque}` }, json);
    const error = (await client({ key: opaque })
      .listKeys()
      .catch((e: unknown) => e)) as VeniceApiError;
    expect(error.message).toContain('***');
    expect(error.message).not.toContain(opaque.slice(0, 10));
  });

  it('a request that cannot be built is not sent, not retried, and known to have made nothing', async () => {
    const error = (await client({ key: 'VENICE_ADMIN_KEY_line\nbreak' })
      .createKey({ apiKeyType: 'INFERENCE', description: 'd' })
      .catch((e: unknown) => e)) as VeniceApiError;
    expect(error).toMatchObject({ kind: 'not-sent', retryable: false, outcomeUnknown: false });
    expect(error.message).toMatch(/^POST \/api_keys was not sent: the request could not be built/);
    expect(error.message).not.toContain('break');
    expect(waits).toEqual([]);
  });
});

describe('what a request may not do', () => {
  it('follow a redirect: a 3xx is an answer that points at base-url', async () => {
    pool()
      .intercept({ path: '/api/v1/api_keys', method: 'GET' })
      .reply(302, '', { headers: { location: `${ORIGIN}/elsewhere` } });
    pool().intercept({ path: '/elsewhere', method: 'GET' }).reply(200, { data: [] }, json);
    await expect(client({ maxAttempts: 1 }).listKeys()).rejects.toMatchObject({
      status: 302,
      message: expect.stringMatching(/redirects are not followed/),
    });
    expect(agent.pendingInterceptors()).toHaveLength(1);
  });

  it('read more than 1 MiB, even when the server does not say how long its answer is', async () => {
    pool()
      .intercept({ path: '/api/v1/api_keys', method: 'GET' })
      .reply(200, `{"data":[],"x":"${'x'.repeat(1024 * 1024)}"}`);
    await expect(client().listKeys()).rejects.toMatchObject({ kind: 'oversize', retryable: false });
  });

  it('outlive its timeout: each attempt is bounded by exactly timeout', async () => {
    const timeouts = vi.spyOn(AbortSignal, 'timeout');
    pool().intercept({ path: '/api/v1/api_keys', method: 'GET' }).reply(200, { object: 'list', data: [] }, json);
    await client({ timeoutMs: 1234 }).listKeys();
    expect(timeouts).toHaveBeenCalledWith(1234);
    timeouts.mockRestore();
  });
});
