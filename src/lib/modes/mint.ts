import { explainAdminKeyError } from '../admin-errors.js';
import { formatDuration } from '../duration.js';
import type { MintConfig } from '../inputs.js';
import { keyDescription, newNonce, runIdentityFromEnv } from '../naming.js';
import { retryDelayMs } from '../retry.js';
import * as runner from '../runner.js';
import { STATE } from '../state.js';
import { writeSummary } from '../summary.js';
import { type CreatedKey, type CreateKeyBody, sleep, VeniceApiError, type VeniceClient } from '../venice.js';

/** How long a mint may wait out Venice's limit of 20 creations a minute before giving up. */
export const CREATE_WAIT_BUDGET_MS = 5 * 60_000;

/**
 * Creates one INFERENCE key for this job. The secret is masked the moment it arrives;
 * its id goes to state so the post step revokes it; if anything after that fails,
 * the key is deleted before the step fails.
 */
export async function mint(config: MintConfig, client: VeniceClient): Promise<void> {
  const guard = new CancellationGuard();
  try {
    const created = await createKey(config, client, guard).catch(async (error: unknown) => {
      throw await explainCreateError(error, client);
    });
    // Mask first: nothing may print, store or export the secret before the runner knows it.
    runner.setSecret(created.apiKey);
    try {
      if (config.revoke) {
        runner.saveState(STATE.keyId, created.id);
        runner.saveState(STATE.keyExpiresAt, created.expiresAt ?? '');
      }
      runner.saveState(STATE.pendingKey, '');
      publish(config, created);
    } catch (error) {
      // The key exists but the job cannot have it: delete it rather than leave it behind.
      await client.deleteKey(created.id).catch((cleanup: unknown) => {
        runner.warning(`Could not delete key ${created.id} after the failure below: ${String(cleanup)}`);
      });
      throw error;
    }
    writeSummary('Venice key minted', [
      ['Key id', created.id],
      ['Ends with', `…${created.apiKey.slice(-6)}`],
      ['Expires', created.expiresAt ?? 'never'],
      ['USD cap', describeCap(created.consumptionLimit.usd, created.limitPeriod)],
      ['DIEM cap', describeCap(created.consumptionLimit.diem, created.limitPeriod)],
      ['Model privacy', created.modelPrivacy],
      ['Revoked when the job ends', config.revoke ? 'yes' : 'no (revoke: false)'],
    ]);
    if (guard.cancelled) throw new Error('The job was cancelled; the key is recorded for the post step to revoke.');

    const ttl = created.expiresAt ? ` (expires in ${formatDuration(Date.parse(created.expiresAt) - Date.now())})` : '';
    const fate = config.revoke ? 'the post step revokes it when the job ends' : 'it stays until it expires (revoke: false)';
    runner.info(`Minted INFERENCE key ${created.id}${ttl}; ${fate}.`);
  } finally {
    guard.release();
  }
}

function publish(config: MintConfig, created: CreatedKey): void {
  runner.setOutput('api-key', created.apiKey);
  runner.setOutput('key-id', created.id);
  runner.setOutput('expires-at', created.expiresAt ?? '');
  runner.setOutput('key-type', created.apiKeyType);
  if (config.exportEnv) runner.exportVariable(config.exportEnv, created.apiKey);
}

function describeCap(amount: number | null | undefined, period: string): string {
  return amount === null || amount === undefined ? 'none' : `${amount} (${period})`;
}

export function createBody(config: MintConfig, description: string): CreateKeyBody {
  const body: CreateKeyBody = { apiKeyType: 'INFERENCE', description, expiresAt: config.expiresAt.toISOString() };
  if (config.usdLimit !== undefined || config.diemLimit !== undefined) {
    body.consumptionLimit = { usd: config.usdLimit ?? null, diem: config.diemLimit ?? null };
  }
  if (config.limitPeriod) body.limitPeriod = config.limitPeriod;
  if (config.modelPrivacy) body.modelPrivacy = config.modelPrivacy;
  return body;
}

/**
 * One POST per attempt, each under a new unique name. When an attempt's answer is lost
 * (the key may exist but its secret is gone for good), that key is found by its name
 * and deleted before the next attempt, so no orphan is left behind.
 */
