import { debug, info, messageOf } from '../runner/log.js';
import { writeSummary } from '../runner/summary.js';
import type { VeniceClient } from '../venice/client.js';
import type { RateLimitLogEntry } from '../venice/types.js';

/**
 * Rate-limit forensics when keys end: which limits the deleted keys ran into, from
 * Venice's rate-limit log (the account's last 50 exceeded limits). A job whose calls
 * were throttled fails in ways that look random; this says why.
 */

/** The times one key hit one limit on one model. */
export interface RateLimitHits {
  keyId: string;
  modelId: string;
  type: string;
  count: number;
  first: string;
  last: string;
}

/** Pure: the entries of these keys, per key, model and limit type, with how many and when first and last. */
export function rateLimitHits(entries: readonly RateLimitLogEntry[], keyIds: Iterable<string>): RateLimitHits[] {
  const wanted = new Set(keyIds);
  const groups = new Map<string, RateLimitHits>();
  for (const entry of entries) {
    if (!wanted.has(entry.apiKeyId)) continue;
    const group = JSON.stringify([entry.apiKeyId, entry.modelId, entry.rateLimitType]);
    const parsed = Date.parse(entry.timestamp);
    const at = Number.isFinite(parsed) ? new Date(parsed).toISOString() : entry.timestamp;
    const hits = groups.get(group);
    if (!hits) {
      groups.set(group, { keyId: entry.apiKeyId, modelId: entry.modelId, type: entry.rateLimitType, count: 1, first: at, last: at });
      continue;
    }
    hits.count++;
    if (at < hits.first) hits.first = at;
    if (at > hits.last) hits.last = at;
  }
  const order = (hits: RateLimitHits) => [hits.keyId, hits.modelId, hits.type];
  return [...groups.values()].sort((a, b) => order(a).join('\0').localeCompare(order(b).join('\0')));
}

/** What each limit type means, for the summary; a type Venice adds later is shown as it is. */
const LIMIT_NAMES: Record<string, string> = {
  RPM: 'requests per minute',
  RPD: 'requests per day',
  TPM: 'tokens per minute',
  FAILED_REQUESTS: 'too many failed requests',
  UNSUPPORTED_FEATURE_REQUESTS: 'too many requests for unsupported features',
};

/**
 * Reads the log once and reports what these (just deleted) keys ran into: a summary
 * table and a log line. Returns how many entries are theirs, or undefined when the log
 * could not be read. The route is experimental: when it is missing, failing or
 * changed, that costs one debug line and nothing else.
 */
export async function reportRateLimits(client: VeniceClient, keyIds: readonly string[]): Promise<number | undefined> {
  let entries: RateLimitLogEntry[];
  try {
    entries = await client.rateLimitLog();
  } catch (error) {
    debug(`Rate-limit log not read, so the summary says nothing of rate limits: ${messageOf(error)}`);
    return undefined;
  }
  const hits = rateLimitHits(entries, keyIds);
  const count = hits.reduce((sum, group) => sum + group.count, 0);
  if (count === 0) return 0;
  info(`Venice's rate-limit log holds ${count} exceeded limit(s) of the deleted key(s); the job summary lists them.`);
  await writeSummary(
    'Rate limits the deleted keys ran into',
    ['Key id', 'Model', 'Limit', 'Times', 'First', 'Last'],
    hits.map(({ keyId, modelId, type, count, first, last }) => [
      keyId,
      modelId,
      Object.hasOwn(LIMIT_NAMES, type) ? `${type} (${LIMIT_NAMES[type]})` : type,
      String(count),
      first,
      last,
    ]),
    "From Venice's rate-limit log, which keeps the account's last 50 exceeded limits: earlier ones are not counted.",
  );
  return count;
}
