import * as core from '@actions/core';
import { formatDuration, parseDuration } from '../duration.js';
import type { Scope } from '../naming.js';
import { isSecureOrigin } from '../venice/client.js';
import { keyTypeFromPrefix, looksLikeKey } from '../venice/keys.js';
import type { LimitPeriod, ModelPrivacy } from '../venice/types.js';
import { whySecretsMayBeMissing } from './context.js';

/**
 * Every input, read from one table: which modes use it and how its text becomes a
 * value. All problems are collected before anything is sent, so one run shows the user
 * everything to fix; each names the input, what is wrong with the value, and the fix.
 */

export const MODES = ['verify', 'mint', 'receive', 'revoke', 'prune'] as const;
export type Mode = (typeof MODES)[number];

export const DEFAULT_BASE_URL = 'https://api.venice.ai/api/v1';
const MIN_TTL_MS = 60_000;
const MAX_TTL_MS = 30 * 86_400_000;
const MAX_LIMIT = 9_999_999_999;
const MAX_AGE_MS = 365 * 86_400_000;
export const MIN_HANDOFF_SECRET = 32;

/** A value's problem, in words that end with the fix. */
class InputError extends Error {}

type Parser<T> = (raw: string, name: string) => T;

const text: Parser<string> = (raw) => raw;

/** A key or token travels in an HTTP header: printable ASCII, no spaces. Never echoed back. */
const secret: Parser<string> = (raw) => {
  if (!/^[\x21-\x7E]+$/.test(raw)) {
    throw new InputError(
      'holds characters an HTTP header cannot carry (a space, a line break, or a non-ASCII character such as a typographic quote). Copy the key into the secret again, exactly as Venice shows it.',
    );
  }
  return raw;
};

const duration =
  (min: number, max: number): Parser<number> =>
  (raw) => {
    const ms = parseDuration(raw);
    if (ms === undefined) throw new InputError(`'${raw}' is not a duration. Use e.g. 90s, 30m, 2h, 1d, 1h30m, or plain seconds.`);
    if (ms < min || ms > max) {
      throw new InputError(`'${raw}' is out of range: it must be at least ${formatDuration(min)} and at most ${formatDuration(max)}.`);
    }
    return ms;
  };

const amount =
  (max = Number.MAX_SAFE_INTEGER): Parser<number> =>
  (raw) => {
    if (!/^\d+(\.\d+)?$/.test(raw) || Number(raw) > max)
      throw new InputError(`'${raw}' must be a number from 0 to ${max}, e.g. 5 or 2.50.`);
    return Number(raw);
  };

const wholeNumber =
  (min: number, max: number): Parser<number> =>
  (raw) => {
    if (!/^\d+$/.test(raw) || Number(raw) < min || Number(raw) > max)
      throw new InputError(`'${raw}' must be a whole number from ${min} to ${max}.`);
    return Number(raw);
  };

const oneOf =
  <T extends string>(allowed: readonly T[]): Parser<T> =>
  (raw) => {
    const value = raw.toUpperCase();
    if (!(allowed as readonly string[]).includes(value))
      throw new InputError(`'${raw}' is not allowed. Use one of: ${allowed.join(', ')}.`);
    return value as T;
  };

/** YAML 1.2's booleans, as the runner's own toolkit reads them. */
const flag: Parser<boolean> = (raw, name) => {
  try {
    return core.getBooleanInput(name);
  } catch {
    throw new InputError(`'${raw}' must be true or false.`);
  }
};

const list: Parser<string[]> = (raw) =>
  raw
    .split(/[,\n]/)
    .map((item) => item.trim())
    .filter(Boolean);

const mode: Parser<Mode | 'auto'> = (raw) => {
  const value = raw.toLowerCase();
  if (value === 'auto' || (MODES as readonly string[]).includes(value)) return value as Mode | 'auto';
  throw new InputError(`'${raw}' is not a mode. Use one of: auto, ${MODES.join(', ')}.`);
};

