/**
 * README, "Nothing left behind": every key the action makes ends up in the job's hands or
 * deleted, whatever the network, the API or the runner does, or a step fails (or warns)
 * naming what may be left. Faults are injected into the emulator; the built action runs
 * as the runner runs it. Where the post step would wait out its look-again window, it is
 * handed a sealed ledger whose creates were sent long ago; decisions that wait on backoff
 * are proven in process with an injected clock (test/promises/faults-leave-nothing-behind.test.ts).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { renderLog, runJob, runStep } from '../../emulator/fake-runner.ts';
import { runBurst } from '../../emulator/scenarios.ts';
import type { VeniceEmulator } from '../../emulator/venice-emulator.ts';
import { keyName } from '../../src/lifecycle/naming.ts';
import { COMMIT_GRACE_MS } from '../../src/lifecycle/settle.ts';
import { freshEmulatorEachTest, mintInputsFor } from '../helpers/emulator.ts';
import { assertNoKeyLeaked } from '../helpers/leaks.ts';
import { keyRecordedByMain, RUN, sealedLedger } from '../helpers/ledger.ts';

let emulator: VeniceEmulator;
const startEmulator = freshEmulatorEachTest();
const start = async () => (emulator = await startEmulator());

const mintInputs = (extra: Record<string, string> = {}) => mintInputsFor(emulator, extra);
const calls = () => emulator.calls();
/** The job's key as its main step left it, and the state the post step is handed. */
function mintedByMain(): { id: string; state: Record<string, string> } {
  const { key, ledger } = keyRecordedByMain(emulator);
  return { id: key.id, state: { ledger } };
}

/** A create sent so long ago that its commit window (timeout 1 s plus the grace) has passed: one look settles it. */
const longAgo = () => Date.now() - 1_000 - COMMIT_GRACE_MS - 60_000;

