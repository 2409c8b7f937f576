/**
 * Untrusted text is data. Venice's error messages, and the descriptions other users of
 * the account give their keys, are fed back to the action shaped as workflow commands,
 * with line breaks of every kind, and as Markdown and HTML. Whatever the mode, the log
 * as the runner renders it holds only the commands the action itself issues, the minted
 * key stays masked, and the job summary shows that text escaped, never as markup.
 * Then: decisions about a key are taken from what Venice holds, never from its words.
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { type Annotation, renderLog, runJob, runStep, type StepResult } from '../../emulator/fake-runner.ts';
import { type EmulatorOptions, type StoredKey, VeniceEmulator } from '../../emulator/venice-emulator.ts';
import { keyName } from '../../src/lifecycle/naming.ts';
import { assertMaskedFirst, assertNoKeyLeaked } from '../helpers/leaks.ts';
import { RUN } from '../helpers/ledger.ts';

/** Server strings shaped to be obeyed by the runner or rendered by the summary. */
const HOSTILE = [
  'Service busy\n::stop-commands::x',
  'busy\r::add-mask::zzz',
  'ok ##[error]forged',
  '::warning::forged',
  '\u2028::error::x',
  '[Re-auth](https://ev.il)',
  '<img src=x onerror=alert(1)>',
  'a\n\n| x | y |',
  'x\r\n::set-output name=api-key::stolen',
  '  ::group::forged',
  'tail\n##[endgroup]',
  '\u0085::notice::forged\u2029::debug::forged',
  'a%0A::error::percent',
  'echo Bearer VENICE_INFERENCE_KEY_AAAAAAAAAAAAAAAA\n::error::x',
];

/** The commands this action issues itself; anything else in a rendered log was injected. */
const OWN_COMMANDS = new Set(['add-mask', 'error', 'warning', 'notice', 'debug']);

let emulator: VeniceEmulator;

async function start(options: EmulatorOptions = {}): Promise<VeniceEmulator> {
  emulator = await new VeniceEmulator(options).start();
  return emulator;
}

afterEach(async () => {
  emulator.clearFaults();
  await emulator.stop();
});

const connection = (extra: Record<string, string> = {}) => ({ 'base-url': emulator.url, timeout: '1s', ...extra });
const admin = (extra: Record<string, string> = {}) => connection({ 'admin-key': emulator.adminKey, ...extra });

/**
 * Server text as the action must show it: a JSON string (escapes visible, U+2028/9 too),
 * `##[` defused, U+0085 (no line break to the runner, but one to some readers) a space,
 * and anything key-shaped or following `Bearer` redacted.
 */
