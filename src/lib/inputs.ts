import { formatDuration, parseDuration } from './duration.js';
import { keyTypeFromPrefix, looksLikeKey } from './redact.js';

/**
 * Input parsing and validation: pure (no I/O), so every rule is unit-tested.
 * All problems are collected, so one run shows the user everything to fix.
 */

export const MODES = ['verify', 'mint', 'revoke', 'prune'] as const;
export type Mode = (typeof MODES)[number];
export const LIMIT_PERIODS = ['EPOCH', 'MONTH', 'LIFETIME'] as const;
export type LimitPeriod = (typeof LIMIT_PERIODS)[number];
export const MODEL_PRIVACIES = ['ALL', 'PRIVATE_TEXT', 'PRIVATE_ONLY'] as const;
export type ModelPrivacy = (typeof MODEL_PRIVACIES)[number];

export const DEFAULT_BASE_URL = 'https://api.venice.ai/api/v1';
const MIN_TTL_MS = 60_000;
const MAX_TTL_MS = 30 * 86_400_000;
const MAX_LIMIT = 9_999_999_999;
const MAX_ATTEMPTS = 10;
const MAX_TIMEOUT_MS = 10 * 60_000;
const MAX_AGE_MS = 365 * 86_400_000;

export interface Common {
  baseUrl: URL;
  timeoutMs: number;
  maxAttempts: number;
}

export interface VerifyConfig extends Common {
  mode: 'verify';
  apiKey: string;
  minBalanceUsd?: number;
  minBalanceDiem?: number;
  minTtlMs?: number;
  requireModels: string[];
  failOnInvalid: boolean;
}

export interface MintConfig extends Common {
  mode: 'mint';
  adminKey: string;
  expiresAt: Date;
  label: string;
  usdLimit?: number;
  diemLimit?: number;
  limitPeriod?: LimitPeriod;
  modelPrivacy?: ModelPrivacy;
  revoke: boolean;
  exportEnv?: string;
}

export interface RevokeConfig extends Common {
  mode: 'revoke';
  adminKey: string;
  keyIds: string[];
}

export interface PruneConfig extends Common {
  mode: 'prune';
  adminKey: string;
  olderThanMs: number;
  dryRun: boolean;
}

export type Config = VerifyConfig | MintConfig | RevokeConfig | PruneConfig;

export interface InputProblem {
  input: string;
  message: string;
}

export type ParseResult = { ok: true; config: Config; warnings: string[] } | { ok: false; problems: InputProblem[]; warnings: string[] };

/** Inputs that only mean something in one mode; giving them elsewhere earns a warning. */
const MODE_INPUTS: Record<Mode, readonly string[]> = {
  verify: ['api-key', 'min-balance-usd', 'min-balance-diem', 'min-ttl', 'require-models', 'fail-on-invalid'],
  mint: [
    'admin-key',
    'ttl',
    'expires-at',
    'description',
    'usd-limit',
    'diem-limit',
    'limit-period',
    'model-privacy',
    'revoke',
    'export-env',
  ],
  revoke: ['admin-key', 'key-id'],
  prune: ['admin-key', 'older-than', 'dry-run'],
};

type Getter = (name: string) => string;
/** Records one problem with one input. */
type Report = (input: string, message: string) => void;

/** Reads inputs the way the runner passes them: `INPUT_<NAME>` with spaces as `_`, hyphens kept. */
export function inputFromEnv(env: NodeJS.ProcessEnv = process.env): Getter {
  return (name) => (env[`INPUT_${name.replace(/ /g, '_').toUpperCase()}`] ?? '').trim();
}

