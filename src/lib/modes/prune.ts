import { explainAdminKeyError } from '../admin-errors.js';
import { formatDuration } from '../duration.js';
import type { PruneConfig } from '../inputs.js';
import { parseKeyDescription, repoTag, runIdentityFromEnv } from '../naming.js';
import * as runner from '../runner.js';
import { writeSummary } from '../summary.js';
import type { ListedKey, VeniceClient } from '../venice.js';
import { deleteAll, reportFailures } from './revoke.js';

/**
 * Deletes INFERENCE keys that this action minted for this repository and that are
 * older than `older-than`. Never an ADMIN key, never a key it did not name.
 */
export async function prune(config: PruneConfig, client: VeniceClient, now = new Date()): Promise<void> {
  let keys: ListedKey[];
  try {
    keys = await client.listKeys();
  } catch (error) {
    throw explainAdminKeyError(error);
  }
  const stale = selectStale(keys, repoTag(runIdentityFromEnv().repository), now.getTime() - config.olderThanMs);
  const age = formatDuration(config.olderThanMs);

  if (config.dryRun) {
    for (const key of stale) runner.info(`Would delete ${key.id} "${key.description}" (created ${key.createdAt}).`);
    runner.info(`Dry run: ${stale.length} key(s) left behind by this action are older than ${age}; nothing was deleted.`);
    runner.setOutput('revoked', String(stale.length));
    writeSummary(
      'Venice keys to prune (dry run)',
      stale.map((key) => [key.id, key.description ?? '']),
    );
    return;
  }

  const outcome = await deleteAll(
    client,
    stale.map((key) => key.id),
  );
  runner.setOutput('revoked', String(outcome.deleted.length));
  runner.info(`Pruned ${outcome.deleted.length} key(s) older than ${age} left behind by this action.`);
  writeSummary('Venice keys pruned', [
    ['Deleted', outcome.deleted.join(', ') || 'none'],
    ['Failed', outcome.failed.map((f) => f.id).join(', ') || 'none'],
  ]);
  reportFailures(outcome);
}

export function selectStale(keys: readonly ListedKey[], tag: string, createdBeforeMs: number): ListedKey[] {
  return keys.filter((key) => {
    if (key.apiKeyType !== 'INFERENCE') return false;
    const name = parseKeyDescription(key.description ?? '');
    if (!name || name.repoTag !== tag) return false;
    const created = Date.parse(key.createdAt ?? '');
    return Number.isFinite(created) && created < createdBeforeMs;
  });
}
