/**
 * README, Security: "Text from elsewhere is data." End to end, through the built action:
 * one string that tries every trick at once (line breaks of every kind, `::error::`,
 * `##[`, `%0A`, Markdown and HTML, a key-shaped token) goes through each route by which
 * Venice's words reach the log; other users' keys on the account carry hostile
 * descriptions; the GitHub API's headers are shaped as commands. The log as the runner
 * renders it holds only the action's own commands, no key, and the summary shows that
 * text escaped. Every hostile string in every message shape is checked at client level
 * (test/client, same name); here, outcomes and bounds only, never the clock's sequences.
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { renderLog, runStep, type StepResult } from '../../emulator/fake-runner.ts';
import { type EmulatorOptions, type StoredKey, VeniceEmulator } from '../../emulator/venice-emulator.ts';
import { keyName } from '../../src/lifecycle/naming.ts';
import { assertMaskedFirst, assertNoKeyLeaked } from '../helpers/leaks.ts';
import { agedLedger, RUN } from '../helpers/ledger.ts';
import { COMBINED, checkLog, checkSummary, HOSTILE, quoted } from '../helpers/untrusted-text.ts';

let emulator: VeniceEmulator;

async function start(options: EmulatorOptions = {}): Promise<VeniceEmulator> {
  emulator = await new VeniceEmulator(options).start();
  return emulator;
}

afterEach(async () => {
  emulator.clearFaults();
  await emulator.stop();
});

// A generous timeout: a loaded machine must not turn a slow answer into a retry.
const connection = (extra: Record<string, string> = {}) => ({ 'base-url': emulator.url, timeout: '10s', ...extra });
const admin = (extra: Record<string, string> = {}) => connection({ 'admin-key': emulator.adminKey, ...extra });

/** Nothing on stderr, no key printed, nothing obeyed but the action's own commands. */
function logOf(step: StepResult, secrets: string[] = []): ReturnType<typeof renderLog> {
  expect(step.stderr).toBe('');
  const keys = [emulator.adminKey, emulator.inferenceKey, ...secrets];
  assertNoKeyLeaked(step, keys);
  return checkLog(step.stdout, keys);
}

/** The post step of a job that ran a minute after its creates: any name left unanswered gets one look. */
const postOf = (main: StepResult, inputs: Record<string, string>) =>
  runStep('post', { inputs, state: { ...main.state, ledger: agedLedger(emulator.adminKey, main.state.ledger ?? '') } });

const kinds = (annotations: { kind: string }[]) => annotations.map((annotation) => annotation.kind);
const rows = (summary: string) => summary.match(/<tr>/g)?.length ?? 0;
const ids = (keys: StoredKey[]) => keys.map((key) => key.id).sort();

