/**
 * Reliability: every key the action makes ends up in the job's hands or deleted,
 * whatever the network, the API or the runner does, or a step fails naming what may
 * be left. Faults are injected into the emulator; the built action runs as the runner
 * runs it. `timeout: 1s` keeps the post step's look for late commits short.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { renderLog, runJob, runStep } from '../../emulator/fake-runner.ts';
import { runBurst } from '../../emulator/scenarios.ts';
import { type EmulatorOptions, VeniceEmulator } from '../../emulator/venice-emulator.ts';
import { keyName } from '../../src/lifecycle/naming.ts';
import { assertNoKeyLeaked } from '../helpers/leaks.ts';
import { RUN, sealedLedger } from '../helpers/ledger.ts';

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

const mintInputs = (extra: Record<string, string> = {}) => ({
  'base-url': emulator.url,
  'admin-key': emulator.adminKey,
  timeout: '1s',
  ...extra,
});
const calls = () => emulator.calls();
const until = async (condition: () => boolean, timeoutMs = 10_000) => {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error('timed out waiting');
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
};
const GET_KEY = /^GET \/api_keys\/[\w-]+ 200$/;

describe('faults, one test each', () => {
  it('5xx, then success: the create is retried under a new name after checking nothing was made', async () => {
    await start();
    emulator.inject({ status: 503 }, { method: 'POST', path: '/api_keys' });
    const { main, post } = await runJob({ inputs: mintInputs() });
    expect(main.code).toBe(0);
    expect(post.code).toBe(0);
    expect(calls().slice(0, 3)).toEqual(['POST /api_keys 503', 'GET /api_keys 200', 'POST /api_keys 200']);
    const names = emulator.requests('POST').map((entry) => (entry.body as { description: string }).description);
    expect(new Set(names).size).toBe(2);
    // A 503 is Venice's own answer: the list read after it is final, so the post step revokes the job's key
    // and has nothing to look for, nor anything to warn about.
    expect(post.stdout).not.toContain(names[0]);
    expect(post.stdout).not.toMatch(/^::warning/m);
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
      expect.stringMatching(GET_KEY),
      'DELETE /api_keys 200',
      'GET /api_keys/rate_limits/log 200',
    ]);
    expect(main.stdout).toMatch(/Deleted 1 key\(s\) named "venice-key:[^"]+" whose creation answer was lost/);
  });

  it('a server that never answers: fails within timeout × max-attempts plus backoff; the post step looks again, then ends', async () => {
    await start();
    emulator.inject({ hang: true }, { method: 'POST', times: 100 });
    const main = await runStep('main', { inputs: mintInputs({ 'max-attempts': '2' }) });
    expect(main.code).toBe(1);
    expect(main.stdout).toContain('::error::POST /api_keys timed out after 1000 ms.');
    // Both hung, never handled; after each, the action checked that no key had been made.
    expect(calls()).toEqual(['POST /api_keys hung', 'GET /api_keys 200', 'POST /api_keys hung', 'GET /api_keys 200']);
    const post = await runStep('post', { inputs: mintInputs(), state: main.state });
    expect(post.code).toBe(0);
    // Each name that may still become a key is a warning on the run's page, not a line in a log nobody opens.
    const warnings = post.stdout.match(
      /^::warning title=venice-key%3A a key may be left behind::A key named "venice-key:[^"]+" may be left behind/gm,
    );
    expect(warnings).toHaveLength(2);
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

  it('a failure after the key exists (here: GITHUB_ENV cannot be written) deletes the key in the main step itself', async () => {
    await start();
    const unwritable = mkdtempSync(join(tmpdir(), 'venice-key-env-')); // a directory, not a file
    const main = await runStep('main', { inputs: mintInputs({ 'export-env': 'VENICE_API_KEY' }), env: { GITHUB_ENV: unwritable } });
    rmSync(unwritable, { recursive: true });
    expect(main.code).toBe(1);
    expect(main.stdout).toMatch(/::error::.*EISDIR/);
    // Before any post step: the main step has already deleted the key it could not hand over.
    expect(calls()).toEqual(['POST /api_keys 200', 'DELETE /api_keys 200']);
    expect(emulator.mintedKeys()).toEqual([]);
    expect(main.state.ledger).toBe('');
    const post = await runStep('post', { inputs: mintInputs(), state: main.state });
    expect(post.stdout).toBe('');
    expect(calls()).toHaveLength(2);
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

  it('the admin key is rejected: 401, not retried; that the key is wrong is asked of Venice, not read from its words', async () => {
    await start();
    const wrong = `${emulator.adminKey.slice(0, -3)}xyz`;
    const { main, post } = await runJob({ inputs: mintInputs({ 'admin-key': wrong }) });
    expect(main.code).toBe(1);
    expect(main.stdout).toContain("::error::Input 'admin-key' was rejected by Venice (401): the key is wrong, revoked or expired.");
    expect(calls()).toEqual(['POST /api_keys 401', 'GET /api_keys/rate_limits 401']);
    expect(post.stdout).toBe('');
    assertNoKeyLeaked(main, [wrong]);
  });

  it('the account at its cap of active keys: counts them, and says that prune or a shorter ttl fixes it', async () => {
    await start();
    for (let i = emulator.activeKeys().length; i < 500; i++) emulator.addKey({ apiKeyType: 'INFERENCE', description: `other ${i}` });
    const { main } = await runJob({ inputs: mintInputs() });
    expect(main.code).toBe(1);
    expect(main.stdout).toContain('::error::Venice refused to create the key: the account has 500 active keys, its cap is 500.');
    expect(main.stdout).toContain('Run this action with mode: prune');
    expect(main.stdout).toContain('shorter ttl');
    for (const key of emulator.mintedKeys()) emulator.removeKey(key.id);
  });

  it('an answer larger than 1 MiB is refused at once, not read until the timeout', async () => {
    await start();
    emulator.inject({ endless: true }, { method: 'GET', path: '/api_keys/rate_limits' });
    const started = Date.now();
    const result = await runStep('main', { inputs: { 'base-url': emulator.url, 'api-key': emulator.inferenceKey, timeout: '30s' } });
    expect(Date.now() - started).toBeLessThan(10_000);
    expect(result.code).toBe(1);
    expect(result.stdout).toContain('::error::GET /api_keys/rate_limits failed: the answer (200) is larger than 1 MiB.');
    expect(result.stderr).toBe('');
  });
});

describe('late commits and unusable answers: zero keys left, or a step that says which name may remain', () => {
  it('a create that times out but commits later: the post step finds it by name and deletes it', async () => {
    await start();
    emulator.inject({ delayMs: 2_500 }, { method: 'POST' });
    const { main, post } = await runJob({ inputs: mintInputs() });
    expect(main.code).toBe(0);
    expect(post.code).toBe(0);
    expect(emulator.requests('POST').map((entry) => entry.status)).toEqual([200, 200]); // the first one answered nobody
    expect(post.stdout).toMatch(/Deleted 1 key\(s\) named "venice-key:[^"]+": its create got no answer, so the job never had it\./);
  });

  it.each(['SIGINT', 'SIGKILL'] as const)('%s during a create that commits late: the post step still finds the key', async (signal) => {
    await start();
    emulator.inject({ delayMs: 2_500 }, { method: 'POST' });
    const main = await runStep('main', {
      inputs: mintInputs(),
      onSpawn: (child) => void until(() => emulator.received > 0).then(() => child.kill(signal)),
    });
    expect(main.code === 1 || main.signal === 'SIGKILL').toBe(true);
    expect(main.outputs['api-key']).toBeUndefined();
    expect(main.state.ledger).toMatch(/"name":"venice-key:[^"]+"/);
    const post = await runStep('post', { inputs: mintInputs(), state: main.state });
    expect(post.code).toBe(0);
    expect(post.stdout).toMatch(/Deleted 1 key\(s\) named "venice-key:[^"]+"/);
  });

  it.each([
    ['an HTML 200', { status: 200, text: '<html><body>OK</body></html>' }],
    ['an empty 204', { status: 204, text: '' }],
  ])('%s to a create that made a key: the key is found by name and deleted, and the step fails', async (_name, garble) => {
    await start();
    emulator.inject({ garble }, { method: 'POST' });
    const { main, post } = await runJob({ inputs: mintInputs() });
    expect(main.code).toBe(1);
    expect(main.stdout).toMatch(/::error::POST \/api_keys: the answer \(20[04]\) is not JSON/);
    expect(main.stdout).toMatch(/Deleted 1 key\(s\) named "venice-key:[^"]+" whose creation answer was lost/);
    expect(post.code).toBe(0);
    expect(emulator.requests('POST')).toHaveLength(1);
  });

  it('a name that cannot be checked at all: the post step fails, naming it', async () => {
    await start();
    emulator.inject({ hang: true }, { method: 'POST' });
    emulator.inject({ status: 500 }, { method: 'GET', path: '/api_keys', times: 1_000 });
    const { main, post } = await runJob({ inputs: mintInputs({ 'max-attempts': '1' }) });
    expect(main.code).toBe(1);
    const name = (emulator.requests('POST')[0]?.body as { description?: string } | undefined)?.description;
    expect(post.code).toBe(1);
    expect(post.stdout).toContain(`::error::Could not check whether Venice holds a key named "${name}"`);
    emulator.clearFaults();
  });
});

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
    expect(calls()).toEqual([]);
    expect(emulator.activeKeys().map((key) => key.id)).toContain(victim.id);
    emulator.removeKey(victim.id);
  });

  it("a sealed ledger naming a key that is not this run's: the post step reads it, refuses, and fails", async () => {
    await start();
    const other = emulator.addKey({ apiKeyType: 'INFERENCE', description: keyName({ ...RUN, runId: '1' }, 'job', 'otherrun') });
    const ledger = sealedLedger(emulator.adminKey, [{ name: keyName(RUN, 'job', 'abcdefgh'), sentAt: Date.now(), id: other.id }]);
    const post = await runStep('post', { inputs: mintInputs(), state: { ledger } });
    expect(post.code).toBe(1);
    expect(post.stdout).toContain(`::error::Key ${other.id} is not the key this job minted`);
    expect(calls()).toEqual([`GET /api_keys/${other.id} 200`]);
    emulator.removeKey(other.id);
  });
});

describe('cancellation', () => {
  it('SIGINT while the create is in flight: waits for the answer, records the key, and the post step deletes it', async () => {
    await start();
    emulator.inject({ delayMs: 500 }, { method: 'POST' });
    const main = await runStep('main', {
      inputs: mintInputs(),
      onSpawn: (child) => void until(() => emulator.received > 0).then(() => child.kill('SIGINT')),
    });
    expect(main.code).toBe(1);
    expect(main.stdout).toContain('waiting for the answer so the post step can revoke that key');
    expect(main.state.ledger).toMatch(/"id":"[\w-]+"/);
    const post = await runStep('post', { inputs: mintInputs(), state: main.state });
    expect(post.code).toBe(0);
    expect(calls()).toEqual([
      'POST /api_keys 200',
      expect.stringMatching(GET_KEY),
      'DELETE /api_keys 200',
      'GET /api_keys/rate_limits/log 200',
    ]);
  });

  it.each(['SIGTERM-after-SIGINT', 'SIGKILL'] as const)(
    'killed mid-create (%s): the post step finds the key by the name recorded before sending, and deletes it',
    async (how) => {
      await start();
      emulator.inject({ delayMs: 500 }, { method: 'POST' });
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

  it('SIGINT once the key is recorded: exits, and the post step deletes it', async () => {
    await start();
    emulator.inject({ delayMs: 300 }, { method: 'POST' });
    const main = await runStep('main', {
      inputs: mintInputs({ 'export-env': 'VENICE_API_KEY' }),
      // Signal as soon as the key's mask is printed: the ledger was written just before.
      onSpawn: (child, output) =>
        void until(() => output().includes('::add-mask::VENICE_INFERENCE_KEY_'), 10_000).then(() => child.kill('SIGINT')),
    });
    expect(main.state.ledger).toMatch(/"id":"[\w-]+"/);
    const post = await runStep('post', { inputs: mintInputs(), state: main.state });
    expect(post.code).toBe(0);
    expect(emulator.requests('DELETE')).toHaveLength(1);
  });

  it('SIGINT while waiting out the creation limit (no create in flight): stops at once, sends nothing more', async () => {
    await start();
    const reset = Math.ceil(Date.now() / 1000) + 20;
    emulator.inject({ status: 429, headers: { 'x-ratelimit-reset-requests': String(reset) } }, { method: 'POST' });
    let signalledAt = 0;
    const main = await runStep('main', {
      inputs: mintInputs(),
      onSpawn: (child) =>
        void until(() => emulator.requests('POST').length > 0).then(() => {
          signalledAt = Date.now();
          child.kill('SIGINT');
        }),
    });
    expect(Date.now() - signalledAt).toBeLessThan(2_000);
    expect(main.code).toBe(1);
    expect(main.stdout).toContain('::error::Cancelled (SIGINT).');
    expect(calls()).toEqual(['POST /api_keys 429']);
  });
});

describe('what an adversarial review found', () => {
  it('a proxy setting that is not a URL: nothing is sent or retried, no create is left to settle', async () => {
    await start();
    const env = { HTTPS_PROXY: 'not a url' };
    // A host that is not this machine, so the proxy setting applies (the address is never reached).
    const remote = 'https://venice.test:1/api/v1';
    const verify = await runStep('main', { inputs: { 'base-url': remote, 'api-key': emulator.inferenceKey }, env });
    expect(verify.code).toBe(1);
    expect(verify.stdout).toContain(
      '::error::GET /api_keys/rate_limits was not sent: the proxy setting (HTTPS_PROXY / HTTP_PROXY) cannot be used',
    );
    expect(verify.stdout.match(/-> not-sent/g)).toHaveLength(1);
    const mint = await runStep('main', { inputs: mintInputs({ 'base-url': remote }), env });
    expect(mint.code).toBe(1);
    expect(mint.state.ledger).toBe('');
    expect(emulator.received).toBe(0);
  });

  it('a key pasted into another input stays out of the log and the summary', async () => {
    await start();
    const result = await runStep('main', {
      inputs: {
        'base-url': emulator.url,
        'api-key': emulator.inferenceKey,
        'require-models': `venice-uncensored, ${emulator.adminKey}`,
        'fail-on-invalid': 'false',
      },
    });
    expect(result.code).toBe(0);
    expect(result.summary).toContain('cannot use the required model');
    expect(result.summary).not.toContain(emulator.adminKey.slice('VENICE_ADMIN_KEY_'.length));
    assertNoKeyLeaked(result, [emulator.adminKey, emulator.inferenceKey]);
    expect(renderLog(result.stdout).masks).toContain(emulator.adminKey);
  });

  it('a handoff key that cannot be handed over, nor deleted at once, is left to the post step, which deletes it', async () => {
    await start();
    const unwritable = mkdtempSync(join(tmpdir(), 'venice-key-output-'));
    emulator.inject({ status: 500 }, { method: 'DELETE', times: 1 });
    const main = await runStep('main', {
      inputs: mintInputs({ 'handoff-secret': 'h'.repeat(40), 'max-attempts': '1', timeout: '10s' }),
      env: { GITHUB_OUTPUT: unwritable },
    });
    rmSync(unwritable, { recursive: true });
    expect(main.code).toBe(1);
    expect(main.state.ledger).toMatch(/"id":"[\w-]+"/);
    const post = await runStep('post', { inputs: mintInputs(), state: main.state });
    expect(post.code).toBe(0);
    expect(emulator.requests('DELETE').map((entry) => entry.status)).toEqual([500, 200]);
  });

  it('SIGINT while a revoke: false key is being created: nobody will use it, so the post step deletes it', async () => {
    await start();
    emulator.inject({ delayMs: 500 }, { method: 'POST' });
    const main = await runStep('main', {
      inputs: mintInputs({ revoke: 'false' }),
      onSpawn: (child) => void until(() => emulator.received > 0).then(() => child.kill('SIGINT')),
    });
    expect(main.code).toBe(1);
    expect(main.stdout).toContain('::error::The job was cancelled while the key was being created; the post step revokes it.');
    expect(main.outputs['api-key']).toBeUndefined();
    const post = await runStep('post', { inputs: mintInputs({ revoke: 'false' }), state: main.state });
    expect(post.code).toBe(0);
    expect(emulator.requests('DELETE')).toHaveLength(1);
  });

  it('verify: a key Venice refuses with 403 is invalid, an answer like a 401, not a failure', async () => {
    await start();
    emulator.inject({ status: 403, body: { error: 'Forbidden' } }, { method: 'GET', path: '/api_keys/rate_limits' });
    const result = await runStep('main', {
      inputs: { 'base-url': emulator.url, 'api-key': emulator.inferenceKey, 'fail-on-invalid': 'false' },
    });
    expect(result.code).toBe(0);
    expect(result.outputs.valid).toBe('false');
    expect(result.stdout).toContain('::warning::The key is not valid: Venice refused it (403: "Forbidden").');
  });
});

describe('promises a mutation pass found untested', () => {
  it('the post step masks the admin key before anything else', async () => {
    await start();
    const { post } = await runJob({ inputs: mintInputs() });
    expect(post.stdout.split('\n')[0]).toBe(`::add-mask::${emulator.adminKey}`);
  });

  it("a key of this very run under another name is not this job's: the post step does not delete it", async () => {
    await start();
    const other = emulator.addKey({ apiKeyType: 'INFERENCE', description: keyName(RUN, 'job', 'otherjob') });
    const ledger = sealedLedger(emulator.adminKey, [{ name: keyName(RUN, 'job', 'abcdefgh'), sentAt: Date.now(), id: other.id }]);
    const post = await runStep('post', { inputs: mintInputs(), state: { ledger } });
    expect(post.code).toBe(1);
    expect(post.stdout).toContain(`Key ${other.id} is not the key this job minted`);
    expect(emulator.requests('DELETE')).toEqual([]);
    emulator.removeKey(other.id);
  });

  it('a key that cannot be read before its revoke is revoked all the same, with one warning', async () => {
    await start();
    const main = await runStep('main', { inputs: mintInputs() });
    const id = main.outputs['key-id'] as string;
    emulator.inject({ status: 500 }, { method: 'GET', path: `/api_keys/${id}`, times: 100 });
    const post = await runStep('post', { inputs: mintInputs({ 'max-attempts': '1', timeout: '10s' }), state: main.state });
    expect(post.code).toBe(0);
    expect(renderLog(post.stdout).annotations).toEqual([{ kind: 'warning', message: expect.stringMatching(/^Could not read key /) }]);
  });

  it('an unanswered create sent long ago is looked for once, not for another commit window', async () => {
    await start();
    const ledger = sealedLedger(emulator.adminKey, [{ name: keyName(RUN, 'job', 'lostlost'), sentAt: Date.now() - 60_000 }]);
    const started = Date.now();
    const post = await runStep('post', { inputs: mintInputs(), state: { ledger } });
    expect(post.code).toBe(0);
    expect(calls()).toEqual(['GET /api_keys 200']);
    expect(Date.now() - started).toBeLessThan(4_000);
  });

  it('the post step does not wait past its retry budget for a DELETE Venice keeps refusing', async () => {
    await start();
    const main = await runStep('main', { inputs: mintInputs() });
    emulator.inject({ status: 429, headers: { 'retry-after': '270' } }, { method: 'DELETE', path: '/api_keys', times: 100 });
    const started = Date.now();
    const post = await runStep('post', { inputs: mintInputs(), state: main.state });
    expect(Date.now() - started).toBeLessThan(10_000);
    expect(post.code).toBe(1);
    expect(post.stdout).toContain('Could not revoke key');
    emulator.clearFaults();
    for (const key of emulator.mintedKeys()) emulator.removeKey(key.id);
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
