import type { InputReader, InputTable, Values } from '../runner/inputs.js';
import type { SHARED_INPUTS } from './shared-inputs.js';

export const MODES = ['verify', 'mint', 'receive', 'revoke', 'prune'] as const;
export type Mode = (typeof MODES)[number];

/**
 * One mode, whole: the inputs it reads (with their defaults), its checks that span
 * several inputs, the configuration they make, and its run. The run is loaded only
 * when the mode is chosen, so every mode is its own chunk of the bundle.
 */
export interface ModeUnit<I extends InputTable = InputTable, C = unknown> {
  name: Mode;
  /** Under `mode: auto`, setting this input selects the mode. */
  selectedBy?: string;
  inputs: I;
  /** Inputs this mode must never be given, each with the sentence that says why. */
  refuses?: Record<string, string>;
  /** Checks across inputs (recorded on `inputs`) and the configuration; used only when nothing was recorded. */
  configure(values: Values<I> & Values<typeof SHARED_INPUTS>, inputs: InputReader, now: Date): C;
  run(config: C): Promise<void>;
}

/** Keeps each unit's types exact while the registry holds them side by side. */
export const defineMode = <I extends InputTable, C>(unit: ModeUnit<I, C>): ModeUnit<I, C> => unit;
