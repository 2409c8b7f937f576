/** Mint's create loop on undici's MockAgent, for the cases too slow or too rare to stage end to end. */
import { expect, it } from 'vitest';
import { mint } from '../../src/modes/mint/run.ts';
import { useRunnerFiles } from '../helpers/in-process.ts';
import { MOCK_ORIGIN, MOCK_RUN, mockMintConfig, useMockVenice } from '../helpers/mock-venice.ts';

const ORIGIN = MOCK_ORIGIN;
const RUN = MOCK_RUN;
const files = useRunnerFiles();
const venice = useMockVenice();
const config = mockMintConfig();
const client = () => venice.client(config);
/** What the post step would be handed: the last ledger saved (an empty one is saved as ''). */
const ledger = () => files.ledger(config.adminKey, RUN);

it('gives up at once, saying why, when the creation limit resets later than it may wait', async () => {
  const reset = Math.ceil(Date.now() / 1000) + 10 * 60;
  venice
    .agent()
    .get(ORIGIN)
    .intercept({ path: '/api/v1/api_keys', method: 'POST' })
    .reply(429, { error: 'Rate limit exceeded' }, { headers: { 'x-ratelimit-reset-requests': String(reset) } });
  await expect(mint(config, client(), RUN)).rejects.toThrow(
    /^Gave up creating the key after waiting \d+ms: Venice allows 20 key creations per minute per account/,
  );
  venice.agent().assertNoPendingInterceptors();
  // A 429 made no key: nothing is left for the post step.
  expect(ledger()).toEqual([]);
});

it('fails naming the orphan when a lost answer cannot be reconciled, and leaves its name to the post step', async () => {
  const pool = venice.agent().get(ORIGIN);
  pool.intercept({ path: '/api/v1/api_keys', method: 'POST' }).replyWithError(new Error('other side closed'));
  pool.intercept({ path: '/api/v1/api_keys', method: 'GET' }).reply(500, { error: 'down' }).times(5);
  await expect(mint(config, client(), RUN)).rejects.toThrow(
    /^A key named "venice-key:[0-9a-f]{8}:7\.1:job:[0-9a-z]{8}" may have been created, but its answer was lost/,
  );
  expect(ledger()).toEqual([{ name: expect.stringMatching(/^venice-key:[0-9a-f]{8}:7\.1:job:/), sentAt: expect.any(Number) }]);
});

it.each([
  ['an HTML 200', () => venice.agent().get(ORIGIN).intercept({ path: '/api/v1/api_keys', method: 'POST' }).reply(200, '<html>ok</html>')],
  ['an empty 204', () => venice.agent().get(ORIGIN).intercept({ path: '/api/v1/api_keys', method: 'POST' }).reply(204, '')],
  [
    'a 200 without the key',
    () =>
      venice
        .agent()
        .get(ORIGIN)
        .intercept({ path: '/api/v1/api_keys', method: 'POST' })
        .reply(200, { success: true, data: { id: 'x' } }),
  ],
  [
    'a 200 larger than 1 MiB',
    () =>
      venice
        .agent()
        .get(ORIGIN)
        .intercept({ path: '/api/v1/api_keys', method: 'POST' })
        .reply(200, 'x'.repeat(1024 * 1024 + 1)),
  ],
])('%s to a create is an unknown outcome: not retried, and the name settled by the list read after it', async (_name, answer) => {
  answer();
  venice.agent().get(ORIGIN).intercept({ path: '/api/v1/api_keys', method: 'GET' }).reply(200, { object: 'list', data: [] });
  await expect(mint(config, client(), RUN)).rejects.toThrow(
    /^POST \/api_keys(: the answer \(20[04]\) is not JSON| answered 2xx without a key| failed: the answer \(200\) is larger than 1 MiB)/,
  );
  venice.agent().assertNoPendingInterceptors();
  // An answer came, so the request was handled: the list read after it is final, and the post step has nothing to do.
  expect(ledger()).toEqual([]);
});

it.each([
  ['an ADMIN key', { apiKeyType: 'ADMIN' }, /type ADMIN instead of INFERENCE/],
  ['no expiry', { expiresAt: null }, /expiry never instead of /],
  ['another cap', { consumptionLimit: { usd: 50, diem: null } }, /USD cap 50 instead of 2/],
])('a key Venice made otherwise than asked (%s) is deleted, not handed out', async (_name, change, message) => {
  const asked = { ...config, usdLimit: 2 };
  const made = {
    apiKey: 'VENICE_INFERENCE_KEY_madeotherwise',
    id: 'k-other',
    apiKeyType: 'INFERENCE',
    expiresAt: asked.expiresAt.toISOString(),
    consumptionLimit: { usd: 2, diem: null },
    limitPeriod: 'LIFETIME',
    modelPrivacy: 'ALL',
    ...change,
  };
  const pool = venice.agent().get(ORIGIN);
  pool.intercept({ path: '/api/v1/api_keys', method: 'POST' }).reply(200, { success: true, data: made });
  pool.intercept({ path: '/api/v1/api_keys?id=k-other', method: 'DELETE' }).reply(200, { success: true });
  await expect(mint(asked, client(), RUN)).rejects.toThrow(message);
  venice.agent().assertNoPendingInterceptors();
  // Deleted in the step: nothing is left for the post step, and no output carries the key.
  expect(ledger()).toEqual([]);
  expect(files.read('OUTPUT')).toBe('');
});

// Venice's own 5xx means the create was handled, so the list read after it is final; a gateway's 502 or 504
// means it gave up waiting on Venice, which may still commit the key: the post step must look again.
it.each([
  [500, 'settled by the list read after it'],
  [503, 'settled by the list read after it'],
  [502, 'left to the post step'],
  [504, 'left to the post step'],
])('a create answered %i, with no key by its name yet: the name is %s', async (status, what) => {
  const pool = venice.agent().get(ORIGIN);
  pool.intercept({ path: '/api/v1/api_keys', method: 'POST' }).reply(status, { error: 'upstream' });
  pool.intercept({ path: '/api/v1/api_keys', method: 'GET' }).reply(200, { object: 'list', data: [] });
  const once = mockMintConfig({ maxAttempts: 1 });
  await expect(mint(once, venice.client(once), RUN)).rejects.toThrow(`POST /api_keys answered ${status}`);
  venice.agent().assertNoPendingInterceptors();
  const left = files.ledger(once.adminKey, RUN);
  if (what === 'left to the post step') expect(left).toEqual([{ name: expect.stringMatching(/^venice-key:/), sentAt: expect.any(Number) }]);
  else expect(left).toEqual([]);
});
