import type { ListedKey } from '../venice/types.js';

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
  'Spend is what Venice reports for each key over the trailing seven days; Venice accounts usage with a delay, ' +
  'so the latest calls may not be counted yet.';

/** The headers of the spend cells, in the order `spendCells` gives them. */
export const SPEND_HEADERS = ['Spent USD', 'Spent DIEM', 'Last used'];

/** A key's spend as summary cells: USD, DIEM, last used. */
export function spendCells(key: ListedKey): string[] {
  const spend = spendOf(key);
  return [spend ? formatAmount(spend.usd) : 'unknown', spend ? formatAmount(spend.diem) : 'unknown', spend?.lastUsedAt ?? 'never'];
}

/** Totals over these keys, as output strings; a key whose spend is unknown adds nothing. */
export function spentTotals(keys: readonly ListedKey[]): { usd: string; diem: string } {
  let usd = 0;
  let diem = 0;
  for (const key of keys) {
    const spend = spendOf(key);
    usd += spend?.usd ?? 0;
    diem += spend?.diem ?? 0;
  }
  return { usd: formatAmount(usd), diem: formatAmount(diem) };
}
