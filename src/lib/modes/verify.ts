import { formatDuration } from '../duration.js';
import type { VerifyConfig } from '../inputs.js';
import { keyTypeFromPrefix } from '../redact.js';
import * as runner from '../runner.js';
import { writeSummary } from '../summary.js';
import { type RateLimits, VeniceApiError, type VeniceClient } from '../venice.js';

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

  runner.setOutput('valid', String(verdict.valid));
  runner.setOutput('key-type', keyTypeFromPrefix(config.apiKey) ?? '');
  runner.setOutput('access-permitted', limits ? String(limits.accessPermitted) : 'false');
  runner.setOutput('balance-usd', limits?.balances.USD ?? '');
  runner.setOutput('balance-diem', limits?.balances.DIEM ?? '');
  runner.setOutput('api-tier', limits?.apiTier.id ?? '');
  runner.setOutput('expires-at', limits?.keyExpiration ?? '');

  writeSummary(`Venice key ${verdict.valid ? 'is valid' : 'is not valid'}`, [
    ['Valid', verdict.valid ? 'yes' : `no: ${verdict.reasons.join('; ')}`],
    ['Tier', limits ? `${limits.apiTier.id}${limits.apiTier.isCharged ? ' (charged)' : ''}` : '-'],
    ['Balance USD', String(limits?.balances.USD ?? '-')],
    ['Balance DIEM', String(limits?.balances.DIEM ?? '-')],
    ['Expires', limits ? (limits.keyExpiration ?? 'never') : '-'],
  ]);

  if (verdict.valid) {
    runner.info(`The key is valid (tier ${limits?.apiTier.id}, USD ${limits?.balances.USD ?? 0}, DIEM ${limits?.balances.DIEM ?? 0}).`);
    return;
  }
  const message = `The key is not valid: ${verdict.reasons.join('; ')}.`;
  if (config.failOnInvalid) throw new Error(message);
  runner.warning(`${message} Continuing because fail-on-invalid is false.`);
}

export async function judge(config: VerifyConfig, client: VeniceClient, now: Date): Promise<Verdict> {
  let limits: RateLimits;
  try {
    limits = await client.rateLimits();
  } catch (error) {
    if (error instanceof VeniceApiError && error.status === 401) {
      return {
        valid: false,
        reasons: [`Venice rejected it (401 ${error.serverMessage ?? 'Authentication failed'}): wrong, revoked or expired`],
      };
    }
    throw error;
  }

  const reasons: string[] = [];
  if (!limits.accessPermitted) reasons.push('Venice does not permit it to call inference (accessPermitted is false)');
  if (limits.keyExpiration) {
    const left = Date.parse(limits.keyExpiration) - now.getTime();
    if (left <= 0) reasons.push(`it expired at ${limits.keyExpiration}`);
    else if (config.minTtlMs !== undefined && left < config.minTtlMs) {
      reasons.push(`it expires in ${formatDuration(left)}, sooner than min-ttl ${formatDuration(config.minTtlMs)}`);
    }
  }
  const usd = limits.balances.USD ?? 0;
  const diem = limits.balances.DIEM ?? 0;
  if (config.minBalanceUsd !== undefined && usd < config.minBalanceUsd) {
    reasons.push(`its USD balance ${usd} is below min-balance-usd ${config.minBalanceUsd}`);
  }
  if (config.minBalanceDiem !== undefined && diem < config.minBalanceDiem) {
    reasons.push(`its DIEM balance ${diem} is below min-balance-diem ${config.minBalanceDiem}`);
  }
  if (config.requireModels.length > 0) {
    // With a key, /models lists only what that key may use (its model privacy).
    const available = new Set(await client.modelIds());
    const missing = config.requireModels.filter((model) => !available.has(model));
    if (missing.length > 0) reasons.push(`it cannot use the required model(s): ${missing.join(', ')}`);
  }
  return { valid: reasons.length === 0, reasons, limits };
}
