import { formatDuration } from '../../duration.js';
import { type RunState, workflowRunStates } from '../../github/workflow-runs.js';
import { explainAdminKeyError } from '../../lifecycle/admin-key.js';
import { deleteKeys, type Removal, removedKeys, throwOnFailures, VERDICT } from '../../lifecycle/deletion.js';
import { isOurs, type KeyName, parseKeyName, type RunIdentity } from '../../lifecycle/naming.js';
import { SPEND_HEADERS, SPEND_NOTE, spendCells, spentTotals } from '../../lifecycle/spend.js';
import { runUrl } from '../../runner/context.js';
import { info, notice, warning } from '../../runner/log.js';
import { setOutput } from '../../runner/outputs.js';
import { link, writeSummary } from '../../runner/summary.js';
import type { VeniceClient } from '../../venice/client.js';
import type { ListedKey } from '../../venice/types.js';
import type { PruneConfig } from './index.js';

export interface PruneDecision {
  key: ListedKey;
  name: KeyName;
  remove: boolean;
  reason: string;
}

/**
 * Deletes keys this action minted for this repository that nothing needs any more: with
 * a token that can read Actions, keys whose workflow run has finished; otherwise (and for
 * keys minted with `revoke: false`) keys older than `older-than`. Never an ADMIN key,
 * never a key it did not name.
 */
export async function prune(config: PruneConfig, client: VeniceClient, run: RunIdentity, now = new Date()): Promise<void> {
  const keys = await client.listKeys().catch(async (error: unknown) => {
    throw await explainAdminKeyError(error, client);
  });
  const ours = keys.filter((key) => isOurs(key, run));
  const asked = ours.filter((key) => parseKeyName(key.description)?.scope !== 'keep');
  let states: Map<string, RunState> | undefined;
  if (asked.length > 0) {
    const answer = await workflowRunStates(
      config.githubToken,
      run.repository,
      asked.map((key) => parseKeyName(key.description)?.runId as string),
      config.timeoutMs,
    );
    if (answer.ok) states = answer.states;
    else {
      const fix = answer.permissions
        ? " Give the job 'permissions: actions: read' so that prune deletes the keys of finished runs and keeps those of running ones."
        : '';
      warning(`Deciding by age alone (older-than ${formatDuration(config.olderThanMs)}): ${answer.reason}.${fix}`);
    }
  }
  const decisions = decide(ours, config.olderThanMs, now, states);
  const chosen = decisions.filter((decision) => decision.remove);
  for (const decision of decisions) {
    info(`${decision.remove ? (config.dryRun ? 'Would delete' : 'Deleting') : 'Keeping'} ${decision.key.id}: ${decision.reason}.`);
  }

  const removals: Removal[] = config.dryRun
    ? chosen.map((decision) => ({ key: decision.key, outcome: 'would-delete' as const }))
    : await deleteKeys(
        client,
        chosen.map((decision) => decision.key),
      );
  const done = removals.filter((removal) => removal.outcome === 'deleted' || removal.outcome === 'would-delete');
  const spent = spentTotals(removedKeys(removals));
  setOutput('revoked', String(done.length));
  setOutput('spent-usd', spent.usd);
  setOutput('spent-diem', spent.diem);

  const outcomeOf = new Map(removals.map((removal) => [removal.key.id, removal.outcome]));
  await writeSummary(
    config.dryRun ? 'Venice keys to prune (dry run)' : 'Venice keys pruned',
    ['Key id', 'Name', 'Run', 'Age', 'Decision', ...SPEND_HEADERS],
    decisions.map(({ key, name, remove, reason }) => {
      const outcome = outcomeOf.get(key.id);
      const verdict = remove && outcome ? VERDICT[outcome] : 'kept';
      return [
        key.id,
        key.description ?? '',
        link(`${name.runId}.${name.runAttempt}`, runUrl(run.repository, name.runId)),
        ageOf(key, now),
        `${verdict}: ${reason}`,
        ...spendCells(key),
      ];
    }),
    SPEND_NOTE,
  );
  if (config.dryRun) {
    // A notice, so the outcome of a dry run shows on the run's page, not only in the log.
    notice(
      `Dry run: ${done.length} of ${ours.length} key(s) this action minted for this repository would be deleted; nothing was deleted.`,
      {
        title: 'venice-key prune (dry run)',
      },
    );
  } else {
    info(
      `Pruned ${done.length} of ${ours.length} key(s) this action minted for this repository; they spent ${spent.usd} USD and ${spent.diem} DIEM.`,
    );
  }
  throwOnFailures(removals.filter((r) => r.outcome === 'failed').map((r) => ({ id: r.key.id, error: r.error })));
}

/** Pure: which of this repository's keys go, and why. `states` is undefined when runs could not be read. */
export function decide(keys: readonly ListedKey[], olderThanMs: number, now: Date, states?: Map<string, RunState>): PruneDecision[] {
  const decisions: PruneDecision[] = [];
  for (const key of keys) {
    const name = parseKeyName(key.description);
    if (!name) continue;
    const byAge = (why: string): PruneDecision => {
      const created = Date.parse(key.createdAt ?? '');
      if (!Number.isFinite(created)) return { key, name, remove: false, reason: `${why}, and Venice gives no creation time` };
      const old = now.getTime() - created > olderThanMs;
      return { key, name, remove: old, reason: `${why}; ${old ? 'older' : 'not older'} than ${formatDuration(olderThanMs)}` };
    };
    const state = states?.get(name.runId);
    if (name.scope === 'keep') decisions.push(byAge('minted with revoke: false, so judged by age'));
    else if (state === 'completed') decisions.push({ key, name, remove: true, reason: `its run ${name.runId} has finished` });
    else if (state === 'active') decisions.push({ key, name, remove: false, reason: `its run ${name.runId} is still in progress` });
    else if (state === 'missing') decisions.push(byAge(`its run ${name.runId} was not found`));
    else decisions.push(byAge('run states unknown'));
  }
  return decisions;
}

function ageOf(key: ListedKey, now: Date): string {
  const created = Date.parse(key.createdAt ?? '');
  return Number.isFinite(created) ? formatDuration(now.getTime() - created) : 'unknown';
}
