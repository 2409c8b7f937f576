import { clientFor } from './lib/client.js';
import { inputFromEnv, parseCommon } from './lib/inputs.js';
import { removeOrphan } from './lib/modes/mint.js';
import { redact } from './lib/redact.js';
import * as runner from './lib/runner.js';
import { STATE } from './lib/state.js';

/** The runner's cleanup window after a cancel is about 5 minutes; leave room inside it. */
const POST_RETRY_BUDGET_MS = 4 * 60_000;

/** The post step: revoke the key main minted, whatever became of the job. */
export async function runPost(now = Date.now()): Promise<void> {
  const input = inputFromEnv();
  const adminKey = input('admin-key');
  if (adminKey) runner.setSecret(adminKey);
  const keyId = runner.getState(STATE.keyId);
  const expiresAt = runner.getState(STATE.keyExpiresAt);
  const pending = runner.getState(STATE.pendingKey);

  try {
    // Only the connection settings matter here; main validated them before any key existed.
    const { common, problems } = parseCommon(input);
    if (problems.length > 0) throw new Error(problems.map((p) => `Input '${p.input}' ${p.message}`).join(' '));
    const client = clientFor(common, adminKey, { retryBudgetMs: POST_RETRY_BUDGET_MS });
    if (pending) await removeOrphan(client, pending);
    if (!keyId) return;
    if (expiresAt && Date.parse(expiresAt) <= now) {
      runner.info(`Key ${keyId} expired at ${expiresAt}; nothing to revoke.`);
      return;
    }
    const result = await client.deleteKey(keyId);
    runner.info(result === 'deleted' ? `Revoked key ${keyId}.` : `Key ${keyId} was already gone.`);
  } catch (error) {
    const reason = redact(error instanceof Error ? error.message : String(error), [adminKey]).replace(/\.$/, '');
    const until = expiresAt ? ` It stays usable until it expires at ${expiresAt}` : ' It does not expire on its own';
    runner.setFailed(
      keyId
        ? `Could not revoke key ${keyId}: ${reason}.${until}: delete it with this action (mode: revoke, key-id: ${keyId}) or in Venice's API settings.`
        : reason,
    );
  }
}
