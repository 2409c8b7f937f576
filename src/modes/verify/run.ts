import { formatDuration } from '../../duration.js';
import { info, warning } from '../../runner/log.js';
import { setOutput } from '../../runner/outputs.js';
import { writeSummary } from '../../runner/summary.js';
import type { VeniceClient } from '../../venice/client.js';
import { quoteServerText, VeniceApiError } from '../../venice/errors.js';
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
  setOutput('balance-usd', limits?.balances.USD ?? '');
  setOutput('balance-diem', limits?.balances.DIEM ?? '');
  setOutput('api-tier', limits?.apiTier.id ?? '');
  setOutput('expires-at', limits?.keyExpiration ?? '');

  await writeSummary(
    `Venice key ${verdict.valid ? 'is valid' : 'is not valid'}`,
    ['Item', 'Value'],
    [
      ['Valid', verdict.valid ? 'yes' : `no: ${verdict.reasons.join('; ')}`],
      ['Tier', limits ? `${limits.apiTier.id}${limits.apiTier.isCharged ? ' (charged)' : ''}` : '-'],
      ['Balance USD', String(limits?.balances.USD ?? '-')],
      ['Balance DIEM', String(limits?.balances.DIEM ?? '-')],
      ['Expires', limits ? (limits.keyExpiration ?? 'never') : '-'],
    ],
  );

  if (verdict.valid) {
    info(`The key is valid (tier ${limits?.apiTier.id}, USD ${limits?.balances.USD ?? 0}, DIEM ${limits?.balances.DIEM ?? 0}).`);
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
      const said = error.serverMessage ? `: ${quoteServerText(error.serverMessage)}` : '';
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
  if (limits.keyExpiration) {
    const left = Date.parse(limits.keyExpiration) - now.getTime();
    if (left <= 0) reasons.push(`it expired at ${limits.keyExpiration}`);
    else if (config.minTtlMs !== undefined && left < config.minTtlMs) {
      reasons.push(`it expires in ${formatDuration(left)}, sooner than min-ttl ${formatDuration(config.minTtlMs)}`);
    }
  }
  const usd = limits.balances.USD ?? 0;
  const diem = limits.balances.DIEM ?? 0;
  // A balance equal to the minimum is enough: "at least min-balance".
  if (config.minBalanceUsd !== undefined && usd < config.minBalanceUsd) {
    reasons.push(`its USD balance ${usd} is below min-balance-usd ${config.minBalanceUsd}`);
  }
  if (config.minBalanceDiem !== undefined && diem < config.minBalanceDiem) {
    reasons.push(`its DIEM balance ${diem} is below min-balance-diem ${config.minBalanceDiem}`);
  }
  if (config.requireModels.length > 0) {
    const available = new Set(await client.modelIds());
    const missing = config.requireModels.filter((model) => !available.has(model));
    if (missing.length > 0) reasons.push(`it cannot use the required model(s): ${missing.join(', ')}`);
  }
  return { valid: reasons.length === 0, reasons, limits };
}
