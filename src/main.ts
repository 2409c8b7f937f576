import { describeFailure } from './modes/failures.js';
import { parseInputs, secretInputs } from './modes/index.js';
import { error, fail, mask, warning } from './runner/log.js';
import { KEY_SHAPED, looksLikeKey } from './venice/keys.js';

/** The main step: mask the secrets, read every input, then run the one mode they select. */
export async function run(): Promise<void> {
  // Before anything else can print them: the secret inputs, and anything key-shaped pasted elsewhere.
  for (const secret of [...secretInputs(), ...keyShapedInputs()]) mask(secret);
  try {
    const parsed = parseInputs();
    for (const message of parsed.warnings) warning(message);
    if (!parsed.ok) {
      for (const { input, message } of parsed.problems) {
        error(`Input '${input}' ${message}`, { title: `venice-key: invalid input '${input}'` });
      }
      fail(`${parsed.problems.length} input problem(s); nothing was sent to Venice.`);
      return;
    }
    await parsed.unit.run(parsed.config);
  } catch (problem) {
    fail(describeFailure(problem));
  }
}

/**
 * Any input holding something key-shaped: the whole value, each line that holds a key
 * (the runner masks line by line), and each key in it.
 */
function keyShapedInputs(): string[] {
  return Object.entries(process.env)
    .filter(([name, value]) => name.startsWith('INPUT_') && value && looksLikeKey(value))
    .flatMap(([, value]) => {
      const text = (value as string).trim();
      const lines = text.split(/\r?\n/).map((line) => line.trim());
      return [text, ...lines.filter(looksLikeKey), ...(text.match(KEY_SHAPED) ?? [])];
    });
}
