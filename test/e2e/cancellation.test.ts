/**
 * README, `revoke: true`: the post step deletes the key when the job ends, however it
 * ends. The runner cancels a step with SIGINT, then SIGTERM; a runner that dies takes the
 * step with it (SIGKILL). Each case signals the built action's process mid-work and
 * checks what the post step is left to do, and that it does it.
 */
import { describe, expect, it } from 'vitest';
import { runStep } from '../../emulator/fake-runner.ts';
import type { VeniceEmulator } from '../../emulator/venice-emulator.ts';
import { freshEmulatorEachTest, mintInputsFor } from '../helpers/emulator.ts';
import { until } from '../helpers/in-process.ts';

let emulator: VeniceEmulator;
const startEmulator = freshEmulatorEachTest();
const start = async () => (emulator = await startEmulator());

const mintInputs = (extra: Record<string, string> = {}) => mintInputsFor(emulator, extra);
/** Long enough that a signal sent once the create arrives lands before its answer, on a busy machine too. */
const FLIGHT_MS = 1_000;
const GET_KEY = /^GET \/api_keys\/[\w-]+ 200$/;

describe('cancelled while a create is in flight', () => {
  it('SIGINT: waits for the answer, records the key, and the post step deletes it', async () => {
    await start();
    emulator.inject({ delayMs: FLIGHT_MS }, { method: 'POST' });
    const main = await runStep('main', {
      inputs: mintInputs({ timeout: '10s' }),
      onSpawn: (child) => void until(() => emulator.received > 0).then(() => child.kill('SIGINT')),
    });
    expect(main.code).toBe(1);
    expect(main.stdout).toContain('waiting for the answer so the post step can revoke that key');
    expect(main.state.ledger).toMatch(/"id":"[\w-]+"/);
    const post = await runStep('post', { inputs: mintInputs(), state: main.state });
    expect(post.code).toBe(0);
    expect(emulator.requests('POST')).toHaveLength(1);
    expect(emulator.calls()).toContainEqual(expect.stringMatching(GET_KEY));
    expect(emulator.requests('DELETE').map((entry) => entry.status)).toEqual([200]);
  });

  it('SIGINT, and the create times out but commits later: the name is kept, and the post step finds the key', async () => {
    await start();
    emulator.inject({ delayMs: 1_500 }, { method: 'POST' });
    const main = await runStep('main', {
      inputs: mintInputs(),
      onSpawn: (child) => void until(() => emulator.received > 0).then(() => child.kill('SIGINT')),
    });
    expect(main.code).toBe(1);
    expect(main.outputs['api-key']).toBeUndefined();
    expect(main.state.ledger).toMatch(/"name":"venice-key:[^"]+"/);
    expect(main.state.ledger).not.toMatch(/"id":/);
    // The post step runs when the job ends, after the late commit has landed.
    await until(() => emulator.mintedKeys().length === 1);
    const post = await runStep('post', { inputs: mintInputs(), state: main.state });
    expect(post.code).toBe(0);
    expect(post.stdout).toMatch(/Deleted 1 key\(s\) named "venice-key:[^"]+": its create got no answer/);
  });

  it.each(['SIGTERM-after-SIGINT', 'SIGKILL'] as const)(
    'killed (%s): the post step finds the key by the name recorded before sending, and deletes it',
    async (how) => {
      await start();
      emulator.inject({ delayMs: FLIGHT_MS }, { method: 'POST' });
      const main = await runStep('main', {
        inputs: mintInputs({ timeout: '10s' }),
        onSpawn: (child) =>
          void until(() => emulator.received > 0).then(() => {
            if (how === 'SIGKILL') child.kill('SIGKILL');
            else {
              child.kill('SIGINT');
              setTimeout(() => child.kill('SIGTERM'), 100);
            }
          }),
      });
      expect(main.code === 1 || main.signal === 'SIGKILL').toBe(true);
      expect(main.state.ledger).not.toMatch(/"id":/);
      expect(main.state.ledger).toMatch(/"name":"venice-key:/);
      // The server finishes the create after the process is gone; the secret is lost with it.
      await until(() => emulator.requests('POST').length > 0);
      expect(emulator.mintedKeys()).toHaveLength(1);
      const post = await runStep('post', { inputs: mintInputs(), state: main.state });
      expect(post.code).toBe(0);
      expect(post.stdout).toContain('its create got no answer, so the job never had it');
    },
  );

  it('SIGINT while a revoke: false key is being created: nobody will use it, so the post step deletes it', async () => {
    await start();
    emulator.inject({ delayMs: FLIGHT_MS }, { method: 'POST' });
    const main = await runStep('main', {
      inputs: mintInputs({ revoke: 'false', timeout: '10s' }),
      onSpawn: (child) => void until(() => emulator.received > 0).then(() => child.kill('SIGINT')),
    });
    expect(main.code).toBe(1);
    expect(main.stdout).toContain('::error::The job was cancelled while the key was being created; the post step revokes it.');
    expect(main.outputs['api-key']).toBeUndefined();
    const post = await runStep('post', { inputs: mintInputs({ revoke: 'false' }), state: main.state });
    expect(post.code).toBe(0);
    expect(emulator.requests('DELETE')).toHaveLength(1);
  });
});

describe('cancelled with no create in flight', () => {
  it('SIGINT once the key is recorded: exits, and the post step deletes it', async () => {
    await start();
    emulator.inject({ delayMs: 300 }, { method: 'POST' });
    const main = await runStep('main', {
      inputs: mintInputs({ 'export-env': 'VENICE_API_KEY' }),
      // Signal as soon as the key's mask is printed: the ledger was written just before.
      onSpawn: (child, output) => void until(() => output().includes('::add-mask::VENICE_INFERENCE_KEY_')).then(() => child.kill('SIGINT')),
    });
    expect(main.state.ledger).toMatch(/"id":"[\w-]+"/);
    const post = await runStep('post', { inputs: mintInputs(), state: main.state });
    expect(post.code).toBe(0);
    expect(emulator.requests('DELETE')).toHaveLength(1);
  });

  it('SIGINT while waiting out the creation limit: stops at once, sends nothing more', async () => {
    await start();
    // The limit resets a minute from now: a step that waited for it would be killed by the timer below.
    const reset = Math.ceil(Date.now() / 1000) + 60;
    emulator.inject({ status: 429, headers: { 'x-ratelimit-reset-requests': String(reset) } }, { method: 'POST' });
    const main = await runStep('main', {
      inputs: mintInputs(),
      onSpawn: (child) =>
        void until(() => emulator.requests('POST').length > 0).then(() => {
          child.kill('SIGINT');
          setTimeout(() => child.kill('SIGKILL'), 45_000).unref();
        }),
    });
    expect(main.signal).toBeNull();
    expect(main.code).toBe(1);
    expect(main.stdout).toContain('::error::Cancelled (SIGINT).');
    expect(emulator.calls()).toEqual(['POST /api_keys 429']);
  });
});
