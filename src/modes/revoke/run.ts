import { explainAdminKeyError } from '../../lifecycle/admin-key.js';
import { deleteKeys, type Removal, removedKeys, throwOnFailures, VERDICT } from '../../lifecycle/deletion.js';
import { isOurs, parseKeyName, type RunIdentity } from '../../lifecycle/naming.js';
import { reportRateLimits } from '../../lifecycle/rate-limits.js';
import { SPEND_HEADERS, SPEND_NOTE, spendCells, spentTotals } from '../../lifecycle/spend.js';
import { runUrl } from '../../runner/context.js';
import { info } from '../../runner/log.js';
import { setOutput } from '../../runner/outputs.js';
import { link, writeSummary } from '../../runner/summary.js';
import type { VeniceClient } from '../../venice/client.js';
import type { ListedKey } from '../../venice/types.js';
import type { RevokeConfig } from './index.js';

/**
 * Without `key-id`: deletes every key this workflow run minted (any job, any attempt).
 * With `key-id`: deletes those keys, but only keys this action minted for this
 * repository. A key Venice no longer holds counts as done: revoking is idempotent.
 */
export async function revoke(config: RevokeConfig, client: VeniceClient, run: RunIdentity): Promise<void> {
  const keys = await client.listKeys().catch(async (error: unknown) => {
    throw await explainAdminKeyError(error, client);
  });
  const refused: { id: string; error: unknown }[] = [];
  let targets: ListedKey[];
  if (config.keyIds.length === 0) {
    targets = keys.filter((key) => isOurs(key, run, 'run'));
    info(`Run ${run.runId} minted ${targets.length} key(s) that are still active.`);
  } else {
    targets = [];
    for (const id of config.keyIds) {
      const key = keys.find((candidate) => candidate.id === id);
      if (!key) info(`Key ${id} is not on the account: already gone, or not an id of this account's keys.`);
      else if (!isOurs(key, run)) {
        refused.push({
          id,
          error: new Error(
            'it is not a key this action minted for this repository, so this action does not delete it. Delete ' +
              "it in Venice's API settings if you mean to.",
          ),
        });
      } else targets.push(key);
    }
  }

  const removals = await deleteKeys(client, targets);
  // No dry run here: the keys removed are the keys deleted.
  const deleted = removedKeys(removals);
  const spent = spentTotals(deleted);
  setOutput('revoked', String(deleted.length));
  setOutput('spent-usd', spent.usd);
  setOutput('spent-diem', spent.diem);
  await writeSummary(
    config.keyIds.length === 0 ? `Venice keys of run ${run.runId} revoked` : 'Venice keys revoked',
    ['Key id', 'Name', 'Run', ...SPEND_HEADERS, 'Result'],
    [
      ...removals.map((removal) => spendRow(removal, run)),
      ...refused.map(({ id }) => [id, '', '', '', '', '', 'refused: not minted by this action for this repository']),
    ],
    SPEND_NOTE,
  );
  info(`Revoked ${deleted.length} key(s); they spent ${spent.usd} USD and ${spent.diem} DIEM.`);
  // Empty when the log could not be read: unknown is not zero.
  const rateLimited =
    deleted.length === 0
      ? 0
      : await reportRateLimits(
          client,
          deleted.map((key) => key.id),
        );
  setOutput('rate-limited', rateLimited ?? '');
  throwOnFailures([...refused, ...removals.filter((r) => r.outcome === 'failed').map((r) => ({ id: r.key.id, error: r.error }))]);
}

/** One row of a cleanup summary: the key, its run (linked), what it spent, and what became of it. */
function spendRow(removal: Removal, run: RunIdentity) {
  const name = parseKeyName(removal.key.description);
  return [
    removal.key.id,
    removal.key.description ?? '',
    name ? link(`${name.runId}.${name.runAttempt}`, runUrl(run.repository, name.runId)) : '',
    ...spendCells(removal.key),
    VERDICT[removal.outcome],
  ];
}
