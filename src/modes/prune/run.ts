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
  /** Set when the key was used after its run ended: it may have leaked. */
  usedAfterRun?: { runEndedAt: string; lastUsedAt: string };
}

/** Clocks differ, and Venice may note a use a little late: a use within this of a run's end is the run's own. */
export const CLOCK_SKEW_MS = 60_000;

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
  let endedAt: Map<string, string> | undefined;
  if (asked.length > 0) {
    const answer = await workflowRunStates(
      config.githubToken,
      run.repository,
      asked.map((key) => parseKeyName(key.description)?.runId as string),
      config.timeoutMs,
    );
    if (answer.ok) ({ states, endedAt } = answer);
    else {
      const fix = answer.permissions
        ? " Give the job 'permissions: actions: read' so that prune deletes the keys of finished runs and keeps those of running ones."
        : '';
      warning(`Deciding by age alone (older-than ${formatDuration(config.olderThanMs)}): ${answer.reason}.${fix}`);
    }
  }
  const decisions = decide(ours, config.olderThanMs, now, states, endedAt);
  const chosen = decisions.filter((decision) => decision.remove);
  const leaked = decisions.filter((decision) => decision.usedAfterRun);
  for (const { key, name, usedAfterRun } of leaked) {
    warning(
      `Key ${key.id} was last used at ${usedAfterRun?.lastUsedAt}, after its run ${name.runId} ended at ` +
        `${usedAfterRun?.runEndedAt}: it may have leaked. Find where the run exposed it (its logs, artifacts or ` +
        `caches) and review what it spent: ${runUrl(run.repository, name.runId)}`,
      { title: 'venice-key: a key was used after its run ended' },
    );
  }
  for (const decision of decisions) {
    info(`${decision.remove ? (config.dryRun ? 'Would delete' : 'Deleting') : 'Keeping'} ${decision.key.id}: ${decision.reason}.`);
  }

  const removals: Removal[] = config.dryRun
    ? chosen.map((decision) => ({ key: decision.key, outcome: 'would-delete' as const }))
    : await deleteKeys(
        client,
        chosen.map((decision) => decision.key),
      );
  const done = removedKeys(removals);
  const spent = spentTotals(done);
  setOutput('revoked', String(done.length));
  setOutput('spent-usd', spent.usd);
  setOutput('spent-diem', spent.diem);
  setOutput('used-after-run', leaked.length);

  const outcomeOf = new Map(removals.map((removal) => [removal.key.id, removal.outcome]));
  await writeSummary(
    config.dryRun ? 'Venice keys to prune (dry run)' : 'Venice keys pruned',
    ['Key id', 'Name', 'Run', 'Age', 'Decision', ...SPEND_HEADERS],
    // The keys that may have leaked first: they are what a reader must act on.
    [...leaked, ...decisions.filter((decision) => !decision.usedAfterRun)].map(({ key, name, remove, reason, usedAfterRun }) => {
      const outcome = outcomeOf.get(key.id);
      const verdict = remove && outcome ? VERDICT[outcome] : 'kept';
      const alarm = usedAfterRun
        ? `MAY HAVE LEAKED: used at ${usedAfterRun.lastUsedAt}, after its run ended at ${usedAfterRun.runEndedAt}; `
        : '';
      return [
        key.id,
        key.description ?? '',
        link(`${name.runId}.${name.runAttempt}`, runUrl(run.repository, name.runId)),
        ageOf(key, now),
        `${alarm}${verdict}: ${reason}`,
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
      `Pruned ${done.length} of ${ours.length} key(s) this action minted for this repository; they spent ${spent.usd} ` +
        `USD and ${spent.diem} DIEM.`,
    );
  }
  throwOnFailures(removals.filter((r) => r.outcome === 'failed').map((r) => ({ id: r.key.id, error: r.error })));
}

/**
 * Pure: which of this repository's keys go, and why. `states` is undefined when runs
 * could not be read; `endedAt` says when completed runs ended, for the tripwire.
 */
export function decide(
  keys: readonly ListedKey[],
  olderThanMs: number,
  now: Date,
  states?: ReadonlyMap<string, RunState>,
  endedAt?: ReadonlyMap<string, string>,
): PruneDecision[] {
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
    else if (state === 'completed') {
      const leak = usedAfterRun(key.lastUsedAt, endedAt?.get(name.runId));
      decisions.push({ key, name, remove: true, reason: `its run ${name.runId} has finished`, ...(leak && { usedAfterRun: leak }) });
    } else if (state === 'active') decisions.push({ key, name, remove: false, reason: `its run ${name.runId} is still in progress` });
    else if (state === 'missing') decisions.push(byAge(`its run ${name.runId} was not found`));
    else decisions.push(byAge('run states unknown'));
  }
  return decisions;
}

/**
 * Pure: a key of a finished run used more than CLOCK_SKEW_MS after the run ended was
 * used by something other than the run: it has been copied somewhere. (Keys minted with
 * `revoke: false` are meant to outlive their run; `decide` never asks about them.)
 */
export function usedAfterRun(
  lastUsedAt: string | null | undefined,
  runEndedAt: string | undefined,
): PruneDecision['usedAfterRun'] | undefined {
  const used = Date.parse(lastUsedAt ?? '');
  const ended = Date.parse(runEndedAt ?? '');
  if (!Number.isFinite(used) || !Number.isFinite(ended) || used - ended <= CLOCK_SKEW_MS) return undefined;
  // As ISO 8601 of our own making: the log and summary show times, never the APIs' raw text.
  return { lastUsedAt: new Date(used).toISOString(), runEndedAt: new Date(ended).toISOString() };
}

function ageOf(key: ListedKey, now: Date): string {
  const created = Date.parse(key.createdAt ?? '');
  return Number.isFinite(created) ? formatDuration(now.getTime() - created) : 'unknown';
}
