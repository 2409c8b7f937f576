import { info, error as logError, messageOf } from '../runner/log.js';
import type { VeniceClient } from '../venice/client.js';
import type { ListedKey } from '../venice/types.js';
import { explainAdminKeyError } from './admin-key.js';
import { sameKeyName } from './naming.js';
import { formatAmount, spendOf } from './spend.js';

export interface Removal {
  key: ListedKey;
  /** `would-delete`: a dry run's choice. */
  outcome: 'deleted' | 'would-delete' | 'already-gone' | 'failed';
  error?: unknown;
}

/** How a summary names each outcome. */
export const VERDICT: Record<Removal['outcome'], string> = {
  deleted: 'deleted',
  'would-delete': 'would delete',
  'already-gone': 'already gone',
  failed: 'failed',
};

/** Deletes each key, reading nothing more (the caller has them from the list). One failure does not stop the rest. */
export async function deleteKeys(client: VeniceClient, keys: readonly ListedKey[]): Promise<Removal[]> {
  const removals: Removal[] = [];
  for (const key of keys) {
    try {
      const outcome = await client.deleteKey(key.id);
      const spend = spendOf(key);
      const spent = spend ? ` (it spent ${formatAmount(spend.usd)} USD and ${formatAmount(spend.diem)} DIEM)` : '';
      info(outcome === 'deleted' ? `Deleted key ${key.id}${spent}.` : `Key ${key.id} was already gone.`);
      removals.push({ key, outcome });
    } catch (error) {
      const explained = await explainAdminKeyError(error, client);
      // The admin key itself is wrong: every other key would fail the same way.
      if (explained !== error) throw explained;
      removals.push({ key, outcome: 'failed', error });
    }
  }
  return removals;
}

/** The keys that were (or, in a dry run, would be) deleted. */
export function removedKeys(removals: readonly Removal[]): ListedKey[] {
  return removals.filter(({ outcome }) => outcome === 'deleted' || outcome === 'would-delete').map(({ key }) => key);
}

/** Prints each failure and fails the step when there is any. */
export function throwOnFailures(failures: readonly { id: string; error: unknown }[]): void {
  if (failures.length === 0) return;
  for (const { id, error } of failures) logError(`Could not delete key ${id}: ${messageOf(error)}`);
  throw new Error(`${failures.length} key(s) could not be deleted: ${failures.map((f) => f.id).join(', ')}. Run this step again to retry.`);
}

/** Finds every INFERENCE key by this name and deletes it; returns what it found. */
export async function removeByName(client: VeniceClient, keys: readonly ListedKey[], name: string): Promise<Removal[]> {
  return deleteKeys(
    client,
    keys.filter((key) => key.apiKeyType === 'INFERENCE' && sameKeyName(key.description, name)),
  );
}
