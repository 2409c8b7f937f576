/**
 * README, "It deletes only what it made": the post step trusts only state its main step
 * sealed, and checks a key's name (this run, this job) before deleting it.
 */
import { describe, expect, it } from 'vitest';
import { renderLog, runStep } from '../../emulator/fake-runner.ts';
import type { VeniceEmulator } from '../../emulator/venice-emulator.ts';
import { keyName } from '../../src/lifecycle/naming.ts';
import { freshEmulatorEachTest, mintInputsFor } from '../helpers/emulator.ts';
import { RUN, sealedLedger } from '../helpers/ledger.ts';

let emulator: VeniceEmulator;
const startEmulator = freshEmulatorEachTest();
const start = async () => (emulator = await startEmulator());

const mintInputs = (extra: Record<string, string> = {}) => mintInputsFor(emulator, extra);

describe('the post step trusts only what its main step wrote', () => {
  it('forged state (an earlier step wrote STATE_ through GITHUB_ENV) deletes nothing, and says so', async () => {
    await start();
    const victim = emulator.addKey({ apiKeyType: 'ADMIN', description: 'production admin key' });
    const forged = JSON.stringify({ entries: [{ name: victim.description, sentAt: 0, id: victim.id }], mac: '00'.repeat(32) });
    for (const inputs of [mintInputs({ revoke: 'false' }), { 'base-url': emulator.url, 'api-key': emulator.inferenceKey }]) {
      const post = await runStep('post', {
        inputs,
        env: { STATE_ledger: forged, 'STATE_key-id': victim.id, 'STATE_pending-key': victim.description },
      });
      expect(post.code).toBe(0);
      expect(renderLog(post.stdout).annotations).toEqual([
        {
          kind: 'warning',
          message:
            "The post step was handed state that this action's main step did not write (an earlier step may have set STATE_ variables through GITHUB_ENV); it deletes nothing.",
        },
      ]);
    }
    expect(emulator.calls()).toEqual([]);
    expect(emulator.activeKeys().map((key) => key.id)).toContain(victim.id);
    emulator.removeKey(victim.id);
  });
});

describe("the post step deletes only this job's key of this run", () => {
  it.each([
    ['of another run', keyName({ ...RUN, runId: '1' }, 'job', 'otherrun')],
    ['of this very run under another name', keyName(RUN, 'job', 'otherjob')],
  ])('a sealed ledger naming a key %s: the post step reads it, refuses, deletes nothing, and fails', async (_name, description) => {
    await start();
    const other = emulator.addKey({ apiKeyType: 'INFERENCE', description });
    const ledger = sealedLedger(emulator.adminKey, [{ name: keyName(RUN, 'job', 'abcdefgh'), sentAt: Date.now(), id: other.id }]);
    const post = await runStep('post', { inputs: mintInputs(), state: { ledger } });
    expect(post.code).toBe(1);
    expect(post.stdout).toContain(`::error::Key ${other.id} is not the key this job minted`);
    expect(emulator.calls()).toEqual([`GET /api_keys/${other.id} 200`]);
    emulator.removeKey(other.id);
  });
});
