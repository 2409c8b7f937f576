/**
 * README, Security: "Text from elsewhere is data." Venice's error messages and the words
 * of its answers come back shaped as workflow commands, with line breaks of every kind,
 * as Markdown and HTML, and carrying a key. Every such string, in every shape in which
 * Venice's words reach the log, goes through the real code: VeniceClient on undici's
 * MockAgent, the mode's run function (the post step's settle() with a clock that moves
 * only when the code sleeps), a failure reported as src/main.ts and src/post.ts report
 * it. What was printed is rendered as the runner renders it: only the action's own
 * commands are obeyed, the server's words are quoted on one line, no key appears, and
 * the job summary shows them escaped. The end-to-end cases (test/e2e, same name) run one
 * string through each route of the built action.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { MockAgent } from 'undici';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { parseFileCommands } from '../../emulator/fake-runner.ts';
import type { Clock } from '../../src/clock.ts';
import { Ledger, type LedgerEntry } from '../../src/lifecycle/ledger.ts';
import { keyName } from '../../src/lifecycle/naming.ts';
import { settle } from '../../src/lifecycle/settle.ts';
import { describeFailure } from '../../src/modes/failures.ts';
import type { MintConfig } from '../../src/modes/mint/index.ts';
import { mint } from '../../src/modes/mint/run.ts';
import type { RevokeConfig } from '../../src/modes/revoke/index.ts';
import { revoke } from '../../src/modes/revoke/run.ts';
import type { VerifyConfig } from '../../src/modes/verify/index.ts';
import { verify } from '../../src/modes/verify/run.ts';
import { fail, mask } from '../../src/runner/log.ts';
import { veniceClient } from '../../src/runner/venice-client.ts';
import { assertMaskedFirst } from '../helpers/leaks.ts';
import { RUN } from '../helpers/ledger.ts';
import { checkLog, checkSummary, HOSTILE, NAMED, quoted, shown } from '../helpers/untrusted-text.ts';

const ORIGIN = 'https://api.venice.test';
const BASE = new URL(`${ORIGIN}/api/v1`);
const ADMIN_KEY = 'VENICE_ADMIN_KEY_textfromelsewhere_0123';
/** A caller's key of no known shape: only masking keeps it out of the log. */
const CALLER_KEY = 'plain-secret-of-no-known-shape-0123456789';
const JSON_TYPE = { headers: { 'content-type': 'application/json' } };
const TIMEOUT_MS = 10_000;

let agent: MockAgent;
let dir: string;
let printed = '';
const savedEnv = { ...process.env };
const savedExitCode = process.exitCode;

// core.summary keeps the first summary path it reads: one directory for the whole file.
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'venice-key-text-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));
beforeEach(() => {
  agent = new MockAgent();
  agent.disableNetConnect();
  for (const name of ['OUTPUT', 'STATE', 'ENV', 'STEP_SUMMARY']) {
    process.env[`GITHUB_${name}`] = join(dir, name);
    writeFileSync(join(dir, name), '');
  }
  printed = '';
  vi.spyOn(process.stdout, 'write').mockImplementation((chunk) => {
    printed += String(chunk);
    return true;
  });
});
afterEach(async () => {
  vi.restoreAllMocks();
  process.env = { ...savedEnv };
  process.exitCode = savedExitCode;
  await agent.close();
});

interface Step {
  failed: boolean;
  stdout: string;
  outputs: Record<string, string>;
  summary: string;
  /** What the post step would be handed. */
  ledger: LedgerEntry[];
}

/** A step as src/main.ts and src/post.ts run one: its secrets masked first, a failure reported through `fail`. */
async function step(secrets: string[], work: () => Promise<void>): Promise<Step> {
  for (const secret of secrets) mask(secret);
  process.exitCode = undefined;
  try {
    await work();
  } catch (problem) {
    fail(describeFailure(problem));
  }
  const failed = process.exitCode === 1;
  process.exitCode = savedExitCode;
  const read = (name: string) => readFileSync(join(dir, name), 'utf8');
  const state = parseFileCommands(read('STATE'));
  const loaded = state.ledger === undefined ? undefined : Ledger.load(ADMIN_KEY, RUN, state.ledger);
  return {
    failed,
    stdout: printed,
    outputs: parseFileCommands(read('OUTPUT')),
    summary: read('STEP_SUMMARY'),
    ledger: loaded?.kind === 'ok' ? [...loaded.ledger.entries] : [],
  };
}

