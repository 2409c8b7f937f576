/** Mint's create loop on undici's MockAgent, for the cases too slow to wait out end to end. */
import { MockAgent } from 'undici';
import { afterEach, beforeEach, expect, it, vi } from 'vitest';
import type { MintConfig } from '../../src/lib/inputs.ts';
import { mint } from '../../src/lib/modes/mint.ts';
import { VeniceClient } from '../../src/lib/venice.ts';

const ORIGIN = 'https://api.venice.test';
let agent: MockAgent;
let printed: string;

beforeEach(() => {
  agent = new MockAgent();
  agent.disableNetConnect();
  printed = '';
  vi.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
    printed += String(chunk);
    return true;
  });
});
afterEach(async () => {
  vi.restoreAllMocks();
  await agent.close();
});

const config: MintConfig = {
  mode: 'mint',
  adminKey: 'VENICE_ADMIN_KEY_mock',
  baseUrl: new URL(`${ORIGIN}/api/v1`),
  timeoutMs: 1_000,
  maxAttempts: 5,
  expiresAt: new Date(Date.now() + 3_600_000),
  label: '',
  revoke: true,
};
const client = () =>
  new VeniceClient({ baseUrl: config.baseUrl, key: config.adminKey, timeoutMs: 1_000, maxAttempts: 5, dispatcher: agent });

it('gives up at once, saying why, when the creation limit resets later than it may wait', async () => {
  const reset = Math.ceil(Date.now() / 1000) + 10 * 60;
  agent
    .get(ORIGIN)
    .intercept({ path: '/api/v1/api_keys', method: 'POST' })
    .reply(429, { error: 'Rate limit exceeded' }, { headers: { 'x-ratelimit-reset-requests': String(reset) } });
  await expect(mint(config, client())).rejects.toThrow(
    /^Gave up creating the key after waiting \d+ms: Venice allows 20 key creations per minute per account/,
  );
  agent.assertNoPendingInterceptors();
});

it('fails naming the orphan when a lost answer cannot be reconciled', async () => {
  const pool = agent.get(ORIGIN);
  pool.intercept({ path: '/api/v1/api_keys', method: 'POST' }).replyWithError(new Error('other side closed'));
  pool.intercept({ path: '/api/v1/api_keys', method: 'GET' }).reply(500, { error: 'down' }).times(5);
  const failure = mint(
    config,
    new VeniceClient({
      baseUrl: config.baseUrl,
      key: config.adminKey,
      timeoutMs: 1_000,
      maxAttempts: 5,
      dispatcher: agent,
      sleep: async () => {},
    }),
  );
  await expect(failure).rejects.toThrow(
    /^A key named "venice-key:[0-9a-f]{8}:0\.1:[0-9a-z]{8}" may have been created, but its answer was lost/,
  );
  // Its name stays recorded for the post step, which tries again.
  expect(printed).toMatch(/::save-state name=pending-key::venice-key:/);
  expect(printed).not.toMatch(/::save-state name=pending-key::\n/);
});
