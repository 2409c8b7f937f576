/**
 * README: "revoke it in the post step when the job ends, however it ends". The runner
 * cancels with SIGINT then SIGTERM on Linux and macOS, and with CTRL_C then CTRL_BREAK on
 * Windows (SIGINT, then SIGBREAK to Node). Whichever arrives while a create is in flight,
 * mint waits for the answer and records the key, so the post step can revoke it.
 */
import { describe, expect, it } from 'vitest';
import { mint } from '../../src/modes/mint/run.ts';
import { useRunnerFiles } from '../helpers/in-process.ts';
import { MOCK_ORIGIN, MOCK_RUN, mockMintConfig, useMockVenice } from '../helpers/mock-venice.ts';

const files = useRunnerFiles();
const venice = useMockVenice();
const config = mockMintConfig({ timeoutMs: 5_000, maxAttempts: 1 });

describe('a cancel during a create leaves the key to the post step, on every runner OS', () => {
  it.each(['SIGINT', 'SIGTERM', 'SIGBREAK'] as const)('%s while the create is in flight', async (signal) => {
    venice
      .agent()
      .get(MOCK_ORIGIN)
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
    const before = process.listenerCount(signal);
    await expect(mint(config, venice.client(config), MOCK_RUN)).rejects.toThrow(
      /^The job was cancelled while the key was being created; the post step revokes it\.$/,
    );
    expect(files.ledger(config.adminKey, MOCK_RUN).map((entry) => entry.id)).toEqual(['k1']);
    // Nothing was handed to the job, and mint stopped listening once it was done.
    expect(files.read('OUTPUT')).toBe('');
    expect(process.listenerCount(signal)).toBe(before);
  });
});
