/**
 * README, "Nothing left behind": each create is recorded before it is sent; a lost answer
 * is settled by the key's unique name; the post step revokes the job's key and looks for
 * late commits, or says which name may remain. Mint and the post step's work (settle) run
 * in this process against the emulator with time injected, so a retry or a look-again
 * costs nothing and no outcome depends on the machine's speed. The same faults end to
 * end, where they are about processes: test/e2e/nothing-left-behind.test.ts.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { VeniceEmulator } from '../../emulator/venice-emulator.ts';
import { settle } from '../../src/lifecycle/settle.ts';
import { mint } from '../../src/modes/mint/run.ts';
import { clientFor, fakeClock, mintConfig, runnerFiles, until } from '../helpers/in-process.ts';
import { RUN } from '../helpers/ledger.ts';

let emulator: VeniceEmulator;
let files: ReturnType<typeof runnerFiles>;

beforeEach(async () => {
  emulator = await new VeniceEmulator().start();
  files = runnerFiles();
});
afterEach(async () => {
  files.restore();
  // After every test, the emulator holds no key the test did not expect.
  expect(emulator.mintedKeys()).toEqual([]);
  await emulator.stop();
});

/**
 * Short for fast tests, long enough that an answer the emulator does give (a list read)
 * never times out on a busy machine; a hung create takes exactly this long.
 */
const TIMEOUT = 500;
const warnings = () => files.lines.filter((line) => line.startsWith('::warning'));
const postedNames = () => emulator.requests('POST').map((entry) => (entry.body as { description: string }).description);

describe('a create that fails is settled before it is tried again', () => {
  it('5xx, then success: nothing was made, so it is retried under a new name and the post step has only the key to revoke', async () => {
    emulator.inject({ status: 503 }, { method: 'POST', path: '/api_keys' });
    const clock = fakeClock();
    await mint(mintConfig(emulator), clientFor(emulator, { clock }), RUN, clock);
    expect(emulator.calls().slice(0, 3)).toEqual(['POST /api_keys 503', 'GET /api_keys 200', 'POST /api_keys 200']);
    expect(new Set(postedNames()).size).toBe(2);
    // A 503 is Venice's own answer: the list read after it is final, so the first name is not left to the post step.
    const ledger = files.ledger(emulator.adminKey);
    expect(ledger).toEqual([expect.objectContaining({ name: postedNames()[1], id: expect.any(String) })]);
    await settle(ledger, clientFor(emulator, { clock }), RUN, 1_000, clock);
    expect(warnings()).toEqual([]);
  });

  it('429 with a reset: waits (on its clock) until the reset, then one more POST; a 429 made no key, so nothing is read', async () => {
    const clock = fakeClock();
    const reset = Math.ceil(clock.now() / 1000) + 2;
    emulator.inject({ status: 429, headers: { 'x-ratelimit-reset-requests': String(reset) } }, { method: 'POST' });
    await mint(mintConfig(emulator), clientFor(emulator, { clock }), RUN, clock);
    expect(emulator.requests('POST').map((entry) => entry.status)).toEqual([429, 200]);
    expect(clock.now()).toBeGreaterThanOrEqual(reset * 1000);
    expect(emulator.calls()).not.toContain('GET /api_keys 200');
    await settle(files.ledger(emulator.adminKey), clientFor(emulator, { clock }), RUN, 1_000, clock);
  });

  it('a server that never answers: fails after max-attempts, each name checked; the post step warns about each', async () => {
    emulator.inject({ hang: true }, { method: 'POST', times: 100 });
    const clock = fakeClock();
    const config = mintConfig(emulator, { timeoutMs: TIMEOUT, maxAttempts: 2 });
    await expect(mint(config, clientFor(emulator, { clock, timeoutMs: TIMEOUT }), RUN, clock)).rejects.toThrow(
      `POST /api_keys timed out after ${TIMEOUT} ms.`,
    );
    // Both hung, never handled; after each, the action checked that no key had been made.
    const calls = emulator.calls();
    expect(calls.filter((call) => call.startsWith('POST'))).toEqual(['POST /api_keys hung', 'POST /api_keys hung']);
    for (const [at, call] of calls.entries()) if (call.startsWith('POST')) expect(calls[at + 1]).toBe('GET /api_keys 200');
    // A timeout may still commit: both names are left to the post step, which looks until the window ends.
    const ledger = files.ledger(emulator.adminKey);
    expect(ledger.map((entry) => entry.name)).toEqual(postedNames());
    await settle(ledger, clientFor(emulator, { clock }), RUN, TIMEOUT, clock);
    expect(warnings()).toHaveLength(2);
    for (const name of postedNames()) expect(warnings().join('\n')).toContain(`A key named "${name}" may be left behind`);
  });

  it('a create that times out but commits later: the post step finds it by name and deletes it', async () => {
    emulator.inject({ delayMs: 2 * TIMEOUT }, { method: 'POST' });
    const clock = fakeClock();
    await mint(mintConfig(emulator, { timeoutMs: TIMEOUT }), clientFor(emulator, { clock, timeoutMs: TIMEOUT }), RUN, clock);
    // The late create lands in the emulator's own time; the post step runs after it, as it would after the job.
    await until(() => emulator.requests('POST').length === 2);
    expect(emulator.mintedKeys()).toHaveLength(2);
    const ledger = files.ledger(emulator.adminKey);
    expect(ledger.filter((entry) => !entry.id)).toHaveLength(1);
    await settle(ledger, clientFor(emulator, { clock }), RUN, TIMEOUT, clock);
    expect(files.lines.join('\n')).toMatch(
      /Deleted 1 key\(s\) named "venice-key:[^"]+": its create got no answer, so the job never had it\./,
    );
    expect(warnings()).toEqual([]);
  });

  it('a name that cannot be checked at all: mint and the post step fail, naming it', async () => {
    emulator.inject({ hang: true }, { method: 'POST' });
    emulator.inject({ status: 500 }, { method: 'GET', path: '/api_keys', times: 1_000 });
    const clock = fakeClock();
    const client = clientFor(emulator, { clock, timeoutMs: TIMEOUT, maxAttempts: 1 });
    await expect(mint(mintConfig(emulator, { timeoutMs: TIMEOUT, maxAttempts: 1 }), client, RUN, clock)).rejects.toThrow(
      /^A key named "venice-key:[^"]+" may have been created, but its answer was lost/,
    );
    const [name] = postedNames();
    await expect(settle(files.ledger(emulator.adminKey), client, RUN, TIMEOUT, clock)).rejects.toThrow(
      `Could not check whether Venice holds a key named "${name}"`,
    );
  });
});

