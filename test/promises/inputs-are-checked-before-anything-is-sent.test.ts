/**
 * README: every input is checked before anything is sent; each problem is an `::error::`
 * titled with the input's name, and a secret given is masked before anything else. Each
 * case runs the main step in this process; the built action refuses one of them end to
 * end too (test/e2e/handoff.test.ts).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { renderLog } from '../../emulator/fake-runner.ts';
import { VeniceEmulator } from '../../emulator/venice-emulator.ts';
import { mintInputsFor } from '../helpers/emulator.ts';
import { runMainInProcess } from '../helpers/in-process.ts';
import { assertMaskedBeforeAnythingElse, assertNoKeyLeaked } from '../helpers/leaks.ts';

/** Exactly the shortest secret the action accepts. */
const SECRET = 'matrix-handoff-secret-32-chars!!';
const SHORT = 'x'.repeat(31);

let emulator: VeniceEmulator;
beforeAll(async () => {
  emulator = await new VeniceEmulator().start();
});
afterAll(async () => {
  await emulator.stop();
});

const mintInputs = (extra: Record<string, string> = {}) => mintInputsFor(emulator, { 'handoff-secret': SECRET, ttl: '30m', ...extra });

interface Invalid {
  name: string;
  inputs: () => Record<string, string>;
  input: string;
  message: string;
  /** The handoff-secret given, which is masked before anything else. */
  secret?: () => string;
}

const invalid: Invalid[] = [
  {
    name: 'mint: a handoff-secret shorter than 32 characters',
    inputs: () => mintInputs({ 'handoff-secret': SHORT }),
    input: 'handoff-secret',
    message: "Input 'handoff-secret' is 31 characters long; it must be at least 32.",
    secret: () => SHORT,
  },
  {
    name: 'receive: a handoff-secret shorter than 32 characters',
    inputs: () => ({ 'base-url': emulator.url, handoff: 'vkh1.00000000.1.AAAA', 'handoff-secret': SHORT }),
    input: 'handoff-secret',
    message: "Input 'handoff-secret' is 31 characters long; it must be at least 32.",
    secret: () => SHORT,
  },
  {
    name: 'mint: a handoff-secret equal to the admin key',
    inputs: () => mintInputs({ 'handoff-secret': emulator.adminKey }),
    input: 'handoff-secret',
    message: "Input 'handoff-secret' is the admin key.",
    secret: () => emulator.adminKey,
  },
  {
    name: 'verify: a handoff-secret',
    inputs: () => ({ 'base-url': emulator.url, 'api-key': emulator.inferenceKey, 'handoff-secret': SECRET }),
    input: 'handoff-secret',
    message: "Input 'handoff-secret' is only used in mode 'mint', 'receive'; mode 'verify' does not take it.",
    secret: () => SECRET,
  },
  {
    name: 'verify: a handoff',
    inputs: () => ({ 'base-url': emulator.url, mode: 'verify', 'api-key': emulator.inferenceKey, handoff: 'vkh1.00000000.1.AAAA' }),
    input: 'handoff',
    message: "Input 'handoff' is only used in mode 'receive'; mode 'verify' does not take it.",
  },
  {
    name: 'revoke: a handoff-secret',
    inputs: () => ({ 'base-url': emulator.url, mode: 'revoke', 'admin-key': emulator.adminKey, 'handoff-secret': SECRET }),
    input: 'handoff-secret',
    message: "Input 'handoff-secret' is only used in mode 'mint', 'receive'; mode 'revoke' does not take it.",
    secret: () => SECRET,
  },
  {
    name: "mint: revoke: 'true' with a handoff-secret",
    inputs: () => mintInputs({ revoke: 'true' }),
    input: 'revoke',
    message: "Input 'revoke' is true, but with 'handoff-secret'",
    secret: () => SECRET,
  },
  {
    name: 'receive: no handoff-secret',
    inputs: () => ({ 'base-url': emulator.url, mode: 'receive', handoff: 'vkh1.00000000.1.AAAA' }),
    input: 'handoff-secret',
    message: "Input 'handoff-secret' is empty.",
  },
  {
    name: 'receive: no handoff',
    inputs: () => ({ 'base-url': emulator.url, mode: 'receive', 'handoff-secret': SECRET }),
    input: 'handoff',
    message: "Input 'handoff' is empty.",
    secret: () => SECRET,
  },
];