const baseUrl: Parser<URL> = (raw) => {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new InputError(`'${raw}' is not a URL. Use the API root, for example ${DEFAULT_BASE_URL}.`);
  }
  if (url.username || url.password) throw new InputError('must not carry credentials. Give keys only through api-key or admin-key.');
  // Not echoed: a query may carry a gateway's token.
  if (/[?#]/.test(raw))
    throw new InputError(`has a query or a fragment ('?' or '#'). Give only the API root, for example ${DEFAULT_BASE_URL}.`);
  if (!isSecureOrigin(url)) {
    throw new InputError(
      `'${raw}' is not HTTPS. Keys are only sent over HTTPS, or plain HTTP to this machine (127.0.0.1, ::1, localhost). Use https://.`,
    );
  }
  return url;
};

const expiry: Parser<Date> = (raw) => {
  // ISO 8601 with a date, a time and an explicit zone, so the moment is unambiguous.
  const parts = /^(\d{4})-(\d{2})-(\d{2})T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:\d{2})$/.exec(raw);
  const when = new Date(raw);
  if (!parts || Number.isNaN(when.getTime())) {
    throw new InputError(`'${raw}' is not an ISO 8601 time with a zone. Use e.g. 2030-01-31T18:00:00Z.`);
  }
  // Date() rolls 2030-02-30 over into March; a day that does not exist is a mistake.
  const [year, month, day] = parts.slice(1, 4).map(Number) as [number, number, number];
  if (new Date(Date.UTC(year, month - 1, day)).getUTCDate() !== day) {
    throw new InputError(`'${raw}' names a day that does not exist. Use e.g. 2030-01-31T18:00:00Z.`);
  }
  return new Date(Math.floor(when.getTime() / 1000) * 1000);
};

const envName: Parser<string> = (raw) => {
  if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(raw)) {
    throw new InputError(`'${raw}' is not an environment variable name. Use letters, digits and '_', e.g. VENICE_API_KEY.`);
  }
  if (/^(GITHUB_|RUNNER_|ACTIONS_)/i.test(raw) || ['NODE_OPTIONS', 'PATH', 'HOME'].includes(raw.toUpperCase())) {
    throw new InputError(`'${raw}' is reserved by the runner or the system. Choose your own name, e.g. VENICE_API_KEY.`);
  }
  return raw;
};

const keyIds: Parser<string[]> = (raw) => {
  const ids = list(raw, '');
  for (const id of ids) {
    if (looksLikeKey(id)) {
      throw new InputError(
        "holds a key's secret, not its id. Give the id (the mint step's 'key-id' output); and rotate that key, it has been exposed to this step's inputs.",
      );
    }
    if (!/^[A-Za-z0-9_-]{1,128}$/.test(id))
      throw new InputError(`'${id}' is not a key id (letters, digits, '-' and '_'). Give ids separated by commas or newlines.`);
  }
  return [...new Set(ids)];
};

const handoffSecret: Parser<string> = (raw) => {
  if (raw.length < MIN_HANDOFF_SECRET) {
    throw new InputError(
      `is ${raw.length} characters long; it must be at least ${MIN_HANDOFF_SECRET}. Store a long random value as a repository secret, e.g. the output of \`openssl rand -base64 32\`.`,
    );
  }
  return raw;
};

interface InputSpec<T> {
  /** The modes that read it; `every` for connection settings. */
  modes: readonly Mode[] | 'every';
  parse: Parser<T>;
  /** action.yml gives it a default, so it is always set and never "given to the wrong mode". */
  defaulted?: boolean;
  /** Masked before anything else runs. */
  secret?: boolean;
  /** Giving it to a mode that does not read it is an error, not a warning (it is a secret meant elsewhere). */
  strict?: boolean;
  /** Modes that must never be given it, whatever `strict` says. */
  refusedIn?: readonly Mode[];
}

const spec = <T>(modes: InputSpec<T>['modes'], parse: Parser<T>, extra: Partial<InputSpec<T>> = {}): InputSpec<T> => ({
  modes,
  parse,
  ...extra,
});

