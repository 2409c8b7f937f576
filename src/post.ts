import * as core from '@actions/core';
import { Ledger } from './lifecycle/ledger.js';
import { settle } from './lifecycle/settle.js';
import { describeFailure } from './modes/failures.js';
import { parseShared } from './modes/index.js';
import { connectionOf } from './modes/shared-inputs.js';
import { runIdentity } from './runner/context.js';
import { fail, mask, warning } from './runner/log.js';
import { veniceClient } from './runner/venice-client.js';

/** The runner's cleanup window after a cancel is about 5 minutes; leave room inside it. */
const POST_RETRY_BUDGET_MS = 4 * 60_000;

/** The post step: settle what the main step recorded, whatever became of the job. */
export async function run(): Promise<void> {
  const adminKey = core.getInput('admin-key');
  mask(adminKey);
  try {
    const identity = runIdentity();
    const loaded = Ledger.load(adminKey, identity);
    if (loaded.kind === 'none') return;
    if (loaded.kind === 'forged') {
      warning(
        "The post step was handed state that this action's main step did not write (an earlier step may have " +
          'set STATE_ variables through GITHUB_ENV); it deletes nothing.',
      );
      return;
    }
    // Main validated every input before any key existed; only the connection matters here.
    const { values, problems } = parseShared();
    if (problems.length > 0) throw new Error(problems.map((p) => `Input '${p.input}' ${p.message}`).join(' '));
    const connection = connectionOf(values);
    const client = veniceClient(connection, adminKey, { retryBudgetMs: POST_RETRY_BUDGET_MS });
    await settle(loaded.ledger.entries, client, identity, connection.timeoutMs);
  } catch (problem) {
    fail(describeFailure(problem));
  }
}
