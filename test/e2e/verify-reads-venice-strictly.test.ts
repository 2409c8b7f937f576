/** README, verify: a key Venice refuses is invalid (an output), not a failure of the step. */
import { afterEach, expect, it } from 'vitest';
import { runStep } from '../../emulator/fake-runner.ts';
import { VeniceEmulator } from '../../emulator/venice-emulator.ts';

let emulator: VeniceEmulator;
afterEach(async () => {
  await emulator.stop();
});

it('a key Venice refuses with 403 is invalid, an answer like a 401, not a failure', async () => {
  emulator = await new VeniceEmulator().start();
  emulator.inject({ status: 403, body: { error: 'Forbidden' } }, { method: 'GET', path: '/api_keys/rate_limits' });
  const result = await runStep('main', {
    inputs: { 'base-url': emulator.url, 'api-key': emulator.inferenceKey, 'fail-on-invalid': 'false' },
  });
  expect(result.code).toBe(0);
  expect(result.outputs.valid).toBe('false');
  expect(result.stdout).toContain('::warning::The key is not valid: Venice refused it (403: "Forbidden").');
});