/** The client as the action builds it (a debug line per request), on the MockAgent, with no real sleep. */
const client = (key: string, maxAttempts = 1) =>
  veniceClient({ baseUrl: BASE, timeoutMs: TIMEOUT_MS, maxAttempts }, key, { dispatcher: agent, sleep: async () => {} });

/** Venice's answer to one request. */
const on = (method: 'GET' | 'POST' | 'DELETE', path: string) => agent.get(ORIGIN).intercept({ method, path: `/api/v1${path}` });

/** A clock that moves only when the code under test sleeps. */
function fakeClock(start = Date.now()): Clock {
  let now = start;
  return {
    now: () => now,
    sleep: async (ms: number) => {
      now += ms;
    },
  };
}

const listed = (id: string, description: string, extra: Record<string, unknown> = {}) => ({
  id,
  apiKeyType: 'INFERENCE',
  description,
  createdAt: null,
  expiresAt: null,
  last6Chars: 'abcdef',
  ...extra,
});
const list = (...keys: ReturnType<typeof listed>[]) => ({ object: 'list', data: keys });

const verifyConfig: VerifyConfig = {
  mode: 'verify',
  baseUrl: BASE,
  timeoutMs: TIMEOUT_MS,
  maxAttempts: 1,
  apiKey: CALLER_KEY,
  requireModels: [],
  failOnInvalid: true,
};
const rateLimits = (tier: string) => ({
  data: {
    accessPermitted: true,
    apiTier: { id: tier, isCharged: false },
    balances: { USD: 10, DIEM: 5 },
    keyExpiration: null,
    nextEpochBegins: '2025-01-01T00:00:00.000Z',
  },
});
const runVerify = () => step([CALLER_KEY], () => verify(verifyConfig, client(CALLER_KEY)));

