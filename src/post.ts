import * as core from '@actions/core';
import { veniceClient } from './action/client.js';
import { runIdentity } from './action/context.js';
import { parseConnection } from './action/inputs.js';
import { Ledger } from './action/ledger.js';
import { fail, mask, warning } from './action/log.js';
import { settle } from './modes/settle.js';

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
        "The post step was handed state that this action's main step did not write (an earlier step may have set STATE_ variables through GITHUB_ENV); it deletes nothing.",
      );
      return;
    }
    // Main validated every input before any key existed; only the connection matters here.
    const { connection, problems } = parseConnection();
    if (problems.length > 0) throw new Error(problems.map((p) => `Input '${p.input}' ${p.message}`).join(' '));
    const client = veniceClient(connection, adminKey, { retryBudgetMs: POST_RETRY_BUDGET_MS });
    await settle(loaded.ledger.entries, client, identity, connection.timeoutMs);
  } catch (problem) {
    fail(problem);
  }
}
