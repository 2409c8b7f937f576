/**
 * README: "with a cap, it can never spend more than usd-limit"; a key Venice made
 * differently is deleted in the step, not handed out. The built action, run as the
 * runner runs it, against an emulator that makes the key otherwise than asked.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { runJob } from '../../emulator/fake-runner.ts';
import { VeniceEmulator } from '../../emulator/venice-emulator.ts';
import { assertNoKeyLeaked } from '../helpers/leaks.ts';

let emulator: VeniceEmulator;
afterEach(async () => {
  await emulator.stop();
});

describe('a key Venice made otherwise than asked is deleted, not handed out', () => {
  it('usd-limit 2 on PRIVATE_ONLY models, made as a daily cap on ALL models: deleted, each difference named', async () => {
    emulator = await new VeniceEmulator().start();
    emulator.inject({ makeAs: { limitPeriod: 'EPOCH', modelPrivacy: 'ALL' } }, { method: 'POST', path: '/api_keys' });
    const { main, post } = await runJob({
      inputs: { 'base-url': emulator.url, 'admin-key': emulator.adminKey, 'usd-limit': '2', 'model-privacy': 'PRIVATE_ONLY' },
    });
    expect(main.code).toBe(1);
    expect(main.stdout).toMatch(
      /^::error::Venice created key [\w-]+ with cap period "EPOCH" instead of LIFETIME, model privacy "ALL" instead of PRIVATE_ONLY; it is deleted rather than handed out\./m,
    );
    expect(main.outputs['api-key']).toBeUndefined();
    expect(emulator.mintedKeys()).toEqual([]);
    expect(post.code).toBe(0);
    assertNoKeyLeaked(main, [emulator.adminKey]);
  });
});
