/**
 * Reliability: every key the action makes ends up in the job's hands or deleted,
 * whatever the network, the API or the runner does. Faults are injected into the
 * emulator; the built action runs as the runner runs it.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { runJob, runStep } from '../../emulator/runner.ts';
import { runBurst } from '../../emulator/scenarios.ts';
import { type EmulatorOptions, VeniceEmulator } from '../../emulator/venice-emulator.ts';
import { assertNoKeyLeaked } from '../helpers/leaks.ts';

let emulator: VeniceEmulator;

async function start(options: EmulatorOptions = {}) {
  emulator = await new VeniceEmulator(options).start();
  return emulator;
}

afterEach(async () => {
  // After every test, the emulator holds no key the test did not expect.
  expect(emulator.mintedKeys()).toEqual([]);
  await emulator.stop();
});

const mintInputs = (extra: Record<string, string> = {}) => ({ 'base-url': emulator.url, 'admin-key': emulator.adminKey, ...extra });
const calls = () => emulator.calls();
const until = async (condition: () => boolean, timeoutMs = 10_000) => {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error('timed out waiting');
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
};

describe('faults, one test each', () => {
  it('5xx, then success: the create is retried under a new name after checking nothing was made', async () => {
    await start();
    emulator.inject({ status: 503 }, { method: 'POST', path: '/api_keys' });
    const { main, post } = await runJob({ inputs: mintInputs() });
    expect(main.code).toBe(0);
    expect(post.code).toBe(0);
    expect(calls()).toEqual(['POST /api_keys 503', 'GET /api_keys 200', 'POST /api_keys 200', 'DELETE /api_keys 200']);
    const names = emulator.requests('POST').map((entry) => (entry.body as { description: string }).description);
    expect(new Set(names).size).toBe(2);
    assertNoKeyLeaked(main, [main.outputs['api-key'] as string, emulator.adminKey]);
  });

  it('a connection dropped before any answer: a read is retried and succeeds', async () => {
    await start();
    emulator.inject({ drop: 'before' }, { method: 'GET', path: '/api_keys/rate_limits' });
    const result = await runStep('main', { inputs: { 'base-url': emulator.url, 'api-key': emulator.inferenceKey } });
    expect(result.code).toBe(0);
    expect(calls()).toEqual(['GET /api_keys/rate_limits dropped', 'GET /api_keys/rate_limits 200']);
    expect(result.stdout).toMatch(/::debug::GET \/api_keys\/rate_limits: retrying in \d+ ms after: GET \/api_keys\/rate_limits failed/);
  });

  it('429 with a reset header: waits for the reset, then one more POST', async () => {
    await start();
    const reset = Math.ceil(Date.now() / 1000) + 2;
    emulator.inject({ status: 429, headers: { 'x-ratelimit-reset-requests': String(reset) } }, { method: 'POST' });
    const { main } = await runJob({ inputs: mintInputs() });
    expect(main.code).toBe(0);
    const posts = emulator.requests('POST');
    expect(posts.map((entry) => entry.status)).toEqual([429, 200]);
    expect(posts[1]!.at).toBeGreaterThanOrEqual(reset * 1000);
    expect(calls()).not.toContain('GET /api_keys 200'); // a 429 made no key: nothing to reconcile
  });

  it('the answer is lost after the key was made: that key is found by name and deleted, no orphan', async () => {
    await start();
    emulator.inject({ drop: 'after' }, { method: 'POST', path: '/api_keys' });
    const { main, post } = await runJob({ inputs: mintInputs() });
    expect(main.code).toBe(0);
    expect(post.code).toBe(0);
    expect(calls()).toEqual([
      'POST /api_keys dropped',
      'GET /api_keys 200',
      'DELETE /api_keys 200',
      'POST /api_keys 200',
      'DELETE /api_keys 200',
    ]);
    expect(main.stdout).toMatch(/Deleted 1 key\(s\) named "venice-key:[^"]+" whose creation answer was lost/);
  });

  it('a server that never answers: fails within timeout × max-attempts plus backoff, no key left', async () => {
    await start();
    emulator.inject({ hang: true }, { method: 'POST', times: 100 });
    const started = Date.now();
    const { main, post } = await runJob({ inputs: mintInputs({ timeout: '1s', 'max-attempts': '2' }) });
    const elapsed = Date.now() - started;
    expect(main.code).toBe(1);
    expect(main.stdout).toContain('::error::POST /api_keys timed out after 1000 ms.');
    expect(elapsed).toBeLessThan(2 * 1_000 + 2_000 + 3_000); // two timeouts, one backoff (≤ 2 s), process start-up
    expect(post.code).toBe(0);
    // Both hung, never handled; between them the action checked that no key had been made.
    expect(calls()).toEqual(['POST /api_keys hung', 'GET /api_keys 200', 'POST /api_keys hung', 'GET /api_keys 200']);
  });

  it('DELETE failing twice: the post step retries and still removes the key', async () => {
    await start();
    emulator.inject({ status: 500 }, { method: 'DELETE', times: 2 });
    const { main, post } = await runJob({ inputs: mintInputs() });
    expect(main.code).toBe(0);
    expect(post.code).toBe(0);
    expect(emulator.requests('DELETE').map((entry) => entry.status)).toEqual([500, 500, 200]);
  });

  it('DELETE failing for good: the post step fails, naming the key and how to remove it', async () => {
    await start();
    emulator.inject({ status: 500 }, { method: 'DELETE', times: 100 });
    const { main, post } = await runJob({ inputs: mintInputs({ 'max-attempts': '2' }) });
    const id = main.outputs['key-id'] as string;
    expect(post.code).toBe(1);
    expect(post.stdout).toContain(`::error::Could not revoke key ${id}: DELETE /api_keys?id=${id} answered 500`);
    expect(post.stdout).toContain(`(mode: revoke, key-id: ${id})`);
    // The advice works once the API recovers.
    emulator.clearFaults();
    const revoke = await runStep('main', { inputs: mintInputs({ mode: 'revoke', 'key-id': id }) });
    expect(revoke.outputs.revoked).toBe('1');
  });

  it('a failure after the key exists (here: GITHUB_ENV cannot be written) deletes the key before the step fails', async () => {
    await start();
    const unwritable = mkdtempSync(join(tmpdir(), 'venice-key-env-')); // a directory, not a file
    const { main, post } = await runJob({ inputs: mintInputs({ 'export-env': 'VENICE_API_KEY' }), env: { GITHUB_ENV: unwritable } });
    rmSync(unwritable, { recursive: true });
    expect(main.code).toBe(1);
    expect(main.stdout).toMatch(/::error::.*EISDIR/);
    expect(post.code).toBe(0);
    expect(calls().slice(0, 2)).toEqual(['POST /api_keys 200', 'DELETE /api_keys 200']);
    assertNoKeyLeaked(main, [emulator.adminKey]);
  });

  it('the key is already gone at post: exit 0', async () => {
    await start();
    const main = await runStep('main', { inputs: mintInputs() });
    const id = main.outputs['key-id'] as string;
    await runStep('main', { inputs: mintInputs({ mode: 'revoke', 'key-id': id }) });
    const post = await runStep('post', { inputs: mintInputs(), state: main.state });
    expect(post.code).toBe(0);
    expect(post.stdout).toContain(`Key ${id} was already gone.`);
  });

  it('the admin key is rejected: 401, not retried', async () => {
    await start();
    const wrong = `${emulator.adminKey.slice(0, -3)}xyz`;
    const { main, post } = await runJob({ inputs: mintInputs({ 'admin-key': wrong }) });
    expect(main.code).toBe(1);
    expect(main.stdout).toContain('::error::Input \'admin-key\' was rejected: Venice answered 401 "Authentication failed"');
    expect(calls()).toEqual(['POST /api_keys 401']);
    expect(post.stdout).toBe('');
    assertNoKeyLeaked(main, [wrong]);
  });

  it('the account at its cap of active keys: says how many, and that prune or a shorter ttl fixes it', async () => {
    await start({ activeKeyCap: 2 });
    const { main } = await runJob({ inputs: mintInputs() });
    expect(main.code).toBe(1);
    expect(main.stdout).toMatch(/::error::Venice refused to create the key: "You have reached the maximum number of active API keys \(2\)/);
    expect(main.stdout).toContain('The account has 2 active keys, at its cap. Run this action with mode: prune');
    expect(main.stdout).toContain('shorter ttl');
  });
});

describe('cancellation', () => {
  it('SIGINT while the create is in flight: waits for the answer, records the key, and the post step deletes it', async () => {
    await start();
    emulator.inject({ delayMs: 1_500 }, { method: 'POST' });
    const main = await runStep('main', {
      inputs: mintInputs(),
      onSpawn: (child) => void until(() => emulator.received > 0).then(() => child.kill('SIGINT')),
    });
    expect(main.code).toBe(1);
    expect(main.stdout).toContain('waiting for the answer so the post step can revoke that key');
    expect(main.state['key-id']).toBeTruthy();
    const post = await runStep('post', { inputs: mintInputs(), state: main.state });
    expect(post.code).toBe(0);
    expect(calls()).toEqual(['POST /api_keys 200', 'DELETE /api_keys 200']);
  });

  it.each(['SIGTERM-after-SIGINT', 'SIGKILL'] as const)(
    'killed mid-create (%s): the post step finds the key by the name recorded before sending, and deletes it',
    async (how) => {
      await start();
      emulator.inject({ delayMs: 1_500 }, { method: 'POST' });
      const main = await runStep('main', {
        inputs: mintInputs(),
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
      expect(main.state['key-id']).toBeUndefined();
      expect(main.state['pending-key']).toMatch(/^venice-key:/);
      // The server finishes the create after the process is gone; the secret is lost with it.
      await until(() => emulator.requests('POST').length > 0);
      expect(emulator.mintedKeys()).toHaveLength(1);
      const post = await runStep('post', { inputs: mintInputs(), state: main.state });
      expect(post.code).toBe(0);
      expect(post.stdout).toContain('whose creation answer was lost');
    },
  );

  it('SIGINT once the key is recorded: exits, and the post step deletes it', async () => {
    await start();
    emulator.inject({ delayMs: 300 }, { method: 'POST' });
    const main = await runStep('main', {
      inputs: mintInputs({ 'export-env': 'VENICE_API_KEY' }),
      // Signal as soon as the key's mask is printed: state was written just before.
      onSpawn: (child, output) =>
        void until(() => output().includes('::add-mask::VENICE_INFERENCE_KEY_'), 10_000).then(() => child.kill('SIGINT')),
    });
    expect(main.state['key-id']).toBeTruthy();
    const post = await runStep('post', { inputs: mintInputs(), state: main.state });
    expect(post.code).toBe(0);
    expect(emulator.requests('DELETE')).toHaveLength(1);
  });
});

describe('bursts', () => {
  it('30 jobs minting at once against a 3-second window of 20: all get keys, ≤ 1.5 POSTs per key, all deleted', async () => {
    await start();
    const report = await runBurst(30, 3_000, 20);
    console.log(
      `burst: ${report.succeeded}/${report.jobs} jobs, ${report.posts} POSTs, wall ${report.wallMs} ms against a floor of ${report.floorMs} ms (window ${report.windowMs} ms, ${report.limit} per window)`,
    );
    expect(report.succeeded).toBe(30);
    expect(report.posts).toBeLessThanOrEqual(45);
    expect(report.keysLeft).toBe(0);
  }, 120_000);
});
