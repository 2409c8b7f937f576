import { formatDuration } from '../../duration.js';
import { quoteUntrusted } from '../../http/failure.js';
import { parseInstant } from '../../instant.js';
import { info, warning } from '../../runner/log.js';
import { setOutput } from '../../runner/outputs.js';
import { writeSummary } from '../../runner/summary.js';
import type { VeniceClient } from '../../venice/client.js';
import { VeniceApiError } from '../../venice/errors.js';
import { keyTypeFromPrefix } from '../../venice/keys.js';
import type { RateLimits } from '../../venice/types.js';
import type { VerifyConfig } from './index.js';

export interface Verdict {
  valid: boolean;
  reasons: string[];
  limits?: RateLimits;
}

/**
 * Checks a key with `GET /api_keys/rate_limits`, the one call that proves it
 * (`/models` answers without a key). A 401 is an answer: the key is invalid.
 */
export async function verify(config: VerifyConfig, client: VeniceClient, now = new Date()): Promise<void> {
  const verdict = await judge(config, client, now);
  const { limits } = verdict;

  setOutput('valid', String(verdict.valid));
  setOutput('key-type', keyTypeFromPrefix(config.apiKey) ?? '');
  setOutput('access-permitted', limits ? String(limits.accessPermitted) : 'false');
  setOutput('balance-usd', balanceOf(limits, 'USD') ?? '');
  setOutput('balance-diem', balanceOf(limits, 'DIEM') ?? '');
  setOutput('api-tier', limits?.apiTier.id ?? '');
  setOutput('expires-at', limits?.keyExpiration ?? '');

  await writeSummary(
    `Venice key ${verdict.valid ? 'is valid' : 'is not valid'}`,
    ['Item', 'Value'],
    [
      ['Valid', verdict.valid ? 'yes' : `no: ${verdict.reasons.join('; ')}`],
      ['Tier', limits ? `${limits.apiTier.id}${limits.apiTier.isCharged ? ' (charged)' : ''}` : '-'],
      ['Balance USD (may spend now)', String(balanceOf(limits, 'USD') ?? '-')],
      ['Balance DIEM (may spend now)', String(balanceOf(limits, 'DIEM') ?? '-')],
      ['Expires', limits ? (limits.keyExpiration ?? 'never') : '-'],
    ],
  );

  if (verdict.valid) {
    const balance = `${balanceOf(limits, 'USD') ?? 0} USD and ${balanceOf(limits, 'DIEM') ?? 0} DIEM`;
    info(`The key is valid (tier ${limits?.apiTier.id}; it may spend ${balance} now).`);
    return;
  }
  const message = `The key is not valid: ${verdict.reasons.join('; ')}.`;
  if (config.failOnInvalid) throw new Error(message);
  warning(`${message} Continuing because fail-on-invalid is false.`);
}

export async function judge(config: VerifyConfig, client: VeniceClient, now: Date): Promise<Verdict> {
  let limits: RateLimits;
  try {
    limits = await client.rateLimits();
  } catch (error) {
    // Venice refused the key itself: an answer about the key, not a failure to get one.
    if (
      error instanceof VeniceApiError &&
      error.kind === 'http' &&
      (error.status === 401 || error.status === 402 || error.status === 403)
    ) {
      const said = error.serverMessage ? `: ${quoteUntrusted(error.serverMessage)}` : '';
      return {
        valid: false,
        reasons: [
          error.status === 401 ? 'Venice rejected it (401): it is wrong, revoked or expired' : `Venice refused it (${error.status}${said})`,
        ],
      };
    }
    throw error;
  }

  const reasons: string[] = [];
  if (!limits.accessPermitted) reasons.push('Venice does not permit it to call inference (accessPermitted is false)');
  // Only null means "never expires": an expiry that is not a time leaves the key's life unknown.
  if (limits.keyExpiration !== null) {
    const expires = parseInstant(limits.keyExpiration);
    const left = typeof expires === 'string' ? undefined : expires.getTime() - now.getTime();
    if (left === undefined) {
      reasons.push(`Venice gave its expiry as ${asData(limits.keyExpiration)}, which is not a time`);
    } else if (left <= 0) reasons.push(`it expired at ${limits.keyExpiration}`);
    else if (config.minTtlMs !== undefined && left < config.minTtlMs) {
      reasons.push(`it expires in ${formatDuration(left)}, sooner than min-ttl ${formatDuration(config.minTtlMs)}`);
    }
  }
  for (const [currency, minimum, input] of [
    ['USD', config.minBalanceUsd, 'min-balance-usd'],
    ['DIEM', config.minBalanceDiem, 'min-balance-diem'],
  ] as const) {
    const given = limits.balances[currency];
    const balance = balanceOf(limits, currency);
    if (given !== undefined && balance === undefined) {
      reasons.push(`Venice gave its ${currency} balance as ${asData(given)}, which is not a number`);
    } else if (minimum !== undefined && balance === undefined) {
      reasons.push(`Venice gave no ${currency} balance, so ${input} ${minimum} cannot be checked`);
    } else if (minimum !== undefined && balance !== undefined && balance < minimum) {
      // A balance equal to the minimum is enough: "at least min-balance".
      reasons.push(`its ${currency} balance ${balance} is below ${input} ${minimum}`);
    }
  }
  if (config.requireModels.length > 0) {
    const available = new Set(await client.modelIds());
    const missing = config.requireModels.filter((model) => !available.has(model));
    if (missing.length > 0) reasons.push(`it cannot use the required model(s): ${missing.join(', ')}`);
  }
  return { valid: reasons.length === 0, reasons, limits };
}

/** A balance Venice gave as a number; undefined when it gave none, or something else. */
function balanceOf(limits: RateLimits | undefined, currency: 'USD' | 'DIEM'): number | undefined {
  const value: unknown = limits?.balances[currency];
  return typeof value === 'number' && Number.isFinite(value) ? value : undefined;
}

/** A value from Venice's answer, shown as data: quoted, one line, bounded. */
function asData(value: unknown): string {
  return typeof value === 'string' ? quoteUntrusted(value, 60) : String(JSON.stringify(value)).slice(0, 60);
}
