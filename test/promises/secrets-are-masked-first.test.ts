/**
 * README: "The secrets you pass ... are masked before anything else runs." The main step
 * registers every secret input with the runner before it reads a single input: at the
 * moment the inputs are parsed, the `::add-mask::` lines have been written already.
 */
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';

const seenAtParse: string[][] = [];
const written: string[] = [];

vi.mock('../../src/modes/index.ts', async (importOriginal) => {
  const real = await importOriginal<typeof import('../../src/modes/index.ts')>();
  return {
    ...real,
    parseInputs: (now?: Date) => {
      seenAtParse.push([...written]);
      return real.parseInputs(now);
    },
  };
});

// Secrets of no known shape: they are masked because the inputs are secret, not because they look like keys.
const INPUTS = {
  'INPUT_ADMIN-KEY': 'an-admin-key-of-no-known-shape-1',
  'INPUT_API-KEY': 'an-api-key-of-no-known-shape-22',
  'INPUT_GITHUB-TOKEN': 'a-token-of-no-known-shape-333',
  'INPUT_HANDOFF-SECRET': 'a handoff secret that is long enough to pass',
  INPUT_TIMEOUT: 'not a duration',
  // Pasted over two lines, the key followed by characters no key shape takes: the runner masks line by line.
  INPUT_DESCRIPTION: 'a label\npasted VENICE_INFERENCE_KEY_pastedintoalabel.and+more here',
};
const saved = { ...process.env };
beforeEach(() => {
  Object.assign(process.env, INPUTS);
  vi.spyOn(process.stdout, 'write').mockImplementation((chunk) => {
    written.push(...String(chunk).split('\n').filter(Boolean));
    return true;
  });
});
afterEach(() => {
  vi.restoreAllMocks();
  process.env = { ...saved };
  process.exitCode = undefined;
});

describe('the secret inputs are masked before any input is read', () => {
  it('every secret, and every key pasted elsewhere, is masked by the time the inputs are parsed', async () => {
    const { run } = await import('../../src/main.ts');
    await run();
    expect(seenAtParse).toHaveLength(1);
    const masked = (seenAtParse[0] ?? []).filter((line) => line.startsWith('::add-mask::'));
    expect(masked).toEqual(
      expect.arrayContaining([
        `::add-mask::${INPUTS['INPUT_ADMIN-KEY']}`,
        `::add-mask::${INPUTS['INPUT_API-KEY']}`,
        `::add-mask::${INPUTS['INPUT_GITHUB-TOKEN']}`,
        `::add-mask::${INPUTS['INPUT_HANDOFF-SECRET']}`,
        '::add-mask::a label%0Apasted VENICE_INFERENCE_KEY_pastedintoalabel.and+more here',
        '::add-mask::pasted VENICE_INFERENCE_KEY_pastedintoalabel.and+more here',
        '::add-mask::VENICE_INFERENCE_KEY_pastedintoalabel',
      ]),
    );
    // The bad timeout was reported afterwards, and the step failed without sending anything.
    expect(written.some((line) => line.startsWith("::error title=venice-key%3A invalid input 'timeout'::"))).toBe(true);
    expect(process.exitCode).toBe(1);
  });
});