function quoted(text: string): string {
  return (
    JSON.stringify(text)
      .replace(/[\u0085\u2028\u2029]/g, (char) => `\\u${char.charCodeAt(0).toString(16).padStart(4, '0')}`)
      .replace(/##\[/g, '##\\[')
      .replace(/VENICE_[A-Z]+_KEY_[A-Za-z0-9_-]*/g, 'VENICE_***')
      // A bearer token is cut up to the next space or quote: in quoted text, the rest of the string.
      .replace(/(Bearer\s+)[^\s"',;]+/gi, '$1***')
  );
}

/** A test title that shows every control character. */
const shown = (text: string) =>
  JSON.stringify(text).replace(/[\u0080-\u009f\u2028\u2029]/g, (char) => `\\u${char.charCodeAt(0).toString(16).padStart(4, '0')}`);
const NAMED = HOSTILE.map((hostile) => [shown(hostile), hostile] as const);

/**
 * The checks every step must pass, whatever it was fed: nothing on stderr, nothing
 * key-shaped printed, only the action's own commands obeyed, no line the runner would
 * read as a command, every annotation one line. Returns the log as the runner shows it.
 */
function checkLog(step: StepResult, secrets: string[] = []): ReturnType<typeof renderLog> {
  expect(step.stderr).toBe('');
  assertNoKeyLeaked(step, [emulator.adminKey, emulator.inferenceKey, ...secrets]);
  const log = renderLog(step.stdout, { debug: true, masks: [emulator.adminKey, emulator.inferenceKey] });
  expect(log.commands.filter((command) => !OWN_COMMANDS.has(command))).toEqual([]);
  for (const line of log.lines) {
    // renderLog shows a debug line with the runner's own `##[debug]` prefix.
    const text = line.replace(/^##\[debug\]/, '');
    expect(text.trimStart().startsWith('::'), `a line the runner would obey: ${JSON.stringify(line)}`).toBe(false);
    expect(text, `an un-defused ##[ command: ${JSON.stringify(line)}`).not.toContain('##[');
    for (const secret of [emulator.adminKey, emulator.inferenceKey, ...secrets]) expect(line).not.toContain(secret);
  }
  for (const annotation of log.annotations) {
    expect(annotation.message).not.toMatch(/[\r\n\u2028\u2029\u0085]/);
    expect(annotation.message.trimStart().startsWith('::')).toBe(false);
  }
  // A hostile string tried to mask `zzz` (which would hide nothing, but is a command obeyed).
  expect(log.masks.has('zzz')).toBe(false);
  return log;
}

/** The job summary is HTML inside Markdown: no raw tag, link or image, no blank line, no table pipe. */
function checkSummary(summary: string): void {
  expect(summary).not.toContain('<img');
  expect(summary).not.toContain('](');
  expect(summary).not.toMatch(/\n[^\S\n]*\n/);
  expect(summary).not.toMatch(/^\n/);
  expect(summary).not.toContain('|');
  expect(summary).not.toMatch(/[\r\u2028\u2029\u0085]/);
}

const kinds = (annotations: Annotation[]) => annotations.map((annotation) => annotation.kind);
const rows = (summary: string) => summary.match(/<tr>/g)?.length ?? 0;
const ids = (keys: StoredKey[]) => keys.map((key) => key.id).sort();

describe('verify: a refusal from Venice is quoted, never obeyed', () => {
  const cases = HOSTILE.flatMap((hostile) => [
    { status: 400, hostile, json: true, name: `JSON {"error": ${shown(hostile)}}` },
    { status: 503, hostile, json: true, name: `JSON {"error": ${shown(hostile)}}` },
    { status: 400, hostile, json: false, name: `text ${shown(hostile)}` },
  ]);
  it.each(cases)('$status, $name', async ({ status, hostile, json }) => {
    await start();
    emulator.inject(json ? { status, body: { error: hostile } } : { status, text: hostile }, {
      method: 'GET',
      path: '/api_keys/rate_limits',
      times: 10,
    });
    const step = await runStep('main', { inputs: connection({ 'api-key': emulator.inferenceKey, 'max-attempts': '1', timeout: '10s' }) });
    expect(step.code).toBe(1);
    expect(emulator.calls()).toEqual([`GET /api_keys/rate_limits ${status}`]);
    const log = checkLog(step);
    // A raw body is trimmed before it is quoted; a JSON body's `error` is quoted as sent.
    const said = quoted(json ? hostile : hostile.trim());
    expect(log.annotations).toEqual([{ kind: 'error', message: `GET /api_keys/rate_limits answered ${status}: ${said}` }]);
    expect(step.summary).toBe('');
  });

  it.each(NAMED)('a 200 that is not JSON, %s: never printed, its length told', async (_name, hostile) => {
    await start();
    emulator.inject({ garble: { status: 200, text: hostile } }, { method: 'GET', path: '/api_keys/rate_limits' });
    const step = await runStep('main', { inputs: connection({ 'api-key': emulator.inferenceKey }) });
    expect(step.code).toBe(1);
    const log = checkLog(step);
    expect(log.annotations).toEqual([
      // A 2xx body may carry a secret of any shape, so none of it is shown.
      { kind: 'error', message: `GET /api_keys/rate_limits: the answer (200) is not JSON (${hostile.length} characters); check base-url.` },
    ]);
  });

  it("a server that echoes the caller's key (of no known shape) back in its error: the key is never printed", async () => {
    await start();
    const secret = 'plain-secret-of-no-known-shape-0123456789';
    emulator.addKey({ apiKeyType: 'INFERENCE', secret });
    for (const status of [400, 503]) {
      emulator.inject(
        { status, body: { error: `bad key ${secret}\n::stop-commands::x` } },
        { method: 'GET', path: '/api_keys/rate_limits' },
      );
      const step = await runStep('main', { inputs: connection({ 'api-key': secret, 'max-attempts': '1', timeout: '10s' }) });
      expect(step.code).toBe(1);
      assertNoKeyLeaked(step, [secret]);
      expect(step.stdout.split('\n').filter((line) => line.includes(secret))).toEqual([`::add-mask::${secret}`]);
      const log = checkLog(step, [secret]);
      expect(log.annotations).toEqual([
        { kind: 'error', message: `GET /api_keys/rate_limits answered ${status}: "bad key ***\\n::stop-commands::x"` },
      ]);
    }
  });

  it('a hostile tier name in a good answer is data in the log, the summary and the output', async () => {
    for (const hostile of HOSTILE) {
      await start({ tier: { id: hostile, isCharged: false } });
      const step = await runStep('main', { inputs: connection({ 'api-key': emulator.inferenceKey }) });
      expect(step.code).toBe(0);
      const log = checkLog(step);
      expect(log.annotations).toEqual([]);
      expect(step.outputs['api-tier']).toBe(hostile);
      expect(log.lines.filter((line) => line.startsWith('The key is valid (tier '))).toHaveLength(1);
      checkSummary(step.summary);
      expect(rows(step.summary)).toBe(6);
      await emulator.stop();
    }
    await start(); // for afterEach
  });
});

describe('mint: the key stays masked whatever the server says', () => {
  it.each(NAMED)('503 %s, then a key: the retry line quotes the message; the mask is obeyed', async (_name, hostile) => {
    await start();
    emulator.inject({ status: 503, body: { error: hostile } }, { method: 'POST', path: '/api_keys' });
    const main = await runStep('main', { inputs: admin() });
    expect(main.code).toBe(0);
    expect(emulator.calls()).toEqual(['POST /api_keys 503', 'GET /api_keys 200', 'POST /api_keys 200']);
    const apiKey = main.outputs['api-key'] as string;
    expect(apiKey).toMatch(/^VENICE_INFERENCE_KEY_/);
    assertMaskedFirst(main.stdout, apiKey);

    const log = checkLog(main, [apiKey]);
    expect(log.commands).not.toContain('stop-commands');
    expect(log.annotations).toEqual([]);
    // The runner obeyed the key's mask: it was still reading commands when the key arrived.
    expect(renderLog(main.stdout).masks.has(apiKey)).toBe(true);
    expect(log.masks.has(apiKey)).toBe(true);
    expect(log.lines.join('\n')).not.toContain(apiKey);
    const retry = log.lines.filter((line) => line.startsWith('Creating the key failed ('));
    expect(retry).toHaveLength(1);
    expect(retry[0]).toContain(`(POST /api_keys answered 503: ${quoted(hostile)}); trying again in `);
    checkSummary(main.summary);
    expect(main.summary).not.toContain(apiKey);
    // `_` may end a key (base64url), and the summary writes it as a character reference.
    expect(main.summary).toContain(`…${apiKey.slice(-6).replaceAll('_', '&#95;')}`);

    if (hostile === HOSTILE[0]) {
      // The post step (slow: it looks once more for the 503's name) revokes the key, quietly.
      const post = await runStep('post', { inputs: admin(), state: main.state });
      expect(post.code).toBe(0);
      expect(checkLog(post, [apiKey]).annotations).toEqual([]);
      checkSummary(post.summary);
      expect(emulator.mintedKeys()).toEqual([]);
    }
  });

  it.each(NAMED)('a 400 refusal with %s in its error and zod-style details: one ::error::, all of it quoted', async (_name, hostile) => {
    await start();
    const details = { _errors: [hostile], description: { _errors: [hostile] } };
    emulator.inject({ status: 400, body: { error: hostile, details } }, { method: 'POST', path: '/api_keys' });
    const { main, post } = await runJob({ inputs: admin() });
    expect(main.code).toBe(1);
    // A refusal made no key: the account is counted (is it at its cap?), and nothing is retried.
    expect(emulator.calls()).toEqual(['POST /api_keys 400', 'GET /api_keys 200']);
    const log = checkLog(main);
    expect(log.annotations).toEqual([
      {
        kind: 'error',
        message: `POST /api_keys answered 400: ${quoted(hostile)}, ${quoted(hostile)}, ${quoted(`description: ${hostile}`)}`,
      },
    ]);
    expect(main.summary).toBe('');
    expect(post.code).toBe(0);
    expect(post.stdout).toBe('');
    expect(emulator.mintedKeys()).toEqual([]);
  });

  it.each(NAMED)('a create answered 200 with %s, not JSON: the key it made is found and deleted; one ::error::', async (_name, hostile) => {
    await start();
    emulator.inject({ garble: { status: 200, text: hostile } }, { method: 'POST', path: '/api_keys' });
    const { main, post } = await runJob({ inputs: admin() });
    expect(main.code).toBe(1);
    // One create, and its key found by name and deleted; how often the post step looks again depends on the clock.
    expect(emulator.calls().filter((call) => !call.startsWith('GET'))).toEqual(['POST /api_keys 200', 'DELETE /api_keys 200']);
    const log = checkLog(main);
    expect(log.annotations).toEqual([
      { kind: 'error', message: `POST /api_keys: the answer (200) is not JSON (${hostile.length} characters); check base-url.` },
    ]);
    expect(post.code).toBe(0);
    expect(checkLog(post).annotations).toEqual([]);
    expect(emulator.mintedKeys()).toEqual([]);
  });

  it('a label with markup and line breaks is flattened into the name and escaped in the summary', async () => {
    await start();
    // Venice's 64 characters leave the label 18: room for markup and a line break.
    const label = '<img>\r\n[a](http://e)|';
    const { main, post } = await runJob({ inputs: admin({ description: label }) });
    expect(main.code).toBe(0);
    const apiKey = main.outputs['api-key'] as string;
    const [key] = emulator.requests('POST').map((entry) => (entry.body as { description: string }).description);
    expect(key).toMatch(/^venice-key:[0-9a-f]{8}:1234567890\.1:job:[0-9a-z]{8} <img> \[a\]\(http:\/\/e$/);
    expect(key).not.toMatch(/[\r\n]/);
    expect(checkLog(main, [apiKey]).annotations).toEqual([]);
    checkSummary(main.summary);
    expect(main.summary).toContain('&#60;img&#62; &#91;a&#93;&#40;http://e');
    expect(post.code).toBe(0);
    expect(checkLog(post, [apiKey]).annotations).toEqual([]);
  });
});

/** Keys of other users of the account, named with hostile text (and some that pass for ours at first sight). */
function seedForeign(createdAt = new Date(Date.now() - 7 * 3_600_000).toISOString()): StoredKey[] {
  const lookalike = (scope: 'job' | 'run' | 'keep', nonce: string, tail: string) => `${keyName(RUN, scope, nonce)}${tail}`;
  return [
    ...HOSTILE.map((description) => emulator.addKey({ apiKeyType: 'INFERENCE', description, createdAt })),
    // A valid name followed by a line break: not a name this action gives, so not ours.
    emulator.addKey({ apiKeyType: 'INFERENCE', description: lookalike('job', 'ffffffff', '\n::error::forged'), createdAt }),
    emulator.addKey({ apiKeyType: 'INFERENCE', description: lookalike('run', 'eeeeeeee', '\r::stop-commands::x'), createdAt }),
    emulator.addKey({ apiKeyType: 'INFERENCE', description: lookalike('run', 'dddddddd', ' ok\u2028::error::x'), createdAt }),
    emulator.addKey({ apiKeyType: 'INFERENCE', description: lookalike('keep', 'cccccccc', ' \u0085::warning::x'), createdAt }),
    emulator.addKey({ apiKeyType: 'INFERENCE', description: lookalike('job', 'bbbbbbbb', '\n'), createdAt }),
    // An ADMIN key by one of our names is never ours.
    emulator.addKey({ apiKeyType: 'ADMIN', description: keyName(RUN, 'run', 'aaaaaaaa', '<img src=x>'), createdAt }),
  ];
}

/** Our own keys, validly named, with labels full of markup (keyName flattens the control characters). */
const HOSTILE_LABELS = [
  'x\n::error::forged',
  '<img src=x onerror=alert(1)>',
  '[Re-auth](https://ev.il)',
  'a\n\n| x | y |',
  'ok ##[error]forged',
  '\u2028::warning::forged',
];

describe('revoke: other keys stay data, our hostile labels are escaped', () => {
  it("run-scoped: deletes exactly this run's keys; the foreign ones survive and are never printed", async () => {
    await start();
    const foreign = seedForeign();
    const ours = HOSTILE_LABELS.map((label, index) =>
      emulator.addKey({ apiKeyType: 'INFERENCE', description: keyName(RUN, 'run', `0000000${index}`, label) }),
    );
    // What else Venice says of a key is untrusted too: its id and its last use.
    ours.push(
      emulator.addKey({
        id: 'id\n::error::forged <img src=x>',
        apiKeyType: 'INFERENCE',
        description: keyName(RUN, 'run', '0000000z'),
        lastUsedAt: '2025-01-01\n\n<img src=x onerror=alert(1)> [x](https://ev.il) |',
      }),
    );
    emulator.charge(ours[0]!.id, { usd: 0.25, diem: 1 });
    const step = await runStep('main', { inputs: admin({ mode: 'revoke' }) });
    expect(step.code).toBe(0);
    expect(step.outputs).toMatchObject({ revoked: String(ours.length), 'spent-usd': '0.25', 'spent-diem': '1' });
    expect(ids(emulator.mintedKeys())).toEqual(ids(foreign));

    const log = checkLog(step);
    expect(log.annotations).toEqual([]);
    expect(log.lines).toContain(`Run 1234567890 minted ${ours.length} key(s) that are still active.`);
    for (const key of foreign) expect(step.stdout).not.toContain(key.id);
    checkSummary(step.summary);
    expect(rows(step.summary)).toBe(1 + ours.length);
    for (const key of ours.slice(0, -1)) expect(step.summary).toContain(key.id);
    for (const key of foreign) expect(step.summary).not.toContain(key.id);
    expect(log.lines).toContain('Deleted key id ::error::forged <img src=x> (it spent 0 USD and 0 DIEM).');
    expect(step.summary).toContain('&#60;img src=x onerror');
    expect(step.summary).toContain('&#91;Re-auth&#93;&#40;https:');
  });

  it('by key-id: ours is deleted, every foreign hostile key is refused by id and survives', async () => {
    await start();
    const foreign = seedForeign();
    const ours = emulator.addKey({
      apiKeyType: 'INFERENCE',
      description: keyName({ ...RUN, runId: '77' }, 'job', '11111111', '<img src=x onerror=alert(1)> [a](https://ev.il)'),
    });
    const keyIds = [ours.id, ...foreign.map((key) => key.id), 'missing-id'];
    const step = await runStep('main', { inputs: admin({ mode: 'revoke', 'key-id': keyIds.join('\n') }) });
    expect(step.code).toBe(1);
    expect(step.outputs.revoked).toBe('1');
    const log = checkLog(step);
    // One ::error:: per refused key, and the step's own: nothing else became an annotation.
    expect(kinds(log.annotations)).toEqual(Array(foreign.length + 1).fill('error'));
    for (const [index, key] of foreign.entries()) {
      expect(log.annotations[index]?.message).toMatch(
        new RegExp(`^Could not delete key ${key.id}: it is not a key this action minted for this repository`),
      );
    }
    expect(log.annotations.at(-1)?.message).toMatch(new RegExp(`^${foreign.length} key\\(s\\) could not be deleted: `));
    expect(log.lines).toContain("Key missing-id is not on the account: already gone, or not an id of this account's keys.");
    expect(ids(emulator.mintedKeys())).toEqual(ids(foreign));
    checkSummary(step.summary);
    expect(rows(step.summary)).toBe(1 + 1 + foreign.length);
    expect(step.summary).toContain('&#60;img src=x onerror');
  });
});

describe('prune: only names this action gives are ours', () => {
  it('deletes our old keys, keeps our young one, and leaves every hostile or forged key alone', async () => {
    await start();
    const old = new Date(Date.now() - 7 * 3_600_000).toISOString();
    const foreign = seedForeign(old);
    const scopes = ['job', 'run', 'keep'] as const;
    const ours = HOSTILE_LABELS.map((label, index) =>
      emulator.addKey({
        apiKeyType: 'INFERENCE',
        description: keyName({ ...RUN, runId: String(100 + index) }, scopes[index % 3]!, `2222222${index}`, label),
        createdAt: old,
      }),
    );
    ours.push(
      emulator.addKey({
        id: 'id\r::stop-commands::x',
        apiKeyType: 'INFERENCE',
        description: keyName(RUN, 'job', '2222222z', '[x](https://ev.il)'),
        createdAt: old,
        lastUsedAt: '\u2028::error::x <img src=x> |',
      }),
    );
    const young = emulator.addKey({ apiKeyType: 'INFERENCE', description: keyName(RUN, 'job', '33333333', '<img src=x>') });
    // A creation time Venice gives as hostile text is no time at all: the key is kept.
    const timeless = emulator.addKey({
      apiKeyType: 'INFERENCE',
      description: keyName(RUN, 'keep', '3333333z', '<img src=x>'),
      createdAt: '\n::error::forged <img src=x>',
    });
    const step = await runStep('main', { inputs: admin({ mode: 'prune' }) });
    expect(step.code).toBe(0);
    expect(step.outputs.revoked).toBe(String(ours.length));
    expect(ids(emulator.mintedKeys())).toEqual(ids([...foreign, young, timeless]));

    const log = checkLog(step);
    // No github-token: the one warning says prune decides by age.
    expect(kinds(log.annotations)).toEqual(['warning']);
    expect(log.annotations[0]?.message).toMatch(/^Deciding by age alone/);
    for (const key of ours)
      expect(log.lines).toContain(
        `Deleting ${key.id.replace('\r', ' ')}: ${key.description.includes(':keep:') ? 'minted with revoke: false, so judged by age' : 'run states unknown'}; older than 6h.`,
      );
    expect(log.lines).toContain(`Keeping ${young.id}: run states unknown; not older than 6h.`);
    expect(log.lines).toContain(`Keeping ${timeless.id}: minted with revoke: false, so judged by age, and Venice gives no creation time.`);
    for (const key of foreign) {
      expect(step.stdout).not.toContain(key.id);
      expect(step.summary).not.toContain(key.id);
    }
    checkSummary(step.summary);
    expect(rows(step.summary)).toBe(1 + ours.length + 2);
  });

  it("the GitHub API's words are data too: a Sunset header shaped as a command is never obeyed", async () => {
    await start();
    // A header cannot hold a line break, but the older `##[name]` form is obeyed anywhere in a line,
    // on stderr as on stdout (the runner parses both). The emulator cannot send headers: a stand-in does.
    const server = createServer((_req, res) =>
      res
        .writeHead(200, { 'content-type': 'application/json', deprecation: 'true', sunset: 'soon ##[error]forged ##[add-mask]zzz' })
        .end(JSON.stringify({ id: 42, status: 'completed' })),
    );
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    try {
      const key = emulator.addKey({ apiKeyType: 'INFERENCE', description: keyName({ ...RUN, runId: '42' }, 'job', '88888888') });
      const step = await runStep('main', {
        inputs: admin({ mode: 'prune', 'github-token': 'ghs_standin' }),
        env: { GITHUB_API_URL: `http://127.0.0.1:${(server.address() as AddressInfo).port}` },
      });
      expect(step.code).toBe(0);
      expect(step.outputs.revoked).toBe('1');
      expect(emulator.mintedKeys().map((k) => k.id)).not.toContain(key.id);
      expect(renderLog(step.stderr).commands).toEqual([]);
      expect(checkLog(step).annotations).toEqual([]);
    } finally {
      await new Promise((resolve) => server.close(resolve));
    }
  });

  it('a dry run lists the same, prints the same safely, and deletes nothing', async () => {
    await start();
    const old = new Date(Date.now() - 7 * 3_600_000).toISOString();
    const foreign = seedForeign(old);
    const ours = HOSTILE_LABELS.map((label, index) =>
      emulator.addKey({ apiKeyType: 'INFERENCE', description: keyName(RUN, 'keep', `4444444${index}`, label), createdAt: old }),
    );
    const step = await runStep('main', { inputs: admin({ mode: 'prune', 'dry-run': 'true' }) });
    expect(step.code).toBe(0);
    expect(step.outputs.revoked).toBe(String(ours.length));
    expect(ids(emulator.mintedKeys())).toEqual(ids([...foreign, ...ours]));
    expect(checkLog(step).annotations).toEqual([
      {
        kind: 'notice',
        title: 'venice-key prune (dry run)',
        message: expect.stringMatching(
          /^Dry run: \d+ of \d+ key\(s\) this action minted for this repository would be deleted; nothing was deleted\.$/,
        ),
      },
    ]);
    checkSummary(step.summary);
    expect(rows(step.summary)).toBe(1 + ours.length);
  });
});

describe('the post step: a failed revoke is one ::error::, the server text quoted', () => {
  it.each(NAMED)('DELETE answered 500 %s for good', async (_name, hostile) => {
    await start();
    // One attempt per request, so a generous timeout: a loaded machine must not add a retry's worth of noise.
    const inputs = admin({ 'max-attempts': '1', timeout: '10s' });
    const main = await runStep('main', { inputs });
    expect(main.code).toBe(0);
    const id = main.outputs['key-id'] as string;
    const apiKey = main.outputs['api-key'] as string;
    emulator.inject({ status: 500, body: { error: hostile } }, { method: 'DELETE', path: '/api_keys', times: 100 });
    const post = await runStep('post', { inputs, state: main.state });
    expect(post.code).toBe(1);
    expect(emulator.calls()).toEqual(['POST /api_keys 200', `GET /api_keys/${id} 200`, 'DELETE /api_keys 500', 'GET /api_keys 200']);
    const log = checkLog(post, [apiKey]);
    expect(log.annotations).toHaveLength(1);
    expect(log.annotations[0]).toMatchObject({ kind: 'error' });
    expect(log.annotations[0]?.message).toContain(
      `Could not revoke key ${id}: DELETE /api_keys?id=${id} answered 500: ${quoted(hostile)}. `,
    );
    expect(log.annotations[0]?.message).toContain(`(mode: revoke, key-id: ${id})`);
    expect(post.summary).toBe('');
    expect(emulator.mintedKeys().map((key) => key.id)).toEqual([id]);
  });
});

describe('decide by state, not by words', () => {
  it("'API key could not be found' in details: the post step of a revoked key's job says it is gone, and exits 0", async () => {
    await start({ notFound: 'detailed' });
    const main = await runStep('main', { inputs: admin() });
    const id = main.outputs['key-id'] as string;
    const revoke = await runStep('main', { inputs: admin({ mode: 'revoke', 'key-id': id }) });
    expect(revoke.outputs.revoked).toBe('1');
    const before = emulator.log.length;
    const post = await runStep('post', { inputs: admin(), state: main.state });
    expect(post.code).toBe(0);
    expect(emulator.calls(before)).toEqual([`GET /api_keys/${id} 400`, 'GET /api_keys 200']);
    const log = checkLog(post, [main.outputs['api-key'] as string]);
    expect(log.annotations).toEqual([]);
    expect(log.lines).toContain(`Key ${id} was already gone.`);
  });

  it('a key deleted by someone else while its DELETE is in flight is already gone (400 detailed), not a failure', async () => {
    await start({ notFound: 'detailed' });
    const key = emulator.addKey({ apiKeyType: 'INFERENCE', description: keyName(RUN, 'job', '55555555') });
    emulator.inject({ delayMs: 500 }, { method: 'DELETE', path: '/api_keys' });
    // Once the list and then the DELETE have arrived (the DELETE waits 500 ms), the key goes.
    const poll = setInterval(() => {
      if (emulator.received < 2) return;
      clearInterval(poll);
      emulator.removeKey(key.id);
    }, 5);
    const step = await runStep('main', { inputs: admin({ mode: 'revoke', 'key-id': key.id }) }).finally(() => clearInterval(poll));
    expect(emulator.calls()).toEqual(['GET /api_keys 200', 'DELETE /api_keys 400', 'GET /api_keys 200']);
    expect(step.code).toBe(0);
    expect(step.outputs.revoked).toBe('0');
    const log = checkLog(step);
    expect(log.annotations).toEqual([]);
    expect(log.lines).toContain(`Key ${key.id} was already gone.`);
  });

  it('a DELETE answered 400 with an HTML page saying "not found", while Venice still holds the key: revoke fails naming it', async () => {
    await start();
    const key = emulator.addKey({ apiKeyType: 'INFERENCE', description: keyName(RUN, 'job', '66666666') });
    emulator.inject({ status: 400, text: '<html>404 not found</html>' }, { method: 'DELETE', path: '/api_keys', times: 100 });
    const step = await runStep('main', { inputs: admin({ mode: 'revoke', 'key-id': key.id }) });
    expect(step.code).toBe(1);
    expect(step.outputs.revoked).toBe('0');
    expect(emulator.calls()).toEqual(['GET /api_keys 200', 'DELETE /api_keys 400', 'GET /api_keys 200']);
    const log = checkLog(step);
    expect(log.annotations).toEqual([
      {
        kind: 'error',
        message: `Could not delete key ${key.id}: DELETE /api_keys?id=${key.id} answered 400: "<html>404 not found</html>"`,
      },
      { kind: 'error', message: `1 key(s) could not be deleted: ${key.id}. Run this step again to retry.` },
    ]);
    expect(emulator.mintedKeys().map((k) => k.id)).toEqual([key.id]);
    checkSummary(step.summary);
    expect(step.summary).toContain('failed');
  });

  it('the same HTML "not found" to the post step: it fails naming the key, which still exists', async () => {
    await start();
    const main = await runStep('main', { inputs: admin() });
    const id = main.outputs['key-id'] as string;
    emulator.inject({ status: 400, text: '<html>404 not found</html>' }, { method: 'DELETE', path: '/api_keys', times: 100 });
    const post = await runStep('post', { inputs: admin(), state: main.state });
    expect(post.code).toBe(1);
    const log = checkLog(post, [main.outputs['api-key'] as string]);
    expect(kinds(log.annotations)).toEqual(['error']);
    expect(log.annotations[0]?.message).toMatch(new RegExp(`^Could not revoke key ${id}: .*answered 400: "<html>404 not found</html>"`));
    expect(emulator.mintedKeys().map((k) => k.id)).toEqual([id]);
  });

  it('revoke does not swallow a failed delete: DELETE 500 for good fails the step, naming the key, which still exists', async () => {
    await start();
    const key = emulator.addKey({ apiKeyType: 'INFERENCE', description: keyName(RUN, 'run', '77777777') });
    emulator.inject({ status: 500 }, { method: 'DELETE', path: '/api_keys', times: 100 });
    for (const inputs of [
      admin({ mode: 'revoke', 'max-attempts': '1', timeout: '10s' }),
      admin({ mode: 'revoke', 'max-attempts': '1', timeout: '10s', 'key-id': key.id }),
    ]) {
      const step = await runStep('main', { inputs });
      expect(step.code).toBe(1);
      expect(step.outputs.revoked).toBe('0');
      const log = checkLog(step);
      expect(kinds(log.annotations)).toEqual(['error', 'error']);
      expect(log.annotations[0]?.message).toMatch(
        new RegExp(`^Could not delete key ${key.id}: DELETE /api_keys\\?id=${key.id} answered 500`),
      );
      expect(log.annotations[1]?.message).toContain(key.id);
      expect(log.lines).not.toContain(`Deleted key ${key.id} (it spent 0 USD and 0 DIEM).`);
      expect(emulator.mintedKeys().map((k) => k.id)).toEqual([key.id]);
    }
  });
});
