/**
 * README: "revoke it in the post step when the job ends, however it ends". The runner
 * cancels with SIGINT then SIGTERM on Linux and macOS, and with CTRL_C then CTRL_BREAK on
 * Windows (SIGINT, then SIGBREAK to Node). Whichever arrives while a create is in flight,
 * mint waits for the answer and records the key, so the post step can revoke it.
 */
import { MockAgent } from 'undici';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { parseFileCommands } from '../../emulator/fake-runner.ts';
import { Ledger } from '../../src/lifecycle/ledger.ts';
import type { MintConfig } from '../../src/modes/index.ts';
import { mint } from '../../src/modes/mint/run.ts';
import { VeniceClient } from '../../src/venice/client.ts';
import { useRunnerFiles } from '../helpers/runner-files.ts';

const ORIGIN = 'https://api.venice.test';
const RUN = { repository: 'o/r', runId: '7', runAttempt: '1' };
let agent: MockAgent;
const files = useRunnerFiles();
beforeEach(() => {
  agent = new MockAgent();
  agent.disableNetConnect();
});
afterEach(async () => {
  await agent.close();
});

const config: MintConfig = {
  mode: 'mint',
  adminKey: 'VENICE_ADMIN_KEY_mock',
  baseUrl: new URL(`${ORIGIN}/api/v1`),
  timeoutMs: 5_000,
  maxAttempts: 1,
  expiresAt: new Date(Date.now() + 3_600_000),
  label: '',
  scope: 'job',
  openaiEnv: false,
};

describe('a cancel during a create leaves the key to the post step, on every runner OS', () => {
  it.each(['SIGINT', 'SIGTERM', 'SIGBREAK'] as const)('%s while the create is in flight', async (signal) => {
    agent
      .get(ORIGIN)
      .intercept({ path: '/api/v1/api_keys', method: 'POST' })
      .reply(() => {
        // The runner's signal arrives while Venice is making the key: mint's own listener for it (the last one added)
        // hears it; the test runner's listeners are left out, as they would end the test.
        const listener = process.listeners(signal).at(-1) as ((signal: string) => void) | undefined;
        listener?.(signal);
        return {
          statusCode: 200,
          data: {
            success: true,
            data: {
              id: 'k1',
              apiKey: 'VENICE_INFERENCE_KEY_cancelledwhilemaking',
              apiKeyType: 'INFERENCE',
              expiresAt: config.expiresAt.toISOString(),
              consumptionLimit: { usd: null, diem: null },
              limitPeriod: 'EPOCH',
              modelPrivacy: 'ALL',
            },
          },
        };
      });
    const client = new VeniceClient({ baseUrl: config.baseUrl, key: config.adminKey, timeoutMs: 5_000, maxAttempts: 1, dispatcher: agent });
    const before = process.listenerCount(signal);
    await expect(mint(config, client, RUN)).rejects.toThrow(
      /^The job was cancelled while the key was being created; the post step revokes it\.$/,
    );
    const loaded = Ledger.load(config.adminKey, RUN, parseFileCommands(files.read('STATE')).ledger);
    expect(loaded.kind === 'ok' && loaded.ledger.entries.map((entry) => entry.id)).toEqual(['k1']);
    // Nothing was handed to the job, and mint stopped listening once it was done.
    expect(files.read('OUTPUT')).toBe('');
    expect(process.listenerCount(signal)).toBe(before);
  });
});