export const INPUTS = {
  mode: spec('every', mode, { defaulted: true }),
  'api-key': spec(['verify'], secret, { secret: true }),
  // The jobs that receive a handed-off key run the code under test: they must not hold it.
  'admin-key': spec(['mint', 'revoke', 'prune'], secret, { secret: true, refusedIn: ['receive'] }),
  ttl: spec(['mint'], duration(MIN_TTL_MS, MAX_TTL_MS)),
  'expires-at': spec(['mint'], expiry),
  description: spec(['mint'], text),
  'usd-limit': spec(['mint'], amount(MAX_LIMIT)),
  'diem-limit': spec(['mint'], amount(MAX_LIMIT)),
  'limit-period': spec(['mint'], oneOf<LimitPeriod>(['EPOCH', 'MONTH', 'LIFETIME'])),
  'model-privacy': spec(['mint'], oneOf<ModelPrivacy>(['ALL', 'PRIVATE_TEXT', 'PRIVATE_ONLY'])),
  revoke: spec(['mint'], flag),
  'export-env': spec(['mint', 'receive'], envName),
  'handoff-secret': spec(['mint', 'receive'], handoffSecret, { strict: true, secret: true }),
  handoff: spec(['receive'], text, { strict: true }),
  'key-id': spec(['revoke'], keyIds),
  'older-than': spec(['prune'], duration(0, MAX_AGE_MS)),
  'dry-run': spec(['prune'], flag),
  'github-token': spec(['prune'], text, { defaulted: true, secret: true }),
  'min-balance-usd': spec(['verify'], amount()),
  'min-balance-diem': spec(['verify'], amount()),
  'min-ttl': spec(['verify'], duration(0, MAX_AGE_MS)),
  'require-models': spec(['verify'], list),
  'fail-on-invalid': spec(['verify'], flag),
  'base-url': spec('every', baseUrl, { defaulted: true }),
  timeout: spec('every', duration(1_000, 10 * 60_000), { defaulted: true }),
  'max-attempts': spec('every', wholeNumber(1, 10), { defaulted: true }),
} as const;

export type InputName = keyof typeof INPUTS;
type Parsed<N extends InputName> = (typeof INPUTS)[N] extends InputSpec<infer T> ? T : never;

export interface Connection {
  baseUrl: URL;
  timeoutMs: number;
  maxAttempts: number;
}

export interface VerifyConfig extends Connection {
  mode: 'verify';
  apiKey: string;
  minBalanceUsd?: number;
  minBalanceDiem?: number;
  minTtlMs?: number;
  requireModels: string[];
  failOnInvalid: boolean;
}

export interface MintConfig extends Connection {
  mode: 'mint';
  adminKey: string;
  expiresAt: Date;
  label: string;
  usdLimit?: number;
  diemLimit?: number;
  limitPeriod?: LimitPeriod;
  modelPrivacy?: ModelPrivacy;
  /** Who ends the key: this job's post step, nobody (`revoke: false`), or the run (a handoff). */
  scope: Scope;
  exportEnv?: string;
  handoffSecret?: string;
}

export interface ReceiveConfig {
  mode: 'receive';
  handoff: string;
  handoffSecret: string;
  exportEnv?: string;
}

export interface RevokeConfig extends Connection {
  mode: 'revoke';
  adminKey: string;
  /** Empty: every key this workflow run minted. */
  keyIds: string[];
}

export interface PruneConfig extends Connection {
  mode: 'prune';
  adminKey: string;
  olderThanMs: number;
  dryRun: boolean;
  githubToken: string;
}

export type Config = VerifyConfig | MintConfig | ReceiveConfig | RevokeConfig | PruneConfig;

export interface InputProblem {
  input: InputName;
  message: string;
}

export type ParseResult = { ok: true; config: Config; warnings: string[] } | { ok: false; problems: InputProblem[]; warnings: string[] };

/** Reads the inputs through @actions/core and collects every problem. */
class Inputs {
  readonly problems: InputProblem[] = [];
  readonly warnings: string[] = [];

  raw(name: InputName): string {
    return core.getInput(name);
  }

  /** The parsed value, or undefined when the input is empty or has a problem (then recorded). */
  get<N extends InputName>(name: N): Parsed<N> | undefined {
    const raw = this.raw(name);
    if (!raw) return undefined;
    try {
      return INPUTS[name].parse(raw, name) as Parsed<N>;
    } catch (error) {
      if (!(error instanceof InputError)) throw error;
      this.problem(name, error.message);
      return undefined;
    }
  }

  problem(input: InputName, message: string): void {
    this.problems.push({ input, message });
  }
}

/** The values of the inputs that hold secrets: masked before anything else runs. */
export function secretInputs(): string[] {
  return (Object.entries(INPUTS) as [InputName, InputSpec<unknown>][])
    .filter(([, input]) => input.secret)
    .map(([name]) => core.getInput(name))
    .filter(Boolean);
}

export function parseInputs(now: Date = new Date()): ParseResult {
  const inputs = new Inputs();
  const mode = resolveMode(inputs);
  const connection = connectionFrom(inputs);
  if (!mode) return { ok: false, problems: inputs.problems, warnings: inputs.warnings };
  checkUnused(inputs, mode);

  const config = BUILDERS[mode](inputs, connection, now);
  if (inputs.problems.length > 0) return { ok: false, problems: inputs.problems, warnings: inputs.warnings };
  return { ok: true, config, warnings: inputs.warnings };
}

