/**
 * The built action (dist/), run as the runner runs it, against the emulator:
 * each mode's happy path and its expected failures, and the requests each one sends.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { runJob, runStep } from '../../emulator/fake-runner.ts';
import { VeniceEmulator } from '../../emulator/venice-emulator.ts';
import { keyName, repoTag } from '../../src/lifecycle/naming.ts';
import { summaryText } from '../../src/runner/summary.ts';
import { assertMaskedFirst, assertNoKeyLeaked } from '../helpers/leaks.ts';
import { sealedLedger } from '../helpers/ledger.ts';

const RUN = { repository: 'octo-org/octo-repo', runId: '1234567890', runAttempt: '1' };
let emulator: VeniceEmulator;

beforeEach(async () => {
  emulator = await new VeniceEmulator().start();
});
afterEach(async () => {
  await emulator.stop();
});

const base = () => ({ 'base-url': emulator.url });
const calls = () => emulator.calls();

describe('verify', () => {
  it('accepts a good key with one GET of /api_keys/rate_limits and reports its facts', async () => {
    const result = await runStep('main', { inputs: { ...base(), 'api-key': emulator.inferenceKey } });
    expect(result.code).toBe(0);
    expect(calls()).toEqual(['GET /api_keys/rate_limits 200']);
    expect(result.outputs).toMatchObject({
      valid: 'true',
      'access-permitted': 'true',
      'balance-usd': '100',
      'balance-diem': '25',
      'api-tier': 'paid',
      'key-type': 'INFERENCE',
      'expires-at': '',
    });
    expect(result.summary).toContain('Venice key is valid');
    // ACTIONS_STEP_DEBUG shows every request: method, path, status, attempt, time.
    expect(result.stdout).toMatch(/^::debug::GET \/api_keys\/rate_limits -> 200 \(attempt 1\/5, \d+ ms\)$/m);
    assertMaskedFirst(result.stdout, emulator.inferenceKey);
    assertNoKeyLeaked(result, [emulator.inferenceKey, emulator.adminKey]);
  });

  it('fails on a rejected key after exactly one request (a 401 is an answer, not a fault)', async () => {
    const wrong = `${emulator.inferenceKey.slice(0, -4)}abcd`;
    const result = await runStep('main', { inputs: { ...base(), 'api-key': wrong } });
    expect(result.code).toBe(1);
    expect(calls()).toEqual(['GET /api_keys/rate_limits 401']);
    expect(result.outputs.valid).toBe('false');
    expect(result.stdout).toMatch(/::error::The key is not valid: Venice rejected it \(401\): it is wrong, revoked or expired\./);
    assertNoKeyLeaked(result, [wrong]);
  });

  it('with fail-on-invalid: false, reports valid=false and succeeds', async () => {
    emulator.setBalances({ USD: 3, DIEM: 0 });
    const result = await runStep('main', {
      inputs: { ...base(), 'api-key': emulator.inferenceKey, 'min-balance-usd': '5', 'fail-on-invalid': 'false' },
    });
    expect(result.code).toBe(0);
    expect(result.outputs.valid).toBe('false');
    expect(result.stdout).toContain('::warning::The key is not valid: its USD balance 3 is below min-balance-usd 5.');
  });

  it('judges expiry against min-ttl, and required models against what the key may use', async () => {
    const key = emulator.addKey({
      apiKeyType: 'INFERENCE',
      expiresAt: new Date(Date.now() + 10 * 60_000).toISOString(),
      modelPrivacy: 'PRIVATE_ONLY',
    });
    const result = await runStep('main', {
      inputs: { ...base(), 'api-key': key.secret, 'min-ttl': '30m', 'require-models': 'qwen3-4b\nclaude-opus-45' },
    });
    expect(result.code).toBe(1);
    expect(result.stdout).toMatch(/expires in (9m \d+s|10m), sooner than min-ttl 30m/);
    expect(result.stdout).toContain('cannot use the required model(s): claude-opus-45');
    expect(result.outputs['expires-at']).toBe(key.expiresAt);
    expect(calls()).toEqual(['GET /api_keys/rate_limits 200', 'GET /models 200']);
    assertNoKeyLeaked(result, [key.secret]);
  });
});

describe('mint and the post step', () => {
  it('mints with one POST, masks the key first, and the post step revokes it with one DELETE', async () => {
    const { main, post } = await runJob({
      inputs: {
        ...base(),
        'admin-key': emulator.adminKey,
        ttl: '10m',
        'usd-limit': '2.5',
        description: 'nightly evals',
        'export-env': 'VENICE_API_KEY',
      },
    });
    expect(main.code).toBe(0);
    const apiKey = main.outputs['api-key'] as string;
    expect(apiKey).toMatch(/^VENICE_INFERENCE_KEY_/);
    assertMaskedFirst(main.stdout, apiKey);
    assertNoKeyLeaked(main, [apiKey, emulator.adminKey]);
    expect(main.env.VENICE_API_KEY).toBe(apiKey);
    expect(main.outputs['key-type']).toBe('INFERENCE');
    expect(main.state.ledger).toContain(`"id":"${main.outputs['key-id']}"`);
    expect(main.summary).toContain(main.outputs['key-id']);
    expect(main.summary).toContain(summaryText(`…${apiKey.slice(-6)}`)); // as the summary escapes it
    expect(main.summary).not.toContain(apiKey);

    expect(post.code).toBe(0);
    expect(post.stdout).toContain(`Deleted key ${main.outputs['key-id']} (it spent 0 USD and 0 DIEM).`);
    expect(post.summary).toContain('Venice key revoked');
    assertNoKeyLeaked(post, [apiKey, emulator.adminKey]);
    // The post step reads the key once (that it is this job's, and what it spent), deletes it, then reads
    // the rate-limit log once (which limits it ran into).
    expect(calls()).toEqual([
      'POST /api_keys 200',
      `GET /api_keys/${main.outputs['key-id']} 200`,
      'DELETE /api_keys 200',
      'GET /api_keys/rate_limits/log 200',
    ]);
    expect(main.stderr + post.stderr).toBe('');
    expect(emulator.mintedKeys()).toEqual([]);
  });

  it('with openai-env, also exports OPENAI_API_KEY (masked first) and OPENAI_BASE_URL for later steps', async () => {
    const result = await runStep('main', {
      inputs: { 'base-url': `${emulator.url}/`, 'admin-key': emulator.adminKey, 'openai-env': 'true', 'export-env': 'VENICE_API_KEY' },
    });
    expect(result.code).toBe(0);
    const apiKey = result.outputs['api-key'] as string;
    // The root as the OpenAI SDKs take it: they append /chat/completions themselves.
    expect(result.env).toEqual({ VENICE_API_KEY: apiKey, OPENAI_API_KEY: apiKey, OPENAI_BASE_URL: emulator.url });
    assertMaskedFirst(result.stdout, apiKey);
    assertNoKeyLeaked(result, [apiKey, emulator.adminKey]);
    expect(calls()).toEqual(['POST /api_keys 200']);
  });

  it('sends the caps, the period, the privacy and an expiry ttl from now; names the key after the run', async () => {
    const before = Date.now();
    const result = await runStep('main', {
      inputs: {
        ...base(),
        'admin-key': emulator.adminKey,
        ttl: '2h',
        'diem-limit': '1',
        'model-privacy': 'private_text',
        description: 'x'.repeat(80),
      },
    });
    expect(result.code).toBe(0);
    const [key] = emulator.mintedKeys();
    expect(key).toMatchObject({
      apiKeyType: 'INFERENCE',
      consumptionLimits: { usd: null, diem: 1 },
      limitPeriod: 'LIFETIME',
      modelPrivacy: 'PRIVATE_TEXT',
    });
    expect(key?.description).toHaveLength(64);
    expect(key?.description).toMatch(new RegExp(`^venice-key:${repoTag(RUN.repository)}:1234567890\\.1:job:[0-9a-z]{8} x+$`));
    const expires = Date.parse(result.outputs['expires-at'] as string);
    expect(expires - before).toBeGreaterThanOrEqual(2 * 3_600_000 - 1_000);
    expect(expires - Date.now()).toBeLessThanOrEqual(2 * 3_600_000);
    expect(result.outputs['expires-at']).toBe(key?.expiresAt);
  });

  it('with revoke: false, keeps the key and the post step does nothing', async () => {
    const { main, post } = await runJob({ inputs: { ...base(), 'admin-key': emulator.adminKey, revoke: 'false' } });
    expect(main.code).toBe(0);
    expect(main.state.ledger).toBe('');
    expect(post.code).toBe(0);
    expect(post.stdout).toBe('');
    expect(calls()).toEqual(['POST /api_keys 200']);
    expect(emulator.mintedKeys()).toHaveLength(1);
  });

  it('post: skips the call when the key has already expired', async () => {
    const expired = {
      name: keyName(RUN, 'job', 'abcdefgh'),
      sentAt: Date.now(),
      id: 'some-id',
      expiresAt: new Date(Date.now() - 1_000).toISOString(),
    };
    const post = await runStep('post', {
      inputs: { ...base(), 'admin-key': emulator.adminKey },
      state: { ledger: sealedLedger(emulator.adminKey, [expired]) },
    });
    expect(post.code).toBe(0);
    expect(post.stdout).toContain('expired at');
    expect(emulator.log).toEqual([]);
  });

  it('explains a server 401 "Admin API key required" for an admin-key that is not ADMIN', async () => {
    const inference = emulator.addKey({ apiKeyType: 'INFERENCE', secret: 'unprefixed-inference-secret-0123456789' });
    const result = await runStep('main', { inputs: { ...base(), 'admin-key': inference.secret } });
    expect(result.code).toBe(1);
    expect(result.stdout).toContain(
      "::error::Input 'admin-key' is not an ADMIN key: Venice accepts it, but refused it for managing keys (401).",
    );
    // Decided by asking Venice whether the key is valid at all, not by the words of the 401.
    expect(calls()).toEqual(['POST /api_keys 401', 'GET /api_keys/rate_limits 200']);
    assertNoKeyLeaked(result, [inference.secret]);
  });
});

describe('revoke and prune', () => {
  it("revoke deletes the listed ids of this repository's keys; an unknown id is already gone; any other key is refused", async () => {
    const a = emulator.addKey({ apiKeyType: 'INFERENCE', description: keyName({ ...RUN, runId: '1' }, 'job', 'aaaaaaaa') });
    const b = emulator.addKey({ apiKeyType: 'INFERENCE', description: keyName(RUN, 'keep', 'bbbbbbbb') });
    const foreign = emulator.addKey({ apiKeyType: 'INFERENCE', description: 'my laptop' });
    const result = await runStep('main', {
      inputs: { ...base(), mode: 'revoke', 'admin-key': emulator.adminKey, 'key-id': `${a.id}, ${b.id}\nmissing-id` },
    });
    expect(result.code).toBe(0);
    expect(result.outputs).toMatchObject({ revoked: '2', 'spent-usd': '0', 'spent-diem': '0' });
    expect(result.stdout).toContain("Key missing-id is not on the account: already gone, or not an id of this account's keys.");
    expect(emulator.mintedKeys().map((key) => key.id)).toEqual([foreign.id]);

    const refused = await runStep('main', { inputs: { ...base(), mode: 'revoke', 'admin-key': emulator.adminKey, 'key-id': foreign.id } });
    expect(refused.code).toBe(1);
    expect(refused.outputs.revoked).toBe('0');
    expect(refused.stdout).toContain(`::error::Could not delete key ${foreign.id}: it is not a key this action minted for this repository`);
    expect(emulator.mintedKeys().map((key) => key.id)).toEqual([foreign.id]);
  });

  it("prune deletes only this action's INFERENCE keys for this repository older than older-than", async () => {
    const old = new Date(Date.now() - 7 * 3_600_000).toISOString();
    const name = (nonce: string, repository = RUN.repository) => keyName({ ...RUN, repository }, 'job', nonce);
    const stale = emulator.addKey({ apiKeyType: 'INFERENCE', description: name('aaaaaaaa'), createdAt: old });
    const fresh = emulator.addKey({ apiKeyType: 'INFERENCE', description: name('bbbbbbbb') });
    const otherRepo = emulator.addKey({ apiKeyType: 'INFERENCE', description: name('cccccccc', 'someone/else'), createdAt: old });
    const admin = emulator.addKey({ apiKeyType: 'ADMIN', description: name('dddddddd'), createdAt: old });
    const foreign = emulator.addKey({ apiKeyType: 'INFERENCE', description: 'my laptop', createdAt: old });

    const dry = await runStep('main', { inputs: { ...base(), mode: 'prune', 'admin-key': emulator.adminKey, 'dry-run': 'true' } });
    expect(dry.code).toBe(0);
    expect(dry.outputs.revoked).toBe('1');
    expect(emulator.mintedKeys()).toHaveLength(5);

    const result = await runStep('main', { inputs: { ...base(), mode: 'prune', 'admin-key': emulator.adminKey } });
    expect(result.code).toBe(0);
    expect(result.outputs.revoked).toBe('1');
    const left = emulator.mintedKeys().map((key) => key.id);
    expect(left).not.toContain(stale.id);
    expect(left.sort()).toEqual([fresh.id, otherRepo.id, admin.id, foreign.id].sort());
  });
});

describe('inputs', () => {
  // One case end to end; each input's own refusals run in process (test/promises/inputs-are-checked-before-anything-is-sent).
  it('reports every bad input as an ::error:: naming it, and sends nothing', async () => {
    const result = await runStep('main', {
      inputs: {
        ...base(),
        'admin-key': emulator.adminKey,
        ttl: '5s',
        'usd-limit': '-1',
        'limit-period': 'weekly',
        'export-env': 'GITHUB_TOKEN',
      },
    });
    expect(result.code).toBe(1);
    for (const input of ['ttl', 'usd-limit', 'limit-period', 'export-env']) {
      expect(result.stdout).toContain(`::error title=venice-key%3A invalid input '${input}'::Input '${input}'`);
    }
    expect(result.stdout).toContain('::error::4 input problem(s); nothing was sent to Venice.');
    expect(emulator.log).toEqual([]);
    assertNoKeyLeaked(result, [emulator.adminKey]);
  });
});