describe('inputs are checked before anything is sent', () => {
  it.each(invalid)('$name', async (testCase) => {
    const result = await runMainInProcess({ inputs: testCase.inputs() });
    expect(result.code).toBe(1);
    expect(result.stderr).toBe('');
    const { annotations } = renderLog(result.stdout);
    expect(annotations).toContainEqual({
      kind: 'error',
      message: expect.stringContaining(testCase.message),
      title: `venice-key: invalid input '${testCase.input}'`,
    });
    expect(annotations.at(-1)).toEqual({
      kind: 'error',
      message: expect.stringMatching(/input problem\(s\); nothing was sent to Venice\.$/),
    });
    expect(annotations.filter((annotation) => annotation.kind === 'warning')).toEqual([]);
    expect(result.outputs).toEqual({});
    expect(result.env).toEqual({});
    expect(emulator.log).toEqual([]);
    expect(emulator.received).toBe(0);
    const secret = testCase.secret?.();
    if (secret) {
      assertMaskedBeforeAnythingElse(result.stdout, secret);
      assertNoKeyLeaked(result, [secret]);
    }
    assertNoKeyLeaked(result, [emulator.adminKey, emulator.inferenceKey]);
  });
});

describe('a refusal says what to do about it', () => {
  it('openai-env with an export-env of a name it sets', async () => {
    const result = await runMainInProcess({
      inputs: mintInputs({ 'handoff-secret': '', 'openai-env': 'true', 'export-env': 'openai_api_key' }),
    });
    expect(result.code).toBe(1);
    expect(result.stdout).toContain(
      "::error title=venice-key%3A invalid input 'export-env'::Input 'export-env' is 'openai_api_key', a variable",
    );
    expect(result.env).toEqual({});
    expect(emulator.received).toBe(0);
  });

  it('a key pasted into another input is masked too, and named as a secret, not an id', async () => {
    const result = await runMainInProcess({
      inputs: { 'base-url': emulator.url, mode: 'revoke', 'admin-key': emulator.adminKey, 'key-id': emulator.inferenceKey },
    });
    expect(result.code).toBe(1);
    assertMaskedBeforeAnythingElse(result.stdout, emulator.inferenceKey);
    expect(result.stdout).toContain("Input 'key-id' holds a key's secret, not its id.");
    assertNoKeyLeaked(result, [emulator.inferenceKey, emulator.adminKey]);
    expect(emulator.received).toBe(0);
  });

  it('an empty admin-key says that forks and Dependabot get no secrets', async () => {
    const result = await runMainInProcess({ inputs: { 'base-url': emulator.url, mode: 'mint', 'admin-key': '' } });
    expect(result.code).toBe(1);
    expect(result.stdout).toMatch(/Input 'admin-key' is empty\..*forks and from Dependabot are not given secrets/);
  });

  it('a key is never sent to a plain-HTTP host that is not this machine', async () => {
    const result = await runMainInProcess({ inputs: { 'base-url': 'http://api.example.com/api/v1', 'api-key': emulator.inferenceKey } });
    expect(result.code).toBe(1);
    expect(result.stdout).toContain("Input 'base-url' 'http://api.example.com/api/v1' is not HTTPS.");
    assertNoKeyLeaked(result, [emulator.inferenceKey]);
  });
});

describe('what is not a problem but worth a look is a warning, and the step goes on', () => {
  it("an input the mode ignores, and an admin-key of no known shape, are warnings on the run's page", async () => {
    const result = await runMainInProcess({
      inputs: { 'base-url': emulator.url, mode: 'revoke', 'admin-key': 'an-admin-key-of-no-known-shape-1', ttl: '1h' },
    });
    expect(renderLog(result.stdout).annotations.filter((annotation) => annotation.kind === 'warning')).toEqual([
      { kind: 'warning', message: "Input 'ttl' is only used in mode 'mint'; mode 'revoke' ignores it." },
      { kind: 'warning', message: "'admin-key' does not start with VENICE_ADMIN_KEY_; using it anyway." },
    ]);
    // It went on to ask Venice (which refused the made-up key).
    expect(emulator.received).toBeGreaterThan(0);
  });
});