/** Only the connection settings, for the post step (main validated everything before any key existed). */
export function parseConnection(): { connection: Connection; problems: InputProblem[] } {
  const inputs = new Inputs();
  return { connection: connectionFrom(inputs), problems: inputs.problems };
}

/** The settings every request shares, with action.yml's defaults. */
function connectionFrom(inputs: Inputs): Connection {
  return {
    baseUrl: inputs.get('base-url') ?? new URL(DEFAULT_BASE_URL),
    timeoutMs: inputs.get('timeout') ?? 30_000,
    maxAttempts: inputs.get('max-attempts') ?? 5,
  };
}

function resolveMode(inputs: Inputs): Mode | undefined {
  const chosen = inputs.get('mode') ?? 'auto';
  if (chosen !== 'auto') return chosen;
  if (inputs.problems.length > 0) return undefined;
  const triggers: [InputName, Mode][] = [
    ['api-key', 'verify'],
    ['admin-key', 'mint'],
    ['handoff', 'receive'],
  ];
  const given = triggers.filter(([name]) => inputs.raw(name));
  if (given.length === 1) return given[0]?.[1];
  if (given.length > 1) {
    inputs.problem(
      'mode',
      `'auto' cannot choose: ${given.map(([name]) => `'${name}'`).join(' and ')} are ${given.length === 2 ? 'both' : 'all'} set. Set 'mode' to one of ${given.map(([, m]) => `'${m}'`).join(', ')}, or give only one of them.`,
    );
    return undefined;
  }
  inputs.problem(
    'mode',
    `'auto' needs a key: set 'api-key' to verify a key, 'admin-key' to mint one, or 'handoff' to receive one. ${whySecretsMayBeMissing()}`,
  );
  return undefined;
}

/** An input the mode does not read is a warning, or an error for a secret meant for another mode. */
function checkUnused(inputs: Inputs, mode: Mode): void {
  for (const [name, input] of Object.entries(INPUTS) as [InputName, InputSpec<unknown>][]) {
    if (!inputs.raw(name)) continue;
    if (input.refusedIn?.includes(mode)) {
      inputs.problem(
        name,
        `must not be given to mode '${mode}': the jobs that receive a handed-off key run the code under test and must not hold it. Remove it from this step.`,
      );
      continue;
    }
    if (input.modes === 'every' || input.modes.includes(mode) || input.defaulted) continue;
    const users = input.modes.map((user) => `'${user}'`).join(', ');
    if (input.strict) inputs.problem(name, `is only used in mode ${users}; mode '${mode}' does not take it. Remove it from this step.`);
    else inputs.warnings.push(`Input '${name}' is only used in mode ${users}; mode '${mode}' ignores it.`);
  }
}

function requireAdminKey(inputs: Inputs): string {
  const adminKey = inputs.raw('admin-key');
  if (!adminKey) {
    inputs.problem(
      'admin-key',
      `is empty. Pass an ADMIN key from a secret, e.g. admin-key: \${{ secrets.VENICE_ADMIN_KEY }}. ${whySecretsMayBeMissing()}`,
    );
    return adminKey;
  }
  // Parsing records a key that cannot travel in a header; the prefix is checked only for one that can.
  if (inputs.get('admin-key') === undefined) return adminKey;
  if (keyTypeFromPrefix(adminKey) === 'INFERENCE') {
    inputs.problem(
      'admin-key',
      "holds an INFERENCE key (its prefix says so). Minting, revoking and pruning need an ADMIN key: create one in Venice's API settings and store it as the secret.",
    );
  } else if (!keyTypeFromPrefix(adminKey)) {
    inputs.warnings.push("'admin-key' does not start with VENICE_ADMIN_KEY_; using it anyway.");
  }
  return adminKey;
}

type Builder = (inputs: Inputs, connection: Connection, now: Date) => Config;

