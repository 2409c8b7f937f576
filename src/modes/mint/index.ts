import { formatDuration } from '../../duration.js';
import type { Scope } from '../../lifecycle/naming.js';
import { runIdentity } from '../../runner/context.js';
import { flag, type InputReader, spec, withDefault } from '../../runner/inputs.js';
import { amount, duration, envName, instant, oneOf, text } from '../../runner/parsers.js';
import { veniceClient } from '../../runner/venice-client.js';
import type { LimitPeriod, ModelPrivacy } from '../../venice/types.js';
import {
  ADMIN_KEY_INPUT,
  type Connection,
  checkAdminKey,
  checkOpenAiEnv,
  connectionOf,
  HANDOFF_SECRET_INPUT,
  OPENAI_ENV_INPUT,
} from '../shared-inputs.js';
import { defineMode } from '../unit.js';

/** mint: a short-lived, capped INFERENCE key for this job, or sealed for the run's later jobs. */

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
  /** Also export OPENAI_API_KEY and OPENAI_BASE_URL. */
  openaiEnv: boolean;
  handoffSecret?: string;
}

export const MIN_TTL_MS = 60_000;
export const MAX_TTL_MS = 30 * 86_400_000;
const DEFAULT_TTL_MS = 3_600_000;
/** Venice's largest cap amount. */
const MAX_LIMIT = 9_999_999_999;

export const mint = defineMode({
  name: 'mint',
  selectedBy: 'admin-key',
  inputs: {
    'admin-key': ADMIN_KEY_INPUT,
    ttl: withDefault(duration(MIN_TTL_MS, MAX_TTL_MS), DEFAULT_TTL_MS),
    'expires-at': spec(instant),
    description: withDefault(text, ''),
    'usd-limit': spec(amount(MAX_LIMIT)),
    'diem-limit': spec(amount(MAX_LIMIT)),
    'limit-period': spec(oneOf<LimitPeriod>(['EPOCH', 'MONTH', 'LIFETIME'])),
    'model-privacy': spec(oneOf<ModelPrivacy>(['ALL', 'PRIVATE_TEXT', 'PRIVATE_ONLY'])),
    revoke: flag(true),
    'export-env': spec(envName),
    'openai-env': OPENAI_ENV_INPUT,
    'handoff-secret': HANDOFF_SECRET_INPUT,
  },

  configure(values, inputs, now): MintConfig {
    const adminKey = values['admin-key'] ?? '';
    checkAdminKey(adminKey, inputs);
    checkOpenAiEnv(values, inputs);
    const { 'usd-limit': usdLimit, 'diem-limit': diemLimit, 'handoff-secret': handoffSecret } = values;
    if (handoffSecret && handoffSecret === adminKey) {
      inputs.problem(
        'handoff-secret',
        'is the admin key. The jobs that receive the key run the code under test and must never be able to ' +
          'derive the admin key: store a separate random secret (e.g. `openssl rand -base64 32`) and pass that.',
      );
    }
    if (handoffSecret && inputs.given('revoke') && values.revoke) {
      inputs.problem(
        'revoke',
        "is true, but with 'handoff-secret' the key is made for the run's later jobs, so this job's post step " +
          "must not delete it. Remove 'revoke'; a run-scoped 'mode: revoke' in a final job deletes it, and its ttl bounds it.",
      );
    }
    // An ephemeral key's cap is meant as a hard cap, not a daily allowance.
    const capped = usdLimit !== undefined || diemLimit !== undefined;
    return {
      ...connectionOf(values),
      mode: 'mint',
      adminKey,
      expiresAt: expiryOf(values.ttl, values['expires-at'], inputs, now),
      label: values.description,
      usdLimit,
      diemLimit,
      limitPeriod: values['limit-period'] ?? (capped ? 'LIFETIME' : undefined),
      modelPrivacy: values['model-privacy'],
      scope: handoffSecret ? 'run' : values.revoke ? 'job' : 'keep',
      exportEnv: values['export-env'],
      openaiEnv: values['openai-env'],
      handoffSecret,
    };
  },

  async run(config) {
    const { mint } = await import('./run.js');
    await mint(config, veniceClient(config, config.adminKey), runIdentity());
  },
});

function expiryOf(ttlMs: number, expiresAt: Date | undefined, inputs: InputReader, now: Date): Date {
  if (inputs.given('ttl') && inputs.given('expires-at')) {
    inputs.problem('expires-at', "cannot be combined with 'ttl'. Give one: 'ttl' for a lifetime, or 'expires-at' for a fixed time.");
    return now;
  }
  if (!expiresAt) return new Date(now.getTime() + ttlMs);
  const ahead = expiresAt.getTime() - now.getTime();
  if (ahead < MIN_TTL_MS || ahead > MAX_TTL_MS) {
    inputs.problem(
      'expires-at',
      `'${inputs.raw('expires-at')}' must be between ${formatDuration(MIN_TTL_MS)} and ${formatDuration(MAX_TTL_MS)} ` +
        `from now (now is ${now.toISOString()}).`,
    );
  }
  return expiresAt;
}
