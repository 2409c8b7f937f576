/**
 * "Masked before anything else sees it", checked at the moment of the mask: when the
 * `::add-mask::` line for a minted or received key is written, no runner file holds the
 * key (or, for a minted key, even its id) yet; afterwards they do.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { MockAgent } from 'undici';
import { afterEach, beforeEach, expect, it, vi } from 'vitest';
import { seal } from '../../src/lifecycle/handoff.ts';
import { mint } from '../../src/modes/mint/run.ts';
import { receive } from '../../src/modes/receive/run.ts';
import { VeniceClient } from '../../src/venice/client.ts';

const ORIGIN = 'https://api.venice.test';
const RUN = { repository: 'o/r', runId: '42', runAttempt: '1' };
const FILES = ['OUTPUT', 'STATE', 'ENV'];
let dir: string;
let agent: MockAgent;
let atMask: string | undefined;
const saved = { ...process.env };

const files = () => FILES.map((name) => readFileSync(join(dir, name), 'utf8')).join('\n');

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'venice-key-mask-'));
  for (const name of FILES) {
    process.env[`GITHUB_${name}`] = join(dir, name);
    writeFileSync(join(dir, name), '');
  }
  agent = new MockAgent();
  agent.disableNetConnect();
  atMask = undefined;
  vi.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
    if (String(chunk).startsWith('::add-mask::VENICE_INFERENCE_KEY_')) atMask = files();
    return true;
  });
});
afterEach(async () => {
  vi.restoreAllMocks();
  process.env = { ...saved };
  rmSync(dir, { recursive: true, force: true });
  await agent.close();
});

it('a minted key is masked before the ledger, an output or the environment holds it', async () => {
  const expiresAt = new Date(Date.now() + 3_600_000);
  agent
    .get(ORIGIN)
    .intercept({ path: '/api/v1/api_keys', method: 'POST' })
    .reply(200, {
      success: true,
      data: {
        id: 'k1',
        apiKey: 'VENICE_INFERENCE_KEY_secretsecret',
        apiKeyType: 'INFERENCE',
        expiresAt: expiresAt.toISOString(),
        consumptionLimit: {},
      },
    });
  const client = new VeniceClient({
    baseUrl: new URL(`${ORIGIN}/api/v1`),
    key: 'VENICE_ADMIN_KEY_m',
    timeoutMs: 1_000,
    maxAttempts: 1,
    dispatcher: agent,
  });
  await mint(
    {
      mode: 'mint',
      adminKey: 'VENICE_ADMIN_KEY_m',
      baseUrl: new URL(`${ORIGIN}/api/v1`),
      timeoutMs: 1_000,
      maxAttempts: 1,
      expiresAt,
      label: '',
      scope: 'job',
      exportEnv: 'VENICE_API_KEY',
      openaiEnv: true,
    },
    client,
    RUN,
  );
  expect(atMask).toBeDefined();
  expect(atMask).not.toContain('k1');
  expect(atMask).not.toContain('secretsecret');
  expect(files()).toContain('secretsecret');
  expect(files()).toContain('OPENAI_API_KEY');
});

it('a received key is masked before an output or the environment holds it', async () => {
  const secret = 's'.repeat(40);
  const handoff = seal({ apiKey: 'VENICE_INFERENCE_KEY_recvrecv', id: 'k2', expiresAt: null }, secret, RUN);
  await receive(
    { mode: 'receive', handoff, handoffSecret: secret, exportEnv: 'VENICE_API_KEY', openaiEnv: true, baseUrl: new URL(`${ORIGIN}/api/v1`) },
    RUN,
  );
  expect(atMask).toBeDefined();
  expect(atMask).not.toContain('recvrecv');
  expect(files()).toContain('recvrecv');
  expect(files()).toContain('OPENAI_API_KEY');
});
