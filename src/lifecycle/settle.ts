import { type Clock, SYSTEM_CLOCK } from '../clock.js';
import { formatDuration } from '../duration.js';
import { info, error as logError, messageOf, warning } from '../runner/log.js';
import { writeSummary } from '../runner/summary.js';
import type { VeniceClient } from '../venice/client.js';
import type { ListedKey } from '../venice/types.js';
import { deleteKeys, type Removal, removeByName } from './deletion.js';
import type { LedgerEntry } from './ledger.js';
import { isOurs, type RunIdentity, sameKeyName } from './naming.js';
import { reportRateLimits } from './rate-limits.js';
import { SPEND_HEADERS, SPEND_NOTE, spendCells } from './spend.js';

/**
 * How long past a create's own timeout Venice is given to commit it. A name whose create
 * got no usable answer is looked for until then (measured from when it was sent) before
 * the post step concludes that no key by it exists. A post step runs when the job ends,
 * usually long after that moment, so it usually needs one look.
 */
export const COMMIT_GRACE_MS = 5_000;
const LOOK_AGAIN_MS = 2_000;

/**
 * The post step's work: revoke this job's key and remove any key an unanswered create
 * made, using only what the main step recorded, and only keys named for this run.
 */
export async function settle(
  entries: readonly LedgerEntry[],
  client: VeniceClient,
  run: RunIdentity,
  timeoutMs: number,
  clock: Clock = SYSTEM_CLOCK,
): Promise<void> {
  const problems: string[] = [];
  const removals: Removal[] = [];
  for (const entry of entries.filter((e) => e.id)) {
    const outcome = await revokeJobKey(entry as Required<LedgerEntry>, client, run, clock);
    if (typeof outcome === 'string') problems.push(outcome);
    else if (outcome) removals.push(outcome);
  }
  const unknown = entries.filter((entry) => !entry.id);
  if (unknown.length > 0) problems.push(...(await removeUnanswered(unknown, client, run, timeoutMs, clock)));

  const revoked = removals.filter((removal) => removal.outcome === 'deleted');
  if (revoked.length > 0) {
    await writeSummary(
      'Venice key revoked',
      ['Key id', ...SPEND_HEADERS],
      revoked.map(({ key }) => [key.id, ...spendCells(key)]),
      SPEND_NOTE,
    );
    // One more request, only when a key was revoked: which rate limits it ran into.
    await reportRateLimits(
      client,
      revoked.map(({ key }) => key.id),
    );
  }
  if (problems.length > 0) throw new Error(problems.join(' '));
}

/** Reads the key once (what it spent, and that it is this run's), then deletes it. Returns a problem as text. */
async function revokeJobKey(
  entry: Required<LedgerEntry>,
  client: VeniceClient,
  run: RunIdentity,
  clock: Clock,
): Promise<Removal | string | undefined> {
  const { id, expiresAt, name } = entry;
  if (expiresAt && Date.parse(expiresAt) <= clock.now()) {
    info(`Key ${id} expired at ${expiresAt}; nothing to revoke.`);
    return undefined;
  }
  let key: ListedKey | undefined;
  try {
    key = await client.findKey(id);
    if (!key) {
      info(`Key ${id} was already gone.`);
      return undefined;
    }
    if (!sameKeyName(key.description, name) || !isOurs(key, run, 'run')) {
      return `Key ${id} is not the key this job minted (its name is not "${name}"), so the post step did not delete it.`;
    }
  } catch (error) {
    // What it spent is a courtesy; revoking the key the ledger names is the duty.
    warning(`Could not read key ${id} before revoking it, so what it spent is unknown: ${messageOf(error)}`);
  }
  const [removal] = await deleteKeys(client, [
    key ?? { id, apiKeyType: 'INFERENCE', description: name, createdAt: null, expiresAt, last6Chars: '' },
  ]);
  if (removal?.outcome === 'failed') {
    const until = expiresAt ? `It stays usable until it expires at ${expiresAt}` : 'It does not expire on its own';
    return (
      `Could not revoke key ${id}: ${messageOf(removal.error).replace(/\.$/, '')}. ${until}: delete it with this ` +
      `action (mode: revoke, key-id: ${id}) or in Venice's API settings.`
    );
  }
  return removal;
}

/**
 * Names sent in a create whose answer never came: Venice may hold a key by that name, or
 * commit one a little later. Look until the create's commit window has passed.
 */
async function removeUnanswered(
  entries: readonly LedgerEntry[],
  client: VeniceClient,
  run: RunIdentity,
  timeoutMs: number,
  clock: Clock,
): Promise<string[]> {
  const waiting = new Map(entries.map((entry) => [entry.name, entry.sentAt + timeoutMs + COMMIT_GRACE_MS]));
  for (;;) {
    let keys: ListedKey[];
    try {
      keys = (await client.listKeys()).filter((key) => isOurs(key, run, 'run'));
    } catch (error) {
      return [
        `Could not check whether Venice holds a key named ${[...waiting.keys()].map((name) => `"${name}"`).join(', ')} ` +
          `(${messageOf(error)}). A create sent under that name got no answer, so such a key may exist: delete it ` +
          "in Venice's API settings, or run this action with mode: prune.",
      ];
    }
    for (const name of [...waiting.keys()]) {
      const found = await removeByName(client, keys, name);
      if (found.length === 0) continue;
      const failed = found.filter((removal) => removal.outcome === 'failed');
      if (failed.length > 0) {
        logError(`Could not delete the key named "${name}": ${messageOf(failed[0]?.error)}`);
        return [
          `A key named "${name}" exists and could not be deleted: delete it in Venice's API settings, or run this action with mode: prune.`,
        ];
      }
      info(`Deleted ${found.length} key(s) named "${name}": its create got no answer, so the job never had it.`);
      waiting.delete(name);
    }
    const deadline = Math.max(0, ...waiting.values());
    if (waiting.size === 0 || clock.now() >= deadline) break;
    await clock.sleep(Math.min(LOOK_AGAIN_MS, deadline - clock.now()));
  }
  // Nobody reads the post log of a green job: a key that may be left behind is a warning on the run's page.
  const sentAt = new Map(entries.map((entry) => [entry.name, entry.sentAt]));
  for (const name of waiting.keys()) {
    warning(
      `A key named "${name}" may be left behind: its create was sent at ${new Date(sentAt.get(name) ?? 0).toISOString()} ` +
        `and got no answer, and no such key appeared within ${formatDuration(timeoutMs + COMMIT_GRACE_MS)}. ` +
        "Should Venice have committed it later, it lives until its ttl ends; a 'mode: prune' run deletes it sooner, " +
        "or delete it in Venice's API settings.",
      { title: 'venice-key: a key may be left behind' },
    );
  }
  return [];
}
