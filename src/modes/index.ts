import * as core from '@actions/core';
import { whySecretsMayBeMissing } from '../runner/context.js';
import { type InputProblem, InputReader, type InputSpec } from '../runner/inputs.js';
import { mint } from './mint/index.js';
import { prune } from './prune/index.js';
import { receive } from './receive/index.js';
import { revoke } from './revoke/index.js';
import { SHARED_INPUTS } from './shared-inputs.js';
import type { Mode, ModeUnit } from './unit.js';
import { verify } from './verify/index.js';

/** The five modes, and reading the inputs for the one the workflow chose. */

export const UNITS = { verify, mint, receive, revoke, prune } as const;

type UnitConfig<U> = U extends ModeUnit<infer _I, infer C> ? C : never;
export type Config = { [M in Mode]: UnitConfig<(typeof UNITS)[M]> }[Mode];

/** Every input, with the modes that read it (`every` for the shared ones): action.yml must declare exactly these. */
export const INPUTS: Record<string, InputSpec<unknown> & { modes: readonly Mode[] | 'every' }> = (() => {
  const table: Record<string, InputSpec<unknown> & { modes: Mode[] | 'every' }> = {};
  for (const [name, input] of Object.entries(SHARED_INPUTS)) table[name] = { ...input, modes: 'every' };
  for (const unit of Object.values(UNITS) as ModeUnit[]) {
    for (const [name, input] of Object.entries(unit.inputs)) {
      const modes = table[name]?.modes;
      table[name] = { ...table[name], ...input, modes: [...(Array.isArray(modes) ? modes : []), unit.name] };
    }
  }
  return table;
})();

export type ParseResult =
  | { ok: true; unit: ModeUnit; config: Config; warnings: string[] }
  | { ok: false; problems: InputProblem[]; warnings: string[] };

/** The values of the inputs that hold secrets: masked before anything else runs. */
export function secretInputs(): string[] {
  return Object.entries(INPUTS)
    .filter(([, input]) => input.secret)
    .map(([name]) => core.getInput(name))
    .filter(Boolean);
}

/** Reads the shared inputs and the chosen mode's, then its checks; every problem is collected. */
export function parseInputs(now: Date = new Date()): ParseResult {
  const inputs = new InputReader();
  const shared = inputs.read(SHARED_INPUTS);
  const mode = shared.mode === 'auto' ? chooseMode(inputs) : shared.mode;
  if (!mode) return { ok: false, problems: inputs.problems, warnings: inputs.warnings };
  const unit = UNITS[mode] as ModeUnit;
  checkNotTaken(inputs, unit);
  const config = unit.configure({ ...shared, ...inputs.read(unit.inputs) }, inputs, now) as Config;
  if (inputs.problems.length > 0) return { ok: false, problems: inputs.problems, warnings: inputs.warnings };
  return { ok: true, unit, config, warnings: inputs.warnings };
}

/** Only the shared inputs, for the post step (main validated everything before any key existed). */
export function parseShared() {
  const inputs = new InputReader();
  return { values: inputs.read(SHARED_INPUTS), problems: inputs.problems };
}

function chooseMode(inputs: InputReader): Mode | undefined {
  const selectors = (Object.values(UNITS) as ModeUnit[]).filter((unit) => unit.selectedBy);
  const given = selectors.filter((unit) => inputs.given(unit.selectedBy as string));
  if (given.length === 1) return given[0]?.name;
  const inputList = given.map((unit) => `'${unit.selectedBy}'`).join(' and ');
  if (given.length > 1) {
    inputs.problem(
      'mode',
      `'auto' cannot choose: ${inputList} are ${given.length === 2 ? 'both' : 'all'} set. ` +
        `Set 'mode' to one of ${given.map((unit) => `'${unit.name}'`).join(', ')}, or give only one of them.`,
    );
    return undefined;
  }
  const uses = selectors.map((unit) => `'${unit.selectedBy}' to ${unit.name} ${unit.name === 'verify' ? 'a key' : 'one'}`);
  inputs.problem('mode', `'auto' needs a key: set ${uses.slice(0, -1).join(', ')}, or ${uses.at(-1)}. ${whySecretsMayBeMissing()}`);
  return undefined;
}

/** An input the mode does not read is a warning, or an error for a secret meant for another mode. */
function checkNotTaken(inputs: InputReader, unit: ModeUnit): void {
  for (const [name, input] of Object.entries(INPUTS)) {
    if (!inputs.given(name)) continue;
    const refusal = unit.refuses?.[name];
    if (refusal) {
      inputs.problem(name, refusal);
      continue;
    }
    if (input.modes === 'every' || input.modes.includes(unit.name) || input.setByAction) continue;
    const users = input.modes.map((user) => `'${user}'`).join(', ');
    if (input.strict) {
      inputs.problem(name, `is only used in mode ${users}; mode '${unit.name}' does not take it. Remove it from this step.`);
    } else {
      inputs.warn(`Input '${name}' is only used in mode ${users}; mode '${unit.name}' ignores it.`);
    }
  }
}

export type { MintConfig } from './mint/index.js';
export type { PruneConfig } from './prune/index.js';
export type { ReceiveConfig } from './receive/index.js';
export type { RevokeConfig } from './revoke/index.js';
export type { VerifyConfig } from './verify/index.js';