async function createKey(config: MintConfig, client: VeniceClient, guard: CancellationGuard): Promise<CreatedKey> {
  const run = runIdentityFromEnv();
  const started = Date.now();
  for (let attempt = 1; ; attempt++) {
    const description = keyDescription(run, newNonce(), config.label);
    // Recorded before sending, so a post step can find the key even if this process dies mid-request.
    runner.saveState(STATE.pendingKey, description);
    let error: unknown;
    try {
      return await guard.around(client.createKey(createBody(config, description)));
    } catch (caught) {
      error = caught;
    }
    // Unless we know no key was made, the pending name stays in state for the post step.
    if (!(error instanceof VeniceApiError)) throw error;
    if (error.outcomeUnknown) await removeOrphan(client, description);
    runner.saveState(STATE.pendingKey, '');
    if (!error.retryable) throw error;
    if (guard.cancelled) throw new Error('The job was cancelled before a key was created.');

    const rateLimited = error.status === 429;
    // Waiting out the creation limit is bounded by time, not attempts: a large matrix may need several windows.
    if (!rateLimited && attempt >= config.maxAttempts) throw error;
    const delay = retryDelayMs(attempt, error.serverWaitMs);
    const spent = Date.now() - started;
    if (spent + delay > CREATE_WAIT_BUDGET_MS) {
      throw new Error(
        rateLimited
          ? `Gave up creating the key after waiting ${formatDuration(spent)}: Venice allows 20 key creations per minute per account, and other jobs kept the account at that limit. Mint fewer keys at once (e.g. lower the matrix's max-parallel) or share one key across a job's steps.`
          : `Gave up creating the key after ${formatDuration(spent)}: ${error.message}`,
      );
    }
    runner.info(`Creating the key failed (${error.message}); trying again in ${formatDuration(delay)}.`);
    await sleep(delay);
  }
}

/** Deletes the key an unanswered create may have made, or fails naming it. */
export async function removeOrphan(client: VeniceClient, description: string): Promise<number> {
  try {
    const matches = (await client.listKeys()).filter((key) => key.description === description);
    for (const key of matches) await client.deleteKey(key.id);
    if (matches.length > 0) runner.info(`Deleted ${matches.length} key(s) named "${description}" whose creation answer was lost.`);
    return matches.length;
  } catch (error) {
    throw new Error(
      `A key named "${description}" may have been created, but its answer was lost and it could not be checked or removed (${error instanceof Error ? error.message : String(error)}). Delete it in Venice's API settings, or run this action with mode: prune.`,
    );
  }
}

/** Venice's cap on active keys gets an error that says how many are active and what to do. */
async function explainCreateError(error: unknown, client: VeniceClient): Promise<unknown> {
  if (!(error instanceof VeniceApiError) || error.status !== 400 || !/active|maximum|too many/i.test(error.serverMessage ?? '')) {
    return explainAdminKeyError(error);
  }
  const active = await client.listKeys().then(
    (keys) => `${keys.length} active keys`,
    () => 'too many active keys',
  );
  return new Error(
    `Venice refused to create the key: "${error.serverMessage}". The account has ${active}, at its cap. Run this action with mode: prune to delete keys that earlier runs left behind, or mint with a shorter ttl so keys expire sooner.`,
  );
}

/**
 * The runner cancels with SIGINT, then SIGTERM 7.5 s later. While a create is in
 * flight we hold on so its key is recorded for the post step; at any other moment
 * a key is either already in state or does not exist, so we may stop at once.
 */
class CancellationGuard {
  cancelled = false;
  private inFlight = 0;
  private readonly onSignal = (signal: NodeJS.Signals) => {
    if (this.inFlight === 0 || this.cancelled) {
      runner.setFailed(`Cancelled (${signal}).`);
      process.exit(1);
    }
    this.cancelled = true;
    runner.info(`Received ${signal} while a key was being created; waiting for the answer so the post step can revoke that key.`);
  };

  constructor() {
    process.on('SIGINT', this.onSignal);
    process.on('SIGTERM', this.onSignal);
  }

  async around<T>(work: Promise<T>): Promise<T> {
    this.inFlight++;
    try {
      return await work;
    } finally {
      this.inFlight--;
    }
  }

  release(): void {
    process.off('SIGINT', this.onSignal);
    process.off('SIGTERM', this.onSignal);
  }
}
