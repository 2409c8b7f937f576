import type { ListedKey } from '../venice/types.js';

/** What a key spent, as Venice reports it: the trailing seven days, accounted with some delay. */
export interface Spend {
  usd: number;
  diem: number;
  lastUsedAt: string | null;
}

/** An amount as Venice gives it, a decimal string ("10.2424"); anything else (null, "", "n/a") is unknown, not 0. */
function amountOf(value: unknown): number | undefined {
  if (typeof value === 'number') return Number.isFinite(value) && value >= 0 ? value : undefined;
  return typeof value === 'string' && /^\d+(\.\d+)?$/.test(value) ? Number(value) : undefined;
}

/** A key's spend, or undefined unless Venice gave both amounts readably. */
export function spendOf(key: ListedKey): Spend | undefined {
  const usage = key.usage?.trailingSevenDays;
  const usd = amountOf(usage?.usd);
  const diem = amountOf(usage?.diem);
  if (usd === undefined || diem === undefined) return undefined;
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
