import { info, error as logError, messageOf } from '../action/log.js';
import { sameKeyName } from '../naming.js';
import type { VeniceClient } from '../venice/client.js';
import type { ListedKey } from '../venice/types.js';
import { explainAdminKeyError } from './admin-key.js';

/** What a key spent, as Venice reports it: the trailing seven days, accounted with some delay. */
export interface Spend {
  usd: number;
  diem: number;
  lastUsedAt: string | null;
}

export function spendOf(key: ListedKey): Spend | undefined {
  const usage = key.usage?.trailingSevenDays;
  const usd = Number(usage?.usd);
  const diem = Number(usage?.diem);
  if (!usage || !Number.isFinite(usd) || !Number.isFinite(diem)) return undefined;
  return { usd, diem, lastUsedAt: key.lastUsedAt ?? null };
}

/** An amount as outputs and summaries show it: at most four decimals, no float noise. */
export function formatAmount(value: number): string {
  return String(Number(value.toFixed(4)));
}

export const SPEND_NOTE =
  'Spend is what Venice reports for each key over the trailing seven days; Venice accounts usage with a delay, so the latest calls may not be counted yet.';

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

/** Totals over the keys that were (or, in a dry run, would be) deleted, as output strings. */
export function spentTotals(removals: readonly Removal[]): { usd: string; diem: string } {
  let usd = 0;
  let diem = 0;
  for (const { key, outcome } of removals) {
    const spend = outcome === 'deleted' || outcome === 'would-delete' ? spendOf(key) : undefined;
    usd += spend?.usd ?? 0;
    diem += spend?.diem ?? 0;
  }
  return { usd: formatAmount(usd), diem: formatAmount(diem) };
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
