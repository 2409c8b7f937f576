import { explainAdminKeyError } from '../admin-errors.js';
import type { RevokeConfig } from '../inputs.js';
import * as runner from '../runner.js';
import { writeSummary } from '../summary.js';
import type { VeniceClient } from '../venice.js';

/** Deletes the listed keys. A key that is already gone is not an error: revoking is idempotent. */
export async function revoke(config: RevokeConfig, client: VeniceClient): Promise<void> {
  const outcome = await deleteAll(client, config.keyIds);
  runner.setOutput('revoked', String(outcome.deleted.length));
  writeSummary('Venice keys revoked', [
    ['Deleted', outcome.deleted.join(', ') || 'none'],
    ['Already gone', outcome.alreadyGone.join(', ') || 'none'],
    ['Failed', outcome.failed.map((f) => f.id).join(', ') || 'none'],
  ]);
  reportFailures(outcome);
}

export interface DeleteOutcome {
  deleted: string[];
  alreadyGone: string[];
  failed: { id: string; error: unknown }[];
}

/** Tries every id, so one failure does not leave the rest standing. */
export async function deleteAll(client: VeniceClient, ids: readonly string[]): Promise<DeleteOutcome> {
  const outcome: DeleteOutcome = { deleted: [], alreadyGone: [], failed: [] };
  for (const id of ids) {
    try {
      const result = await client.deleteKey(id);
      if (result === 'deleted') {
        outcome.deleted.push(id);
        runner.info(`Deleted key ${id}.`);
      } else {
        outcome.alreadyGone.push(id);
        runner.info(`Key ${id} was already gone.`);
      }
    } catch (error) {
      const explained = explainAdminKeyError(error);
      // The admin key itself is wrong: every other id would fail the same way.
      if (explained !== error) throw explained;
      outcome.failed.push({ id, error });
    }
  }
  return outcome;
}

export function reportFailures(outcome: DeleteOutcome): void {
  if (outcome.failed.length === 0) return;
  for (const { id, error } of outcome.failed) {
    runner.error(`Could not delete key ${id}: ${error instanceof Error ? error.message : String(error)}`);
  }
  throw new Error(
    `${outcome.failed.length} key(s) could not be deleted: ${outcome.failed.map((f) => f.id).join(', ')}. Run this step again to retry.`,
  );
}
