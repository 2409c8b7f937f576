/**
 * One key for a whole matrix: a minting job seals its key into the `handoff` output, the
 * legs of the matrix (each a separate job environment of the same run) open it without a
 * request to Venice, and a final run-scoped revoke deletes it. The built action runs as
 * the runner runs it, against the emulator.
 */
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { renderLog, runJob, runStep, type StepOptions, type StepResult } from '../../emulator/fake-runner.ts';
import { VeniceEmulator } from '../../emulator/venice-emulator.ts';
import { repoTag } from '../../src/lifecycle/naming.ts';
import { summaryText } from '../../src/runner/summary.ts';
import { assertMaskedBeforeAnythingElse, assertMaskedFirst, assertNoKeyLeaked } from '../helpers/leaks.ts';

const RUN = { repository: 'octo-org/octo-repo', runId: '1234567890', runAttempt: '1' };
/** Exactly the shortest secret the action accepts. */
const SECRET = 'matrix-handoff-secret-32-chars!!';
const WRONG_SECRET = 'some-other-handoff-secret-of-32-plus-chars';
const KEY_SHAPED = /VENICE_[A-Z]+_KEY_/;

let emulator: VeniceEmulator;

/** Every step the action runs here writes nothing to stderr. */
async function step(kind: 'main' | 'post', options: StepOptions): Promise<StepResult> {
  const result = await runStep(kind, options);
  expect(result.stderr, `stderr of a ${kind} step`).toBe('');
  return result;
}

async function job(options: StepOptions): Promise<{ main: StepResult; post: StepResult }> {
  const result = await runJob(options);
  expect(result.main.stderr, 'stderr of a main step').toBe('');
  expect(result.post.stderr, 'stderr of a post step').toBe('');
  return result;
}

async function mainStepOnly(options: StepOptions): Promise<{ main: StepResult; post?: StepResult }> {
  return { main: await step('main', options) };
}

const mintInputs = (extra: Record<string, string> = {}) => ({
  'base-url': emulator.url,
  'admin-key': emulator.adminKey,
  'handoff-secret': SECRET,
  ttl: '30m',
  ...extra,
});

/** The minting job of the run: main, then post with main's state. */
async function mintForRun(extra: Record<string, string> = {}) {
  const { main, post } = await job({ inputs: mintInputs(extra), env: { GITHUB_JOB: 'mint' } });
  expect(main.code).toBe(0);
  expect(post.code).toBe(0);
  return {
    main,
    post,
    handoff: main.outputs.handoff as string,
    apiKey: main.outputs['api-key'] as string,
    keyId: main.outputs['key-id'] as string,
    expiresAt: main.outputs['expires-at'] as string,
  };
}

/** The handoff with the character at `at` replaced by another base64url character. */
const flip = (text: string, at: number) => `${text.slice(0, at)}${text[at] === 'A' ? 'B' : 'A'}${text.slice(at + 1)}`;

/** The index of the first character of the sealed payload (after `vkh1.<tag>.<run>.`). */
const payloadStart = (handoff: string) => handoff.lastIndexOf('.') + 1;

