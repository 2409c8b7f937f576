/**
 * README: a leg refuses a handoff it cannot open, naming the cause, and sends nothing.
 * Each way a handoff can be wrong runs the main step in this process: the refusal is
 * decided before any request or signal could matter. The built action refuses one of
 * them end to end too (test/e2e/handoff.test.ts).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { renderLog } from '../../emulator/fake-runner.ts';
import { VeniceEmulator } from '../../emulator/venice-emulator.ts';
import { seal } from '../../src/lifecycle/handoff.ts';
import { BASE64URL } from '../helpers/base64url.ts';
import { runMainInProcess } from '../helpers/in-process.ts';
import { assertMaskedBeforeAnythingElse, assertMaskedFirst, assertNoKeyLeaked } from '../helpers/leaks.ts';
import { RUN } from '../helpers/ledger.ts';

/** Exactly the shortest secret the action accepts. */
const SECRET = 'matrix-handoff-secret-32-chars!!';
const WRONG_SECRET = 'some-other-handoff-secret-of-32-plus-chars';
const KEY_SHAPED = /VENICE_[A-Z]+_KEY_/;

let emulator: VeniceEmulator;
let key: { apiKey: string; id: string; expiresAt: string };
let handoff: string;

beforeAll(async () => {
  emulator = await new VeniceEmulator().start();
  const made = emulator.addKey({ apiKeyType: 'INFERENCE', description: 'handed off' });
  key = { apiKey: made.secret, id: made.id, expiresAt: new Date(Date.now() + 30 * 60_000).toISOString() };
  handoff = seal(key, SECRET, RUN);
});
afterAll(async () => {
  await emulator.stop();
});

/** Another run of this repository; the step itself always runs in RUN. */
const OTHER_RUN = { ...RUN, runId: '2222222222' };
const sealedIn = (run: typeof RUN) => seal(key, SECRET, run);

/** The handoff with the character at `at` replaced by another base64url character. */
const flip = (text: string, at: number) => `${text.slice(0, at)}${text[at] === 'A' ? 'B' : 'A'}${text.slice(at + 1)}`;

/**
 * The same bytes written otherwise: a lone character appended (decoders drop it), or the
 * last character's lowest bit, which is spare when the length is not a multiple of 4.
 */
function reencoded(text: string): string {
  if ((text.length - payloadStart(text)) % 4 === 0) return `${text}A`;
  const last = BASE64URL.indexOf(text.at(-1) as string);
  return `${text.slice(0, -1)}${BASE64URL[last ^ 1]}`;
}

/** The index of the first character of the sealed payload (after `vkh1.<tag>.<run>.`). */
const payloadStart = (text: string) => text.lastIndexOf('.') + 1;

interface Refusal {
  name: string;
  handoff: () => string;
  secret?: string;
  message: () => string;
}

const refusals: Refusal[] = [
  // The payload is salt (16 bytes) | check (8) | IV (12) | ciphertext | tag (16) | checksum (8),
  // base64url: characters 0-20 are the salt, 22-31 the check, 32-47 the IV, the last 11 the
  // checksum. A changed character is tampering wherever it is, and the right secret must not
  // be blamed for it.
  ...(
    [
      ['salt', (text: string) => payloadStart(text) + 5],
      ['check value', (text: string) => payloadStart(text) + 25],
      ['sealed IV', (text: string) => payloadStart(text) + 40],
      ['ciphertext', (text: string) => payloadStart(text) + 70],
      ['tag', (text: string) => text.length - 16],
      ['checksum', (text: string) => text.length - 5],
    ] as const
  ).map(([part, at]) => ({
    name: `one character of the ${part} changed`,
    handoff: () => flip(handoff, at(handoff)),
    message: () => "Input 'handoff' has been altered: its checksum does not match.",
  })),
  {
    name: 'the same sealed bytes in another base64url text',
    handoff: () => reencoded(handoff),
    message: () => "Input 'handoff' has been altered: its text is not the one that was sealed.",
  },
  {
    name: 'the run id in the clear changed to this run',
    handoff: () => sealedIn(OTHER_RUN).replace(`.${OTHER_RUN.runId}.`, `.${RUN.runId}.`),
    message: () => "Input 'handoff' has been altered",
  },
  {
    name: 'the wrong secret',
    handoff: () => handoff,
    secret: WRONG_SECRET,
    message: () => "Input 'handoff-secret' is not the secret that sealed this handoff.",
  },
  {
    name: 'another run',
    handoff: () => sealedIn(OTHER_RUN),
    message: () => `Input 'handoff' was made in workflow run ${OTHER_RUN.runId}, not in this run (${RUN.runId})`,
  },
  {
    name: 'another repository',
    handoff: () => sealedIn({ ...RUN, repository: 'octo-org/other-repo' }),
    message: () => "Input 'handoff' was made in another repository",
  },
  {
    name: 'a malformed value',
    handoff: () => 'vkh1.not-a-handoff',
    message: () => "Input 'handoff' is not a handoff this action made",
  },
  {
    name: 'a truncated value',
    handoff: () => handoff.slice(0, payloadStart(handoff) + 20),
    message: () => "Input 'handoff' is not a handoff this action made",
  },
  {
    name: 'an expired key',
    handoff: () => seal({ ...key, expiresAt: new Date(Date.now() - 60_000).toISOString() }, SECRET, RUN),
    message: () => `The handed-off key ${key.id} expired at `,
  },
];

describe('a leg refuses a handoff it cannot open, naming the cause', () => {
  it.each(refusals)('$name', async (refusal) => {
    const secret = refusal.secret ?? SECRET;
    const result = await runMainInProcess({
      inputs: { 'base-url': emulator.url, mode: 'receive', handoff: refusal.handoff(), 'handoff-secret': secret },
      env: { GITHUB_JOB: 'leg' },
    });
    expect(result.code).toBe(1);
    expect(result.stderr).toBe('');
    expect(renderLog(result.stdout).annotations).toEqual([{ kind: 'error', message: expect.stringContaining(refusal.message()) }]);
    expect(result.outputs).toEqual({});
    expect(result.env).toEqual({});
    expect(result.summary).toBe('');
    // Nothing of the key: not the key, not anything key-shaped, not even its id.
    assertNoKeyLeaked(result, [key.apiKey, secret, emulator.adminKey]);
    expect(result.stdout).not.toMatch(KEY_SHAPED);
    if (refusal.name !== 'an expired key') expect(result.stdout).not.toContain(key.id);
    expect(result.stdout).not.toContain(key.apiKey.slice(-6));
    assertMaskedBeforeAnythingElse(result.stdout, secret);
    expect(emulator.log).toEqual([]);
  });
});

describe('the control: the same leg opens a handoff it can', () => {
  it('hands out the key, masked first, as the INFERENCE key mint sealed whatever its shape, and sends nothing', async () => {
    const opaque = { ...key, apiKey: 'an-inference-key-of-no-known-shape-42' };
    const result = await runMainInProcess({
      inputs: { 'base-url': emulator.url, mode: 'receive', handoff: seal(opaque, SECRET, RUN), 'handoff-secret': SECRET },
      env: { GITHUB_JOB: 'leg' },
    });
    expect(result.code).toBe(0);
    expect(result.outputs).toEqual({ 'api-key': opaque.apiKey, 'key-id': key.id, 'expires-at': key.expiresAt, 'key-type': 'INFERENCE' });
    assertMaskedBeforeAnythingElse(result.stdout, SECRET);
    assertMaskedFirst(result.stdout, opaque.apiKey);
    assertNoKeyLeaked(result, [opaque.apiKey]);
    expect(emulator.log).toEqual([]);
  });
});
