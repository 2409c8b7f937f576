import { whySecretsMayBeMissing } from '../runner/context.js';
import { flag, type InputReader, spec, withDefault } from '../runner/inputs.js';
import { exportVariable } from '../runner/outputs.js';
import { duration, headerSafe, InputError, minLength, type Parser, wholeNumber } from '../runner/parsers.js';
import { type Connection, isSecureOrigin } from '../venice/client.js';
import { keyTypeFromPrefix } from '../venice/keys.js';
import { MODES, type Mode } from './unit.js';

/** Inputs that several modes read, and the settings every request shares. */

export const DEFAULT_BASE_URL = 'https://api.venice.ai/api/v1';

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
  if (url.username || url.password) {
    throw new InputError('must not carry credentials. Give keys only through api-key or admin-key.');
  }
  // Not echoed: a query may carry a gateway's token.
  if (/[?#]/.test(raw)) {
    throw new InputError(`has a query or a fragment ('?' or '#'). Give only the API root, for example ${DEFAULT_BASE_URL}.`);
  }
  if (!isSecureOrigin(url)) {
    throw new InputError(
      `'${raw}' is not HTTPS. Keys are only sent over HTTPS, or plain HTTP to this machine (127.0.0.1, ::1, localhost). Use https://.`,
    );
  }
  return url;
};

/** Read for every mode: which mode, and how requests are sent. action.yml gives each a default. */
export const SHARED_INPUTS = {
  mode: withDefault(mode, 'auto' as Mode | 'auto', { setByAction: true }),
  'base-url': withDefault(baseUrl, new URL(DEFAULT_BASE_URL), { setByAction: true }),
  timeout: withDefault(duration(1_000, 10 * 60_000), 30_000, { setByAction: true }),
  'max-attempts': withDefault(wholeNumber(1, 10), 5, { setByAction: true }),
};

export type { Connection };

export function connectionOf(values: { 'base-url': URL; timeout: number; 'max-attempts': number }): Connection {
  return { baseUrl: values['base-url'], timeoutMs: values.timeout, maxAttempts: values['max-attempts'] };
}

/** The ADMIN key that mint, revoke and prune manage keys with. */
export const ADMIN_KEY_INPUT = spec(headerSafe, {
  secret: true,
  required: () => `Pass an ADMIN key from a secret, e.g. admin-key: \${{ secrets.VENICE_ADMIN_KEY }}. ${whySecretsMayBeMissing()}`,
});

/** Its prefix names its type: an INFERENCE key cannot manage keys; an unknown prefix is let through. */
export function checkAdminKey(adminKey: string | undefined, inputs: InputReader): void {
  if (!adminKey || !inputs.valid('admin-key')) return;
  const type = keyTypeFromPrefix(adminKey);
  if (type === 'INFERENCE') {
    inputs.problem(
      'admin-key',
      'holds an INFERENCE key (its prefix says so). Minting, revoking and pruning need an ADMIN key: ' +
        "create one in Venice's API settings and store it as the secret.",
    );
  } else if (!type) {
    inputs.warn("'admin-key' does not start with VENICE_ADMIN_KEY_; using it anyway.");
  }
}

export const MIN_HANDOFF_SECRET = 32;

/** Seals the minted key for later jobs (mint) and opens it there (receive); never meant for another mode. */
export const HANDOFF_SECRET_INPUT = spec(
  minLength(MIN_HANDOFF_SECRET, 'Store a long random value as a repository secret, e.g. the output of `openssl rand -base64 32`.'),
  { secret: true, strict: true },
);

/** The variables OpenAI's SDKs and the tools built on them read; `openai-env` sets both. */
export const OPENAI_ENV = { key: 'OPENAI_API_KEY', baseUrl: 'OPENAI_BASE_URL' } as const;

/** mint and receive: also export the key and the API root under the names OpenAI-compatible tools read. */
export const OPENAI_ENV_INPUT = flag(false);

/** `export-env` may not name a variable `openai-env` sets: one would silently overwrite the other. */
export function checkOpenAiEnv(values: { 'openai-env': boolean; 'export-env'?: string }, inputs: InputReader): void {
  const name = values['export-env'];
  if (!values['openai-env'] || !name) return;
  const taken = Object.values(OPENAI_ENV).find((variable) => variable === name.toUpperCase());
  if (!taken) return;
  inputs.problem(
    'export-env',
    `is '${name}', a variable 'openai-env: true' sets itself (${OPENAI_ENV.key} holds the key, ${OPENAI_ENV.baseUrl} ` +
      "the API root). Remove 'export-env', or give it another name, e.g. VENICE_API_KEY.",
  );
}

/** Sets OPENAI_API_KEY (the key, already masked) and OPENAI_BASE_URL for this job's later steps. */
export function exportOpenAiEnv(apiKey: string, baseUrl: URL): void {
  exportVariable(OPENAI_ENV.key, apiKey);
  // OpenAI's SDKs add their own paths (/chat/completions) to the root.
  exportVariable(OPENAI_ENV.baseUrl, baseUrl.href.replace(/\/+$/, ''));
}