describe('one minting job and a three-leg matrix', () => {
  beforeEach(async () => {
    emulator = await new VeniceEmulator().start();
  });
  afterEach(async () => {
    await emulator.stop();
  });

  it('mints once, every leg gets the same working key without a request, and a final revoke leaves no key', async () => {
    // The minting job.
    const mint = await mintForRun({ 'export-env': 'VENICE_API_KEY' });
    const { main, post, handoff, apiKey, keyId } = mint;
    expect(apiKey).toMatch(/^VENICE_INFERENCE_KEY_/);
    expect(main.outputs['key-type']).toBe('INFERENCE');
    expect(main.env.VENICE_API_KEY).toBe(apiKey);
    assertMaskedFirst(main.stdout, apiKey);
    assertMaskedBeforeAnythingElse(main.stdout, SECRET);
    assertNoKeyLeaked(main, [apiKey, emulator.adminKey, SECRET]);
    expect(main.summary).not.toContain(apiKey);
    expect(main.summary).not.toContain(summaryText(apiKey));

    // The handoff: bound to this repository and run, holding nothing of the key in the clear, and not masked.
    expect(handoff).toMatch(new RegExp(`^vkh1\\.${repoTag(RUN.repository)}\\.${RUN.runId}\\.[A-Za-z0-9_-]+$`));
    const secretPart = apiKey.slice('VENICE_INFERENCE_KEY_'.length);
    for (let at = 0; at + 8 <= secretPart.length; at++) expect(handoff).not.toContain(secretPart.slice(at, at + 8));
    expect(handoff).not.toContain(Buffer.from(apiKey).toString('base64url').slice(0, 16));
    expect(handoff).not.toContain(keyId);
    expect(handoff).not.toMatch(KEY_SHAPED);
    const minted = renderLog(main.stdout);
    expect(minted.masks.has(handoff)).toBe(false);
    // The runner drops an output that holds a masked value: the handoff must hold none.
    for (const masked of minted.masks) expect(handoff).not.toContain(masked);

    // One key, named for the run (scope `run`); the minting job's post step deletes nothing.
    expect(emulator.calls()).toEqual(['POST /api_keys 200']);
    expect(emulator.requests('POST')).toHaveLength(1);
    const [key] = emulator.mintedKeys();
    expect(emulator.mintedKeys()).toHaveLength(1);
    expect(key?.id).toBe(keyId);
    expect(key?.description).toMatch(new RegExp(`^venice-key:${repoTag(RUN.repository)}:${RUN.runId}\\.1:run:[0-9a-z]{8}$`));
    expect(main.state.ledger ?? '').toBe('');
    expect(post.stdout).toBe('');
    expect(emulator.requests('DELETE')).toEqual([]);

    // Three legs, each its own job environment of the same run; one is a re-run (attempt 2).
    const legs: { env: Record<string, string>; inputs: Record<string, string> }[] = [
      { env: { GITHUB_JOB: 'test-linux' }, inputs: { mode: 'receive', 'export-env': 'VENICE_API_KEY' } },
      // mode: auto, chosen by 'handoff'; the key for OpenAI-compatible tools.
      { env: { GITHUB_JOB: 'test-macos' }, inputs: { 'openai-env': 'true' } },
      { env: { GITHUB_JOB: 'test-windows', GITHUB_RUN_ATTEMPT: '2' }, inputs: { mode: 'receive' } },
    ];
    const sentBefore = emulator.log.length;
    const received: StepResult[] = [];
    for (const [index, leg] of legs.entries()) {
      // A leg's post step has nothing to do; the first leg's shows it.
      const { main: legMain, post: legPost } = await (index === 0 ? job : mainStepOnly)({
        inputs: { 'base-url': emulator.url, handoff, 'handoff-secret': SECRET, ...leg.inputs },
        env: leg.env,
      });
      const name = leg.env.GITHUB_JOB;
      expect(legMain.code, name).toBe(0);
      expect(legMain.outputs, name).toEqual({
        'api-key': apiKey,
        'key-id': keyId,
        'expires-at': mint.expiresAt,
        'key-type': 'INFERENCE',
      });
      assertMaskedFirst(legMain.stdout, apiKey);
      assertMaskedBeforeAnythingElse(legMain.stdout, SECRET);
      assertNoKeyLeaked(legMain, [apiKey, emulator.adminKey, SECRET]);
      expect(legMain.stdout, name).toContain('no request was sent to Venice');
      expect(legMain.summary, name).toContain('Venice key received');
      expect(legMain.summary, name).toContain(keyId);
      // The summary escapes Markdown punctuation such as '_', which base64url keys contain.
      expect(legMain.summary, name).toContain(summaryText(`…${apiKey.slice(-6)}`));
      expect(legMain.summary, name).not.toContain(apiKey);
      expect(legMain.summary, name).not.toContain(summaryText(apiKey));
      expect(legMain.summary, name).not.toContain(SECRET);
      if ('export-env' in leg.inputs) expect(legMain.env, name).toEqual({ VENICE_API_KEY: apiKey });
      else if ('openai-env' in leg.inputs) expect(legMain.env, name).toEqual({ OPENAI_API_KEY: apiKey, OPENAI_BASE_URL: emulator.url });
      else expect(legMain.env, name).toEqual({});
      expect(renderLog(legMain.stdout).annotations, name).toEqual([]);
      if (legPost) {
        expect(legPost.code, name).toBe(0);
        expect(legPost.stdout, name).toBe('');
      }
      received.push(legMain);
    }
    // No leg sent anything to Venice.
    expect(emulator.log.length).toBe(sentBefore);
    expect(emulator.calls()).toEqual(['POST /api_keys 200']);

    // The key the legs received (one key, as their outputs show) works.
    const verified = await step('main', { inputs: { 'base-url': emulator.url, 'api-key': received[0]?.outputs['api-key'] as string } });
    expect(verified.code).toBe(0);
    expect(verified.outputs.valid).toBe('true');
    assertNoKeyLeaked(verified, [apiKey]);
    expect(emulator.requests('POST')).toHaveLength(1);

    // A final job: a run-scoped revoke (no key-id) deletes every key the run minted.
    const cleanup = await job({
      inputs: { 'base-url': emulator.url, mode: 'revoke', 'admin-key': emulator.adminKey },
      env: { GITHUB_JOB: 'cleanup' },
    });
    expect(cleanup.main.code).toBe(0);
    expect(cleanup.main.outputs.revoked).toBe('1');
    assertNoKeyLeaked(cleanup.main, [apiKey, emulator.adminKey]);
    expect(cleanup.post.stdout).toBe('');
    expect(emulator.requests('DELETE')).toHaveLength(1);
    expect(emulator.mintedKeys()).toEqual([]);

    // The leg's key no longer works.
    const after = await step('main', { inputs: { 'base-url': emulator.url, 'api-key': received[0]?.outputs['api-key'] as string } });
    expect(after.code).toBe(1);
    expect(after.outputs.valid).toBe('false');
    expect(emulator.calls().at(-1)).toBe('GET /api_keys/rate_limits 401');
    assertNoKeyLeaked(after, [apiKey]);

    // Exactly one key was created for the whole run.
    expect(emulator.requests('POST')).toHaveLength(1);
  });
});

