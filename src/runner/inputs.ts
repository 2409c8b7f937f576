import * as core from '@actions/core';
import { InputError, type Parser } from './parsers.js';

/**
 * The input engine: reads inputs through @actions/core, turns each into a value with its
 * parser or its default, and collects every problem, so one run shows the user
 * everything to fix; nothing is sent before all inputs are read. It knows no mode:
 * each mode's unit (src/modes/<mode>/) lists the inputs it reads.
 */

export interface InputSpec<T> {
  /** Text to value; throws InputError. Absent for a YAML boolean, read by core.getBooleanInput. */
  parse?: Parser<T>;
  /** The value when the input is empty. */
  default?: T;
  /** Masked before anything else runs. */
  secret?: boolean;
  /** action.yml gives it a default: always set, so never "given to a mode that ignores it". */
  setByAction?: boolean;
  /** Giving it to a mode that does not read it is an error, not a warning: a secret meant elsewhere. */
  strict?: boolean;
  /** Must not be empty: what to pass, as a sentence. */
  required?: () => string;
}

export type InputTable = Record<string, InputSpec<unknown>>;

/** The values of a table: a default makes a value certain; otherwise it may be missing (empty or invalid). */
export type Values<I extends InputTable> = {
  [N in keyof I]: I[N] extends { default: infer T } ? T : I[N] extends InputSpec<infer T> ? T | undefined : never;
};

export interface InputProblem {
  input: string;
  message: string;
}

export const spec = <T>(parse: Parser<T>, extra: Omit<InputSpec<T>, 'parse'> = {}): InputSpec<T> => ({ parse, ...extra });

export const withDefault = <T>(
  parse: Parser<T>,
  value: T,
  extra: Omit<InputSpec<T>, 'parse' | 'default'> = {},
): InputSpec<T> & { default: T } => ({ parse, default: value, ...extra });

/** A YAML 1.2 boolean (true/True/TRUE, false/False/FALSE), as the runner's toolkit reads it. */
export const flag = (value: boolean): InputSpec<boolean> & { default: boolean } => ({ default: value });

/** Reads inputs and records what is wrong with them; a mode's checks across inputs add their own problems. */
export class InputReader {
  readonly problems: InputProblem[] = [];
  readonly warnings: string[] = [];
  private readonly invalid = new Set<string>();

  /** The text as the workflow gave it, trimmed; empty when not given. */
  raw(name: string): string {
    return core.getInput(name);
  }

  given(name: string): boolean {
    return this.raw(name) !== '';
  }

  /** Given, and its value could be read. */
  valid(name: string): boolean {
    return this.given(name) && !this.invalid.has(name);
  }

  problem(input: string, message: string): void {
    this.problems.push({ input, message });
  }

  warn(message: string): void {
    this.warnings.push(message);
  }

  /** Every input of the table as a value: parsed, or its default when empty (or invalid, then recorded). */
  read<I extends InputTable>(table: I): Values<I> {
    const values: Record<string, unknown> = {};
    for (const [name, input] of Object.entries(table)) values[name] = this.readOne(name, input);
    return values as Values<I>;
  }

  private readOne(name: string, input: InputSpec<unknown>): unknown {
    const raw = this.raw(name);
    if (!raw) {
      if (input.required) this.problem(name, `is empty. ${input.required()}`);
      return input.default;
    }
    try {
      return input.parse ? input.parse(raw) : core.getBooleanInput(name);
    } catch (error) {
      if (input.parse && !(error instanceof InputError)) throw error;
      this.invalid.add(name);
      this.problem(name, input.parse ? (error as Error).message : `'${raw}' must be true or false.`);
      return input.default;
    }
  }
}