const BUILDERS: Record<Mode, Builder> = {
  verify(inputs, connection) {
    const apiKey = inputs.raw('api-key');
    if (!apiKey) {
      inputs.problem(
        'api-key',
        `is empty. Pass the key to verify from a secret, e.g. api-key: \${{ secrets.VENICE_API_KEY }}. ${whySecretsMayBeMissing()}`,
      );
    } else if (inputs.get('api-key') !== undefined && keyTypeFromPrefix(apiKey) === 'ADMIN') {
      inputs.warnings.push(
        "'api-key' holds an ADMIN key (its prefix says so), which can create and delete keys. Give jobs an INFERENCE key: mint one per job with this action.",
      );
    }
    return {
      ...connection,
      mode: 'verify',
      apiKey,
      minBalanceUsd: inputs.get('min-balance-usd'),
      minBalanceDiem: inputs.get('min-balance-diem'),
      minTtlMs: inputs.get('min-ttl'),
      requireModels: inputs.get('require-models') ?? [],
      failOnInvalid: inputs.get('fail-on-invalid') ?? true,
    };
  },

  mint(inputs, connection, now) {
    const adminKey = requireAdminKey(inputs);
    const usdLimit = inputs.get('usd-limit');
    const diemLimit = inputs.get('diem-limit');
    // An ephemeral key's cap is meant as a hard cap, not a daily allowance.
    const capped = usdLimit !== undefined || diemLimit !== undefined;
    const limitPeriod = inputs.get('limit-period') ?? (capped ? 'LIFETIME' : undefined);
    const handoffSecret = inputs.get('handoff-secret');
    if (handoffSecret && handoffSecret === adminKey) {
      inputs.problem(
        'handoff-secret',
        'is the admin key. The jobs that receive the key run the code under test and must never be able to derive the admin key: store a separate random secret (e.g. `openssl rand -base64 32`) and pass that.',
      );
    }
    const revoke = inputs.get('revoke');
    if (handoffSecret && revoke === true) {
      inputs.problem(
        'revoke',
        "is true, but with 'handoff-secret' the key is made for the run's later jobs, so this job's post step must not delete it. Remove 'revoke'; a run-scoped 'mode: revoke' in a final job deletes it, and its ttl bounds it.",
      );
    }
    const scope: Scope = handoffSecret ? 'run' : revoke === false ? 'keep' : 'job';
    return {
      ...connection,
      mode: 'mint',
      adminKey,
      expiresAt: expiryFrom(inputs, now),
      label: inputs.raw('description'),
      usdLimit,
      diemLimit,
      limitPeriod,
      modelPrivacy: inputs.get('model-privacy'),
      scope,
      exportEnv: inputs.get('export-env'),
      handoffSecret,
    };
  },

  receive(inputs) {
    const handoff = inputs.raw('handoff');
    if (!handoff) {
      inputs.problem(
        'handoff',
        // biome-ignore lint/suspicious/noTemplateCurlyInString: a workflow expression for the user to copy
        "is empty. Pass the minting job's output, e.g. handoff: ${{ needs.mint.outputs.handoff }}, and list that job under 'needs'.",
      );
    }
    const handoffSecret = inputs.get('handoff-secret');
    if (!inputs.raw('handoff-secret')) {
      inputs.problem(
        'handoff-secret',
        `is empty. Pass the same secret the minting job used, e.g. handoff-secret: \${{ secrets.VENICE_HANDOFF_SECRET }}. ${whySecretsMayBeMissing()}`,
      );
    }
    return { mode: 'receive', handoff, handoffSecret: handoffSecret ?? '', exportEnv: inputs.get('export-env') };
  },

  revoke(inputs, connection) {
    return { ...connection, mode: 'revoke', adminKey: requireAdminKey(inputs), keyIds: inputs.get('key-id') ?? [] };
  },

  prune(inputs, connection) {
    return {
      ...connection,
      mode: 'prune',
      adminKey: requireAdminKey(inputs),
      olderThanMs: inputs.get('older-than') ?? 6 * 3_600_000,
      dryRun: inputs.get('dry-run') ?? false,
      githubToken: inputs.raw('github-token'),
    };
  },
};

function expiryFrom(inputs: Inputs, now: Date): Date {
  const ttlMs = inputs.get('ttl');
  const expiresAt = inputs.get('expires-at');
  if (inputs.raw('ttl') && inputs.raw('expires-at')) {
    inputs.problem('expires-at', "cannot be combined with 'ttl'. Give one: 'ttl' for a lifetime, or 'expires-at' for a fixed time.");
    return now;
  }
  if (expiresAt) {
    const ahead = expiresAt.getTime() - now.getTime();
    if (ahead < MIN_TTL_MS || ahead > MAX_TTL_MS) {
      inputs.problem(
        'expires-at',
        `'${inputs.raw('expires-at')}' must be between ${formatDuration(MIN_TTL_MS)} and ${formatDuration(MAX_TTL_MS)} from now (now is ${now.toISOString()}).`,
      );
    }
    return expiresAt;
  }
  return new Date(now.getTime() + (ttlMs ?? 3_600_000));
}