/**
 * Every way a handoff can be wrong, and every input a handoff mode refuses, is tried in
 * process (test/promises/a-leg-refuses-a-handoff-it-cannot-open.test.ts and
 * inputs-are-checked-before-anything-is-sent.test.ts); the built action refuses one of each here.
 */
describe('a leg refuses a handoff it cannot open, naming the cause', () => {
  let minted: Awaited<ReturnType<typeof mintForRun>>;

  beforeAll(async () => {
    emulator = await new VeniceEmulator().start();
    minted = await mintForRun();
  });
  afterAll(async () => {
    await emulator.stop();
  });

  const refusals = [
    {
      name: 'one character of the ciphertext changed',
      handoff: () => flip(minted.handoff, payloadStart(minted.handoff) + 70),
      secret: SECRET,
      message: "Input 'handoff' has been altered: its checksum does not match.",
    },
    {
      name: 'the wrong secret',
      handoff: () => minted.handoff,
      secret: WRONG_SECRET,
      message: "Input 'handoff-secret' is not the secret that sealed this handoff.",
    },
  ];

  it.each(refusals)('$name', async (refusal) => {
    const result = await step('main', {
      inputs: { 'base-url': emulator.url, mode: 'receive', handoff: refusal.handoff(), 'handoff-secret': refusal.secret },
      env: { GITHUB_JOB: 'leg' },
    });
    expect(result.code).toBe(1);
    expect(renderLog(result.stdout).annotations).toEqual([{ kind: 'error', message: expect.stringContaining(refusal.message) }]);
    expect(result.outputs).toEqual({});
    expect(result.env).toEqual({});
    expect(result.summary).toBe('');
    // Nothing of the key: not the key, not anything key-shaped, not even its id.
    assertNoKeyLeaked(result, [minted.apiKey, refusal.secret, emulator.adminKey]);
    expect(result.stdout).not.toMatch(KEY_SHAPED);
    expect(result.stdout).not.toContain(minted.keyId);
    assertMaskedBeforeAnythingElse(result.stdout, refusal.secret);
  });

  it('the minted key is still the only one, and nothing but its POST was sent', () => {
    expect(emulator.calls()).toEqual(['POST /api_keys 200']);
    expect(emulator.mintedKeys().map((key) => key.id)).toEqual([minted.keyId]);
  });
});

describe('inputs are checked before anything is sent', () => {
  it('receive with a handoff-secret too short: the input is named, the secret masked first, nothing sent', async () => {
    emulator = await new VeniceEmulator().start();
    try {
      const short = 'x'.repeat(31);
      const result = await step('main', {
        inputs: { 'base-url': emulator.url, mode: 'receive', handoff: 'vkh1.00000000.1.AAAA', 'handoff-secret': short },
      });
      expect(result.code).toBe(1);
      expect(renderLog(result.stdout).annotations).toEqual([
        {
          kind: 'error',
          message: expect.stringContaining("Input 'handoff-secret' is 31 characters long; it must be at least 32."),
          title: "venice-key: invalid input 'handoff-secret'",
        },
        { kind: 'error', message: '1 input problem(s); nothing was sent to Venice.' },
      ]);
      expect(result.outputs).toEqual({});
      expect(emulator.received).toBe(0);
      assertMaskedBeforeAnythingElse(result.stdout, short);
      assertNoKeyLeaked(result, [short]);
    } finally {
      await emulator.stop();
    }
  });
});