describe("Text from elsewhere is data: Venice's words are quoted on one line and never obeyed, on every route", () => {
  it('verify: a refusal that echoes the caller key (of no known shape) is one ::error::, quoted, the key masked', async () => {
    await start();
    const secret = 'plain-secret-of-no-known-shape-0123456789';
    emulator.addKey({ apiKeyType: 'INFERENCE', secret });
    emulator.inject({ status: 400, body: { error: `${COMBINED} ${secret}` } }, { method: 'GET', path: '/api_keys/rate_limits' });
    const step = await runStep('main', { inputs: connection({ 'api-key': secret, 'max-attempts': '1' }) });
    expect(step.code).toBe(1);
    expect(emulator.log.length).toBeLessThanOrEqual(1);
    expect(step.stdout.split('\n').filter((line) => line.includes(secret))).toEqual([`::add-mask::${secret}`]);
    const log = logOf(step, [secret]);
    const said = quoted(COMBINED).replace(/"$/, ' ***"');
    expect(log.annotations).toEqual([{ kind: 'error', message: `GET /api_keys/rate_limits answered 400: ${said}` }]);
    expect(step.summary).toBe('');
  });

  it('verify: a tier named with it, in a good answer, is data in the log, the summary and the output', async () => {
    await start({ tier: { id: COMBINED, isCharged: false } });
    const step = await runStep('main', { inputs: connection({ 'api-key': emulator.inferenceKey }) });
    expect(step.code).toBe(0);
    const log = logOf(step);
    expect(log.annotations).toEqual([]);
    expect(step.outputs['api-tier']).toBe(COMBINED);
    expect(log.lines.filter((line) => line.startsWith('The key is valid (tier '))).toHaveLength(1);
    checkSummary(step.summary);
    expect(rows(step.summary)).toBe(6);
  });

  it('mint: a 503 with it, then a key: the retry line quotes it, the key is masked first; the post step revokes it', async () => {
    await start();
    emulator.inject({ status: 503, body: { error: COMBINED } }, { method: 'POST', path: '/api_keys' });
    const main = await runStep('main', { inputs: admin() });
    expect(main.code).toBe(0);
    expect(emulator.requests('POST')).toHaveLength(2);
    const apiKey = main.outputs['api-key'] as string;
    assertMaskedFirst(main.stdout, apiKey);
    const log = logOf(main, [apiKey]);
    expect(log.annotations).toEqual([]);
    // The runner obeyed the key's mask: it was still reading commands when the key arrived.
    expect(renderLog(main.stdout).masks.has(apiKey)).toBe(true);
    const retry = log.lines.filter((line) => line.startsWith('Creating the key failed ('));
    expect(retry).toHaveLength(1);
    expect(retry[0]).toContain(`(POST /api_keys answered 503: ${quoted(COMBINED)}); trying again in `);
    checkSummary(main.summary);
    expect(main.summary).not.toContain(apiKey);

    const post = await postOf(main, admin());
    expect(post.code).toBe(0);
    expect(logOf(post, [apiKey]).annotations).toEqual([]);
    checkSummary(post.summary);
    expect(emulator.mintedKeys()).toEqual([]);
  });

  it('mint: a 400 refusal with it in its error and zod-style details is one ::error::, all of it quoted; nothing is left', async () => {
    await start();
    const details = { _errors: [COMBINED], description: { _errors: [COMBINED] } };
    emulator.inject({ status: 400, body: { error: COMBINED, details } }, { method: 'POST', path: '/api_keys' });
    const main = await runStep('main', { inputs: admin() });
    expect(main.code).toBe(1);
    // A refusal is not retried.
    expect(emulator.requests('POST')).toHaveLength(1);
    expect(logOf(main).annotations).toEqual([
      {
        kind: 'error',
        message: `POST /api_keys answered 400: ${quoted(COMBINED)}, ${quoted(COMBINED)}, ${quoted(`description: ${COMBINED}`)}`,
      },
    ]);
    expect(main.summary).toBe('');
    const post = await postOf(main, admin());
    expect(post.code).toBe(0);
    expect(post.stdout).toBe('');
    expect(emulator.mintedKeys()).toEqual([]);
  });

  it('mint: a create answered 200 with it, not JSON, is one ::error:: that only tells its length; the key it made is deleted', async () => {
    await start();
    emulator.inject({ garble: { status: 200, text: COMBINED } }, { method: 'POST', path: '/api_keys' });
    const main = await runStep('main', { inputs: admin() });
    expect(main.code).toBe(1);
    expect(logOf(main).annotations).toEqual([
      { kind: 'error', message: `POST /api_keys: the answer (200) is not JSON (${COMBINED.length} characters); check base-url.` },
    ]);
    const post = await postOf(main, admin());
    expect(post.code).toBe(0);
    expect(logOf(post).annotations).toEqual([]);
    // One create, never repeated blindly; the key it made is gone, and the steps asked a bounded number of times.
    expect(emulator.requests('POST')).toHaveLength(1);
    expect(emulator.mintedKeys()).toEqual([]);
    expect(emulator.log.length).toBeLessThanOrEqual(6);
  });

  it('the post step: a DELETE answered 500 with it for good is one ::error:: naming the key, the words quoted', async () => {
    await start();
    const inputs = admin({ 'max-attempts': '1' });
    const main = await runStep('main', { inputs });
    expect(main.code).toBe(0);
    const id = main.outputs['key-id'] as string;
    const apiKey = main.outputs['api-key'] as string;
    emulator.inject({ status: 500, body: { error: COMBINED } }, { method: 'DELETE', path: '/api_keys', times: 100 });
    const post = await postOf(main, inputs);
    expect(post.code).toBe(1);
    // One attempt per request: the DELETE is not repeated.
    expect(emulator.requests('DELETE')).toHaveLength(1);
    const log = logOf(post, [apiKey]);
    expect(kinds(log.annotations)).toEqual(['error']);
    expect(log.annotations[0]?.message).toContain(
      `Could not revoke key ${id}: DELETE /api_keys?id=${id} answered 500: ${quoted(COMBINED)}. `,
    );
    expect(log.annotations[0]?.message).toContain(`(mode: revoke, key-id: ${id})`);
    expect(post.summary).toBe('');
    expect(emulator.mintedKeys().map((key) => key.id)).toEqual([id]);
  });
});

/** Keys of other users of the account, named with hostile text (and some that pass for ours at first sight). */
function seedForeign(createdAt = new Date(Date.now() - 7 * 3_600_000).toISOString()): StoredKey[] {
  const lookalike = (scope: 'job' | 'run' | 'keep', nonce: string, tail: string) => `${keyName(RUN, scope, nonce)}${tail}`;
  return [
    ...[...HOSTILE, COMBINED].map((description) => emulator.addKey({ apiKeyType: 'INFERENCE', description, createdAt })),
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

describe('Text from elsewhere is data: other keys on the account are never printed, and never taken for ours', () => {
  it("revoke, run-scoped: deletes exactly this run's keys; what Venice says of them (id, last use) is escaped", async () => {
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

    const log = logOf(step);
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

  it('revoke by key-id: ours is deleted, every foreign hostile key is refused by id and survives', async () => {
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
    const log = logOf(step);
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

  it('prune: a dry run deletes nothing; then our old keys go, our young and timeless ones stay, every foreign key stays', async () => {
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
    const everything = ids(emulator.mintedKeys());

    const dry = await runStep('main', { inputs: admin({ mode: 'prune', 'dry-run': 'true' }) });
    expect(dry.code).toBe(0);
    expect(dry.outputs.revoked).toBe(String(ours.length));
    expect(ids(emulator.mintedKeys())).toEqual(everything);
    expect(logOf(dry).annotations).toEqual([
      expect.objectContaining({ kind: 'warning', message: expect.stringMatching(/^Deciding by age alone/) }),
      {
        kind: 'notice',
        title: 'venice-key prune (dry run)',
        message: expect.stringMatching(
          /^Dry run: \d+ of \d+ key\(s\) this action minted for this repository would be deleted; nothing was deleted\.$/,
        ),
      },
    ]);
    checkSummary(dry.summary);

    const step = await runStep('main', { inputs: admin({ mode: 'prune' }) });
    expect(step.code).toBe(0);
    expect(step.outputs.revoked).toBe(String(ours.length));
    expect(ids(emulator.mintedKeys())).toEqual(ids([...foreign, young, timeless]));
    const log = logOf(step);
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

  it("prune: the GitHub API's words are data too: a Sunset header shaped as a command is never obeyed", async () => {
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
      expect(logOf(step).annotations).toEqual([]);
    } finally {
      await new Promise((resolve) => server.close(resolve));
    }
  });
});