describe('Text from elsewhere is data: what Venice says to verify is quoted on one line, never obeyed', () => {
  const refusals = HOSTILE.flatMap((hostile) => [
    { status: 400, hostile, json: true, name: `JSON {"error": ${shown(hostile)}}` },
    { status: 503, hostile, json: true, name: `JSON {"error": ${shown(hostile)}}` },
    { status: 400, hostile, json: false, name: `text ${shown(hostile)}` },
  ]);
  it.each(refusals)('$status, $name, with the caller key echoed: one ::error::, the words quoted', async ({ status, hostile, json }) => {
    // A server may echo the caller's key: only masking it first keeps it out.
    const said = `${hostile} ${CALLER_KEY}`;
    on('GET', '/api_keys/rate_limits').reply(status, json ? { error: said } : said, json ? JSON_TYPE : {});
    const result = await runVerify();
    expect(result.failed).toBe(true);
    agent.assertNoPendingInterceptors();
    const log = checkLog(result.stdout, [CALLER_KEY]);
    // A raw body is trimmed before it is quoted; a JSON body's `error` is quoted as sent. The key is redacted.
    const words = quoted(json ? hostile : hostile.trim()).replace(/"$/, ' ***"');
    expect(log.annotations).toEqual([{ kind: 'error', message: `GET /api_keys/rate_limits answered ${status}: ${words}` }]);
    expect(result.summary).toBe('');
  });

  it.each(NAMED)('a 200 that is not JSON, %s: never printed, its length told', async (_name, hostile) => {
    on('GET', '/api_keys/rate_limits').reply(200, hostile);
    const result = await runVerify();
    expect(result.failed).toBe(true);
    const log = checkLog(result.stdout, [CALLER_KEY]);
    expect(log.annotations).toEqual([
      // A 2xx body may carry a secret of any shape, so none of it is shown.
      { kind: 'error', message: `GET /api_keys/rate_limits: the answer (200) is not JSON (${hostile.length} characters); check base-url.` },
    ]);
  });

  it.each(NAMED)('a 403 saying %s: the reason is quoted in the ::error:: and escaped in the summary', async (_name, hostile) => {
    on('GET', '/api_keys/rate_limits').reply(403, { error: hostile }, JSON_TYPE);
    const result = await runVerify();
    expect(result.failed).toBe(true);
    const log = checkLog(result.stdout, [CALLER_KEY]);
    expect(log.annotations).toEqual([{ kind: 'error', message: `The key is not valid: Venice refused it (403: ${quoted(hostile)}).` }]);
    checkSummary(result.summary);
    expect(result.summary).toContain('Venice refused it &#40;403: ');
  });

  it.each(NAMED)('a tier named %s in a good answer: data in the log, the summary and the output', async (_name, hostile) => {
    on('GET', '/api_keys/rate_limits').reply(200, rateLimits(hostile), JSON_TYPE);
    const result = await runVerify();
    expect(result.failed).toBe(false);
    const log = checkLog(result.stdout, [CALLER_KEY]);
    expect(log.annotations).toEqual([]);
    // An output is data for later steps, not the log: it carries the tier as Venice gave it.
    expect(result.outputs['api-tier']).toBe(hostile);
    expect(log.lines.filter((line) => line.startsWith('The key is valid (tier '))).toHaveLength(1);
    checkSummary(result.summary);
    expect(result.summary.match(/<tr>/g)).toHaveLength(6);
  });
});

const mintConfig = (extra: Partial<MintConfig> = {}): MintConfig => ({
  mode: 'mint',
  adminKey: ADMIN_KEY,
  baseUrl: BASE,
  timeoutMs: TIMEOUT_MS,
  maxAttempts: 3,
  expiresAt: new Date(Date.now() + 3_600_000),
  label: '',
  scope: 'job',
  openaiEnv: false,
  ...extra,
});
let minted = 0;
/** Venice's 200 to a create: the key as asked, under the name sent, with a secret new to this test. */
function created(apiKey: string) {
  return (request: { body?: unknown }) => {
    const body = JSON.parse(String(request.body)) as { description: string; expiresAt: string };
    return {
      success: true,
      data: {
        apiKey,
        id: 'k-minted',
        apiKeyType: 'INFERENCE',
        description: body.description,
        expiresAt: body.expiresAt,
        consumptionLimit: { usd: null, diem: null },
        limitPeriod: 'EPOCH',
        modelPrivacy: 'ALL',
      },
    };
  };
}
const runMint = (config = mintConfig()) => step([ADMIN_KEY], () => mint(config, client(ADMIN_KEY, config.maxAttempts), RUN, fakeClock()));

describe('Text from elsewhere is data: what Venice says to mint is quoted, and the minted key stays masked', () => {
  it.each(NAMED)(
    '503 %s, then a key: the retry line quotes the message; the key is masked before anything shows it',
    async (_n, hostile) => {
      const apiKey = `VENICE_INFERENCE_KEY_minted${++minted}_abcdefghijklmnop`;
      on('POST', '/api_keys').reply(503, { error: hostile }, JSON_TYPE);
      on('GET', '/api_keys').reply(200, list(), JSON_TYPE);
      on('POST', '/api_keys').reply(200, created(apiKey), JSON_TYPE);
      const result = await runMint();
      expect(result.failed).toBe(false);
      agent.assertNoPendingInterceptors();
      expect(result.outputs['api-key']).toBe(apiKey);
      assertMaskedFirst(result.stdout, apiKey);
      const log = checkLog(result.stdout, [ADMIN_KEY, apiKey]);
      expect(log.annotations).toEqual([]);
      expect(log.masks.has(apiKey)).toBe(true);
      const retry = log.lines.filter((line) => line.startsWith('Creating the key failed ('));
      expect(retry).toHaveLength(1);
      expect(retry[0]).toContain(`(POST /api_keys answered 503: ${quoted(hostile)}); trying again in `);
      checkSummary(result.summary);
      expect(result.summary).not.toContain(apiKey);
      // `_` may end a key (base64url), and the summary writes it as a character reference.
      expect(result.summary).toContain(`…${apiKey.slice(-6).replaceAll('_', '&#95;')}`);
      // The 503 was an answer, so the list read after it settled its name: the post step has only the key to revoke.
      expect(result.ledger).toEqual([expect.objectContaining({ id: 'k-minted' })]);
    },
  );

  it.each(NAMED)('a 400 refusal with %s in its error and zod-style details: one ::error::, all of it quoted', async (_name, hostile) => {
    const details = { _errors: [hostile], description: { _errors: [hostile] } };
    on('POST', '/api_keys').reply(400, { error: hostile, details }, JSON_TYPE);
    // A refusal made no key: the account is counted (is it at its cap?), and nothing is retried.
    on('GET', '/api_keys').reply(200, list(), JSON_TYPE);
    const result = await runMint();
    expect(result.failed).toBe(true);
    agent.assertNoPendingInterceptors();
    const log = checkLog(result.stdout, [ADMIN_KEY]);
    expect(log.annotations).toEqual([
      {
        kind: 'error',
        message: `POST /api_keys answered 400: ${quoted(hostile)}, ${quoted(hostile)}, ${quoted(`description: ${hostile}`)}`,
      },
    ]);
    expect(result.summary).toBe('');
    expect(result.ledger).toEqual([]);
  });

  it.each(NAMED)('a create answered 200 with %s, not JSON: the key it made is found and deleted; one ::error::', async (_n, hostile) => {
    let sent = '';
    on('POST', '/api_keys').reply(200, (request) => {
      sent = (JSON.parse(String(request.body)) as { description: string }).description;
      return hostile;
    });
    on('GET', '/api_keys').reply(200, () => list(listed('k-made', sent)), JSON_TYPE);
    on('DELETE', '/api_keys?id=k-made').reply(200, { success: true }, JSON_TYPE);
    const result = await runMint();
    expect(result.failed).toBe(true);
    agent.assertNoPendingInterceptors();
    const log = checkLog(result.stdout, [ADMIN_KEY]);
    expect(log.annotations).toEqual([
      { kind: 'error', message: `POST /api_keys: the answer (200) is not JSON (${hostile.length} characters); check base-url.` },
    ]);
    expect(result.ledger).toEqual([]);
  });

  it('a label with markup and line breaks is flattened into the name and escaped in the summary', async () => {
    const apiKey = `VENICE_INFERENCE_KEY_minted${++minted}_abcdefghijklmnop`;
    let sent = '';
    on('POST', '/api_keys').reply(
      200,
      (request) => {
        sent = (JSON.parse(String(request.body)) as { description: string }).description;
        return created(apiKey)(request);
      },
      JSON_TYPE,
    );
    // Venice's 64 characters leave the label 18: room for markup and a line break.
    const result = await runMint(mintConfig({ label: '<img>\r\n[a](http://e)|' }));
    expect(result.failed).toBe(false);
    expect(sent).toMatch(/^venice-key:[0-9a-f]{8}:1234567890\.1:job:[0-9a-z]{8} <img> \[a\]\(http:\/\/e$/);
    expect(checkLog(result.stdout, [ADMIN_KEY, apiKey]).annotations).toEqual([]);
    checkSummary(result.summary);
    expect(result.summary).toContain('&#60;img&#62; &#91;a&#93;&#40;http://e');
  });
});

const NAME = keyName(RUN, 'job', 'abcdefgh');
const JOB_KEY = { name: NAME, sentAt: Date.now() - 60_000, id: 'k1', expiresAt: new Date(Date.now() + 3_600_000).toISOString() };
/** The post step as src/post.ts runs it, on a ledger that names this job's key. */
const runPost = (entries: LedgerEntry[] = [JOB_KEY]) =>
  step([ADMIN_KEY], () => settle(entries, client(ADMIN_KEY), RUN, TIMEOUT_MS, fakeClock()));

describe('Text from elsewhere is data: a failed revoke in the post step is one ::error::, the server text quoted', () => {
  it.each(NAMED)('DELETE answered 500 %s for good: the key is named, and what removes it', async (_name, hostile) => {
    on('GET', '/api_keys/k1').reply(200, { data: listed('k1', NAME) }, JSON_TYPE);
    on('DELETE', '/api_keys?id=k1').reply(500, { error: hostile }, JSON_TYPE);
    // Venice still holds it: a failure, whatever the answer said.
    on('GET', '/api_keys').reply(200, list(listed('k1', NAME)), JSON_TYPE);
    const result = await runPost();
    expect(result.failed).toBe(true);
    agent.assertNoPendingInterceptors();
    const log = checkLog(result.stdout, [ADMIN_KEY]);
    expect(log.annotations).toHaveLength(1);
    expect(log.annotations[0]).toMatchObject({ kind: 'error' });
    expect(log.annotations[0]?.message).toContain(`Could not revoke key k1: DELETE /api_keys?id=k1 answered 500: ${quoted(hostile)}. `);
    expect(log.annotations[0]?.message).toContain('(mode: revoke, key-id: k1)');
    expect(result.summary).toBe('');
  });
});

const NOT_FOUND = { error: 'Invalid request parameters', details: { _errors: ['API key could not be found'] } };
const revokeConfig = (keyIds: string[] = []): RevokeConfig => ({
  mode: 'revoke',
  adminKey: ADMIN_KEY,
  baseUrl: BASE,
  timeoutMs: TIMEOUT_MS,
  maxAttempts: 1,
  keyIds,
});
const runRevoke = (keyIds: string[] = []) => step([ADMIN_KEY], () => revoke(revokeConfig(keyIds), client(ADMIN_KEY), RUN));

describe('Decisions about a key come from what Venice holds, never from its words', () => {
  it("'API key could not be found' in details to the post step, and no such key listed: already gone, exit 0", async () => {
    on('GET', '/api_keys/k1').reply(400, NOT_FOUND, JSON_TYPE);
    on('GET', '/api_keys').reply(200, list(), JSON_TYPE);
    const result = await runPost();
    expect(result.failed).toBe(false);
    // The list was asked: the words alone decided nothing.
    agent.assertNoPendingInterceptors();
    const log = checkLog(result.stdout, [ADMIN_KEY]);
    expect(log.annotations).toEqual([]);
    expect(log.lines).toContain('Key k1 was already gone.');
  });

  it('a DELETE refused as not found, with the key no longer listed (deleted by someone else meanwhile): already gone', async () => {
    const name = keyName(RUN, 'job', '55555555');
    on('GET', '/api_keys').reply(200, list(listed('k5', name)), JSON_TYPE);
    on('DELETE', '/api_keys?id=k5').reply(400, NOT_FOUND, JSON_TYPE);
    on('GET', '/api_keys').reply(200, list(), JSON_TYPE);
    const result = await runRevoke(['k5']);
    expect(result.failed).toBe(false);
    agent.assertNoPendingInterceptors();
    expect(result.outputs.revoked).toBe('0');
    const log = checkLog(result.stdout, [ADMIN_KEY]);
    expect(log.annotations).toEqual([]);
    expect(log.lines).toContain('Key k5 was already gone.');
  });

  it('a DELETE answered 400 with an HTML page saying "not found", while Venice still holds the key: revoke fails naming it', async () => {
    const key = listed('k6', keyName(RUN, 'job', '66666666'));
    on('GET', '/api_keys').reply(200, list(key), JSON_TYPE);
    on('DELETE', '/api_keys?id=k6').reply(400, '<html>404 not found</html>');
    on('GET', '/api_keys').reply(200, list(key), JSON_TYPE);
    const result = await runRevoke(['k6']);
    expect(result.failed).toBe(true);
    agent.assertNoPendingInterceptors();
    expect(result.outputs.revoked).toBe('0');
    expect(checkLog(result.stdout, [ADMIN_KEY]).annotations).toEqual([
      { kind: 'error', message: 'Could not delete key k6: DELETE /api_keys?id=k6 answered 400: "<html>404 not found</html>"' },
      { kind: 'error', message: '1 key(s) could not be deleted: k6. Run this step again to retry.' },
    ]);
    checkSummary(result.summary);
    expect(result.summary).toContain('failed');
  });

  it('the same HTML "not found" to the post step: it fails naming the key, which Venice still holds', async () => {
    on('GET', '/api_keys/k1').reply(200, { data: listed('k1', NAME) }, JSON_TYPE);
    on('DELETE', '/api_keys?id=k1').reply(400, '<html>404 not found</html>');
    on('GET', '/api_keys').reply(200, list(listed('k1', NAME)), JSON_TYPE);
    const result = await runPost();
    expect(result.failed).toBe(true);
    agent.assertNoPendingInterceptors();
    const log = checkLog(result.stdout, [ADMIN_KEY]);
    expect(log.annotations.map((annotation) => annotation.kind)).toEqual(['error']);
    expect(log.annotations[0]?.message).toMatch(/^Could not revoke key k1: .*answered 400: "<html>404 not found<\/html>"/);
  });

  it.each([
    ['run-scoped', []],
    ['by key-id', ['k7']],
  ])('revoke (%s) does not swallow a failed delete: DELETE 500 for good fails the step, naming the key', async (_name, keyIds) => {
    const key = listed('k7', keyName(RUN, 'run', '77777777'));
    on('GET', '/api_keys').reply(200, list(key), JSON_TYPE).times(2);
    on('DELETE', '/api_keys?id=k7').reply(500, {}, JSON_TYPE);
    const result = await runRevoke(keyIds);
    expect(result.failed).toBe(true);
    agent.assertNoPendingInterceptors();
    expect(result.outputs.revoked).toBe('0');
    const log = checkLog(result.stdout, [ADMIN_KEY]);
    expect(log.annotations.map((annotation) => annotation.kind)).toEqual(['error', 'error']);
    expect(log.annotations[0]?.message).toMatch(/^Could not delete key k7: DELETE \/api_keys\?id=k7 answered 500/);
    expect(log.annotations[1]?.message).toContain('k7');
    expect(log.lines.filter((line) => line.startsWith('Deleted key k7'))).toEqual([]);
  });
});