describe('a create whose answer is lost or unusable: the key is found by name and deleted', () => {
  it('the answer is lost after the key was made: found by name and deleted in the main step, no orphan', async () => {
    await start();
    emulator.inject({ drop: 'after' }, { method: 'POST', path: '/api_keys' });
    const { main, post } = await runJob({ inputs: mintInputs() });
    expect(main.code).toBe(0);
    expect(post.code).toBe(0);
    expect(main.stdout).toMatch(/Deleted 1 key\(s\) named "venice-key:[^"]+" whose creation answer was lost/);
    expect(emulator.requests('POST').map((entry) => entry.status)).toEqual(['dropped', 200]);
    expect(emulator.requests('DELETE')).toHaveLength(2); // the orphan in main, the job's key in post
    expect(renderLog(post.stdout).annotations).toEqual([]);
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
});

describe('the post step looks for creates that got no answer', () => {
  it('a key that committed after its create gave up: found by name and deleted, no warning', async () => {
    await start();
    const name = keyName(RUN, 'job', 'latelate');
    emulator.addKey({ apiKeyType: 'INFERENCE', description: name });
    const ledger = sealedLedger(emulator.adminKey, [{ name, sentAt: longAgo() }]);
    const post = await runStep('post', { inputs: mintInputs(), state: { ledger } });
    expect(post.code).toBe(0);
    expect(post.stdout).toContain(`Deleted 1 key(s) named "${name}": its create got no answer, so the job never had it.`);
    expect(renderLog(post.stdout).annotations).toEqual([]);
  });

  it('names that never became keys, sent long ago: looked for once, then a warning on the run page for each', async () => {
    await start();
    const names = [keyName(RUN, 'job', 'lostlost'), keyName(RUN, 'job', 'gonegone')];
    const ledger = sealedLedger(
      emulator.adminKey,
      names.map((name) => ({ name, sentAt: longAgo() })),
    );
    const post = await runStep('post', { inputs: mintInputs(), state: { ledger } });
    expect(post.code).toBe(0);
    expect(calls()).toEqual(['GET /api_keys 200']);
    // A name that may still become a key is a warning on the run's page, not a line in a log nobody opens.
    const warnings = renderLog(post.stdout).annotations.filter((annotation) => annotation.kind === 'warning');
    expect(warnings.map((warning) => warning.message)).toEqual(
      names.map((name) => expect.stringContaining(`A key named "${name}" may be left behind`)),
    );
    expect(post.stdout).toMatch(/^::warning title=venice-key%3A a key may be left behind::/m);
  });
});

describe('a failure after the key exists deletes it, or says which key is left', () => {
  it('GITHUB_ENV cannot be written: the main step deletes the key itself, before any post step', async () => {
    await start();
    const unwritable = mkdtempSync(join(tmpdir(), 'venice-key-env-')); // a directory, not a file
    const main = await runStep('main', { inputs: mintInputs({ 'export-env': 'VENICE_API_KEY' }), env: { GITHUB_ENV: unwritable } });
    rmSync(unwritable, { recursive: true });
    expect(main.code).toBe(1);
    expect(main.stdout).toMatch(/::error::.*EISDIR/);
    expect(calls()).toEqual(['POST /api_keys 200', 'DELETE /api_keys 200']);
    expect(emulator.mintedKeys()).toEqual([]);
    expect(main.state.ledger).toBe('');
    const post = await runStep('post', { inputs: mintInputs(), state: main.state });
    expect(post.stdout).toBe('');
    expect(calls()).toHaveLength(2);
    assertNoKeyLeaked(main, [emulator.adminKey]);
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

  it('the key is already gone at post: exit 0', async () => {
    await start();
    const { id, state } = mintedByMain();
    emulator.removeKey(id);
    const post = await runStep('post', { inputs: mintInputs(), state });
    expect(post.code).toBe(0);
    expect(post.stdout).toContain(`Key ${id} was already gone.`);
  });

  it('a key that cannot be read before its revoke is revoked all the same, with one warning', async () => {
    await start();
    const { id, state } = mintedByMain();
    emulator.inject({ status: 500 }, { method: 'GET', path: `/api_keys/${id}`, times: 100 });
    const post = await runStep('post', { inputs: mintInputs({ 'max-attempts': '1', timeout: '10s' }), state });
    expect(post.code).toBe(0);
    expect(renderLog(post.stdout).annotations).toEqual([{ kind: 'warning', message: expect.stringMatching(/^Could not read key /) }]);
  });

  it('a DELETE Venice keeps refusing with a long Retry-After: the post step gives up within its budget, naming the key', async () => {
    await start();
    const { id, state } = mintedByMain();
    emulator.inject({ status: 429, headers: { 'retry-after': '270' } }, { method: 'DELETE', path: '/api_keys', times: 100 });
    // Waiting the 270 s out would be killed here, and the step would not have failed by itself.
    const post = await runStep('post', {
      inputs: mintInputs(),
      state,
      onSpawn: (child) => setTimeout(() => child.kill('SIGKILL'), 45_000).unref(),
    });
    expect(post.signal).toBeNull();
    expect(post.code).toBe(1);
    expect(post.stdout).toContain(`Could not revoke key ${id}`);
    emulator.clearFaults();
    for (const key of emulator.mintedKeys()) emulator.removeKey(key.id);
  });
});

describe('a create Venice refuses makes nothing, and the step says why', () => {
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
});

describe('a burst of jobs against the creation limit', () => {
  // One job more than the window allows; `npm run bench` runs 30 against 20, and
  // promises/creation-limit-is-waited-out-by-time waits on an injected clock.
  it('3 jobs minting at once against a window of 2: all get keys, at most 6 POSTs, all deleted', async () => {
    await start();
    const report = await runBurst(3, 1_000, 2);
    expect(report.succeeded).toBe(3);
    expect(report.posts).toBeLessThanOrEqual(6);
    expect(report.keysLeft).toBe(0);
  });
});