export function parseInputs(get: Getter, now: Date = new Date()): ParseResult {
  const problems: InputProblem[] = [];
  const warnings: string[] = [];
  const problem: Report = (input, message) => problems.push({ input, message });

  const apiKey = get('api-key');
  const adminKey = get('admin-key');
  const mode = resolveMode(get('mode'), apiKey, adminKey, problem);

  const common = commonInputs(get, problem);
  if (!mode) return { ok: false, problems, warnings };

  for (const name of new Set(Object.values(MODE_INPUTS).flat())) {
    if (!get(name) || MODE_INPUTS[mode].includes(name)) continue;
    const users = MODES.filter((candidate) => MODE_INPUTS[candidate].includes(name)).map((user) => `'${user}'`);
    warnings.push(`Input '${name}' is only used in mode ${users.join(', ')}; mode '${mode}' ignores it.`);
  }

  let config: Config;
  switch (mode) {
    case 'verify':
      config = parseVerify(get, common, apiKey, problem, warnings);
      break;
    case 'mint':
      config = parseMint(get, common, adminKey, now, problem, warnings);
      break;
    case 'revoke':
      config = { ...common, mode, adminKey: requireAdminKey(adminKey, problem, warnings), keyIds: parseKeyIds(get('key-id'), problem) };
      break;
    case 'prune':
      config = {
        ...common,
        mode,
        adminKey: requireAdminKey(adminKey, problem, warnings),
        olderThanMs: durationInput(get, 'older-than', '6h', problem, { min: 0, max: MAX_AGE_MS }),
        dryRun: booleanInput(get, 'dry-run', false, problem),
      };
      break;
  }
  if (problems.length > 0) return { ok: false, problems, warnings };
  return { ok: true, config, warnings };
}

/** The connection settings every mode (and the post step) shares. */
export function parseCommon(get: Getter): { common: Common; problems: InputProblem[] } {
  const problems: InputProblem[] = [];
  const common = commonInputs(get, (input, message) => problems.push({ input, message }));
  return { common, problems };
}

function commonInputs(get: Getter, problem: Report): Common {
  return {
    baseUrl: parseBaseUrl(get('base-url'), problem),
    timeoutMs: durationInput(get, 'timeout', '30s', problem, { min: 1_000, max: MAX_TIMEOUT_MS }),
    maxAttempts: integerInput(get, 'max-attempts', 5, problem, { min: 1, max: MAX_ATTEMPTS }),
  };
}

function resolveMode(raw: string, apiKey: string, adminKey: string, problem: Report): Mode | undefined {
  const value = raw.toLowerCase() || 'auto';
  if (value === 'auto') {
    if (apiKey && adminKey) {
      problem(
        'mode',
        "'auto' cannot choose: both 'api-key' and 'admin-key' are set. Set 'mode' to 'verify' or 'mint', or give only one key.",
      );
      return undefined;
    }
    if (apiKey) return 'verify';
    if (adminKey) return 'mint';
    problem(
      'mode',
      "'auto' needs a key: set 'api-key' to verify a key, or 'admin-key' to mint one. If the key comes from a secret, note that secrets are not given to workflows triggered from forks or by Dependabot.",
    );
    return undefined;
  }
  if ((MODES as readonly string[]).includes(value)) return value as Mode;
  problem('mode', `'${raw}' is not a mode. Use one of: auto, ${MODES.join(', ')}.`);
  return undefined;
}

function parseBaseUrl(raw: string, problem: Report): URL {
  const text = raw || DEFAULT_BASE_URL;
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    problem('base-url', `'${text}' is not a URL. Use the API root, for example ${DEFAULT_BASE_URL}.`);
    return new URL(DEFAULT_BASE_URL);
  }
  if (url.username || url.password) {
    problem('base-url', 'must not carry credentials. Give keys only through api-key or admin-key.');
  } else if (url.search || url.hash) {
    problem('base-url', `'${text}' has a query or fragment. Give only the API root, for example ${DEFAULT_BASE_URL}.`);
  } else if (!isSecureOrigin(url)) {
    problem(
      'base-url',
      `'${text}' is not HTTPS. Keys are only sent over HTTPS, or plain HTTP to this machine (127.0.0.1, ::1, localhost). Use https://.`,
    );
  }
  return url;
}

/** HTTPS anywhere, or plain HTTP to the loopback interface (an emulator on this machine). */
export function isSecureOrigin(url: URL): boolean {
  if (url.protocol === 'https:') return true;
  if (url.protocol !== 'http:') return false;
  const host = url.hostname.replace(/^\[|\]$/g, '');
  return host === 'localhost' || host === '::1' || /^127(\.\d{1,3}){3}$/.test(host);
}