describe('the post step revokes the job key through refusals, or says what is left', () => {
  it('DELETE failing twice: retried, and the key is gone', async () => {
    const clock = fakeClock();
    await mint(mintConfig(emulator), clientFor(emulator, { clock }), RUN, clock);
    emulator.inject({ status: 500 }, { method: 'DELETE', times: 2 });
    await settle(files.ledger(emulator.adminKey), clientFor(emulator, { clock }), RUN, 1_000, clock);
    expect(emulator.requests('DELETE').map((entry) => entry.status)).toEqual([500, 500, 200]);
  });

  it('DELETE failing for good: fails naming the key and how to remove it, and that advice works', async () => {
    const clock = fakeClock();
    await mint(mintConfig(emulator), clientFor(emulator, { clock }), RUN, clock);
    const [{ id } = {}] = files.ledger(emulator.adminKey);
    emulator.inject({ status: 500 }, { method: 'DELETE', times: 100 });
    const settled = settle(files.ledger(emulator.adminKey), clientFor(emulator, { clock, maxAttempts: 2 }), RUN, 1_000, clock);
    await expect(settled).rejects.toThrow(`Could not revoke key ${id}: DELETE /api_keys?id=${id} answered 500`);
    await expect(settled).rejects.toThrow(`(mode: revoke, key-id: ${id})`);
    emulator.clearFaults();
    await expect(clientFor(emulator).deleteKey(id as string)).resolves.toBe('deleted');
  });
});

describe('reads are retried', () => {
  it('a connection dropped before any answer: the read is retried and succeeds, and the retry is in the debug log', async () => {
    emulator.inject({ drop: 'before' }, { method: 'GET', path: '/api_keys/rate_limits' });
    const debug: string[] = [];
    const client = clientFor(emulator, { key: emulator.inferenceKey, debug: (line) => debug.push(line) });
    await expect(client.rateLimits()).resolves.toMatchObject({ accessPermitted: true });
    expect(emulator.calls()).toEqual(['GET /api_keys/rate_limits dropped', 'GET /api_keys/rate_limits 200']);
    expect(debug.join('\n')).toMatch(/GET \/api_keys\/rate_limits: retrying in \d+ ms after: GET \/api_keys\/rate_limits failed/);
  });
});