function requireAdminKey(adminKey: string, problem: Report, warnings: string[]): string {
  if (!adminKey) {
    problem(
      'admin-key',
      // biome-ignore lint/suspicious/noTemplateCurlyInString: a workflow expression for the user to copy
      'is empty. Pass an ADMIN key from a secret, e.g. admin-key: ${{ secrets.VENICE_ADMIN_KEY }}. If the secret exists, this run may come from a fork or Dependabot, which are not given secrets.',
    );
  } else if (keyTypeFromPrefix(adminKey) === 'INFERENCE') {
    problem(
      'admin-key',
      "holds an INFERENCE key (its prefix says so). Minting, revoking and pruning need an ADMIN key: create one in Venice's API settings and store it as the secret.",
    );
  } else if (!keyTypeFromPrefix(adminKey)) {
    warnings.push("'admin-key' does not start with VENICE_ADMIN_KEY_; using it anyway.");
  }
  return adminKey;
}

function parseVerify(get: Getter, common: Common, apiKey: string, problem: Report, warnings: string[]): VerifyConfig {
  if (keyTypeFromPrefix(apiKey) === 'ADMIN') {
    warnings.push(
      "'api-key' holds an ADMIN key (its prefix says so), which can create and delete keys. Give jobs an INFERENCE key: mint one per job with this action.",
    );
  }
  if (!apiKey) {
    problem(
      'api-key',
      // biome-ignore lint/suspicious/noTemplateCurlyInString: a workflow expression for the user to copy
      'is empty. Pass the key to verify from a secret, e.g. api-key: ${{ secrets.VENICE_API_KEY }}. If the secret exists, this run may come from a fork or Dependabot, which are not given secrets.',
    );
  }
  const minTtl = get('min-ttl');
  return {
    ...common,
    mode: 'verify',
    apiKey,
    minBalanceUsd: numberInput(get, 'min-balance-usd', problem),
    minBalanceDiem: numberInput(get, 'min-balance-diem', problem),
    minTtlMs: minTtl ? durationInput(get, 'min-ttl', '0s', problem, { min: 0, max: MAX_AGE_MS }) : undefined,
    requireModels: splitList(get('require-models')),
    failOnInvalid: booleanInput(get, 'fail-on-invalid', true, problem),
  };
}

function parseMint(get: Getter, common: Common, adminKey: string, now: Date, problem: Report, warnings: string[]): MintConfig {
  const usdLimit = numberInput(get, 'usd-limit', problem, MAX_LIMIT);
  const diemLimit = numberInput(get, 'diem-limit', problem, MAX_LIMIT);
  let limitPeriod = enumInput(get, 'limit-period', LIMIT_PERIODS, problem);
  // An ephemeral key's cap is meant as a hard cap, not a daily allowance.
  if (!limitPeriod && (usdLimit !== undefined || diemLimit !== undefined)) limitPeriod = 'LIFETIME';
  const exportEnv = get('export-env');
  if (exportEnv) validateEnvName(exportEnv, problem);
  return {
    ...common,
    mode: 'mint',
    adminKey: requireAdminKey(adminKey, problem, warnings),
    expiresAt: parseExpiry(get, now, problem),
    label: get('description').replace(/\p{Cc}/gu, ' '),
    usdLimit,
    diemLimit,
    limitPeriod,
    modelPrivacy: enumInput(get, 'model-privacy', MODEL_PRIVACIES, problem),
    revoke: booleanInput(get, 'revoke', true, problem),
    exportEnv: exportEnv || undefined,
  };
}

function parseExpiry(get: Getter, now: Date, problem: Report): Date {
  const ttl = get('ttl');
  const expiresAt = get('expires-at');
  const bounds = `between ${formatDuration(MIN_TTL_MS)} and ${formatDuration(MAX_TTL_MS)} from now`;
  if (ttl && expiresAt) {
    problem('expires-at', "cannot be combined with 'ttl'. Give one: 'ttl' for a lifetime, or 'expires-at' for a fixed time.");
    return now;
  }
  if (expiresAt) {
    // ISO 8601 with a date, a time and an explicit zone, so the moment is unambiguous.
    const iso = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:\d{2})$/;
    const when = new Date(expiresAt);
    if (!iso.test(expiresAt) || Number.isNaN(when.getTime())) {
      problem('expires-at', `'${expiresAt}' is not an ISO 8601 time with a zone. Use e.g. 2030-01-31T18:00:00Z.`);
      return now;
    }
    const ahead = when.getTime() - now.getTime();
    if (ahead < MIN_TTL_MS || ahead > MAX_TTL_MS) {
      problem('expires-at', `'${expiresAt}' must be ${bounds} (now is ${now.toISOString()}).`);
    }
    return new Date(Math.floor(when.getTime() / 1000) * 1000);
  }
  const ttlMs = durationInput(get, 'ttl', '1h', problem, { min: MIN_TTL_MS, max: MAX_TTL_MS });
  return new Date(now.getTime() + ttlMs);
}

function parseKeyIds(raw: string, problem: Report): string[] {
  const ids = splitList(raw);
  if (ids.length === 0) {
    problem('key-id', "is empty. Give the id(s) of the key(s) to revoke, e.g. the 'key-id' output of the mint step.");
  }
  for (const id of ids) {
    if (looksLikeKey(id)) {
      problem(
        'key-id',
        "holds a key's secret, not its id. Give the id (the mint step's 'key-id' output); and rotate that key, it has been exposed to this step's inputs.",
      );
    } else if (!/^[A-Za-z0-9_-]{1,128}$/.test(id)) {
      problem('key-id', `'${id}' is not a key id (letters, digits, '-' and '_'). Give ids separated by commas or newlines.`);
    }
  }
  return [...new Set(ids)];
}

function validateEnvName(name: string, problem: Report): void {
  if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(name)) {
    problem('export-env', `'${name}' is not an environment variable name. Use letters, digits and '_', e.g. VENICE_API_KEY.`);
  } else if (/^(GITHUB_|RUNNER_|ACTIONS_)/i.test(name) || ['NODE_OPTIONS', 'PATH', 'HOME'].includes(name.toUpperCase())) {
    problem('export-env', `'${name}' is reserved by the runner or the system. Choose your own name, e.g. VENICE_API_KEY.`);
  }
}

export function splitList(raw: string): string[] {
  return raw
    .split(/[,\n]/)
    .map((item) => item.trim())
    .filter(Boolean);
}

function durationInput(get: Getter, name: string, fallback: string, problem: Report, { min, max }: { min: number; max: number }): number {
  const raw = get(name) || fallback;
  const ms = parseDuration(raw);
  if (ms === undefined) {
    problem(name, `'${raw}' is not a duration. Use e.g. 90s, 30m, 2h, 1d, 1h30m, or plain seconds.`);
    return parseDuration(fallback) as number;
  }
  if (ms < min || ms > max) {
    problem(name, `'${raw}' is out of range: it must be at least ${formatDuration(min)} and at most ${formatDuration(max)}.`);
  }
  return ms;
}

function integerInput(get: Getter, name: string, fallback: number, problem: Report, { min, max }: { min: number; max: number }): number {
  const raw = get(name);
  if (!raw) return fallback;
  if (!/^\d+$/.test(raw) || Number(raw) < min || Number(raw) > max) {
    problem(name, `'${raw}' must be a whole number from ${min} to ${max}.`);
    return fallback;
  }
  return Number(raw);
}

function numberInput(get: Getter, name: string, problem: Report, max = Number.MAX_SAFE_INTEGER): number | undefined {
  const raw = get(name);
  if (!raw) return undefined;
  const value = Number(raw);
  if (!/^\d+(\.\d+)?$/.test(raw) || !Number.isFinite(value) || value > max) {
    problem(name, `'${raw}' must be a number from 0 to ${max}, e.g. 5 or 2.50.`);
    return undefined;
  }
  return value;
}

function booleanInput(get: Getter, name: string, fallback: boolean, problem: Report): boolean {
  const raw = get(name);
  if (!raw) return fallback;
  if (/^true$/i.test(raw)) return true;
  if (/^false$/i.test(raw)) return false;
  problem(name, `'${raw}' must be true or false.`);
  return fallback;
}

function enumInput<T extends string>(get: Getter, name: string, allowed: readonly T[], problem: Report): T | undefined {
  const raw = get(name);
  if (!raw) return undefined;
  const value = raw.toUpperCase();
  if ((allowed as readonly string[]).includes(value)) return value as T;
  problem(name, `'${raw}' is not allowed. Use one of: ${allowed.join(', ')}.`);
  return undefined;
}
