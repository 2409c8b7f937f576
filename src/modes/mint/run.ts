import { type Clock, SYSTEM_CLOCK } from '../../clock.js';
import { formatDuration } from '../../duration.js';
import { parseInstant } from '../../instant.js';
import { explainAdminKeyError } from '../../lifecycle/admin-key.js';
import { removeByName } from '../../lifecycle/deletion.js';
import { seal } from '../../lifecycle/handoff.js';
import { Ledger } from '../../lifecycle/ledger.js';
import { keyName, newNonce, type RunIdentity } from '../../lifecycle/naming.js';
import { fail, info, mask, messageOf, warning } from '../../runner/log.js';
import { exportVariable, setOutput } from '../../runner/outputs.js';
import { writeSummary } from '../../runner/summary.js';
import { ACTIVE_KEY_CAP, type VeniceClient } from '../../venice/client.js';
import { VeniceApiError } from '../../venice/errors.js';
import { retryDelayMs } from '../../venice/retry.js';
import type { CreatedKey, CreateKeyBody } from '../../venice/types.js';
import { exportOpenAiEnv } from '../shared-inputs.js';
import type { MintConfig } from './index.js';

/** How long a mint may wait out Venice's limit of 20 creations a minute before giving up. */
export const CREATE_WAIT_BUDGET_MS = 5 * 60_000;

/**
 * Creates one INFERENCE key. The secret is masked the moment it arrives, and the key is
 * recorded for the post step before anything else: until the job has it, the post step
 * owns it. If Venice did not make what was asked, or the key cannot be handed over, it
 * is deleted here, before the step fails. A key made for later (`revoke: false`, a
 * handoff) is released from the post step only once it is handed over.
 */
export async function mint(config: MintConfig, client: VeniceClient, run: RunIdentity, clock: Clock = SYSTEM_CLOCK): Promise<void> {
  const ledger = Ledger.create(config.adminKey, run);
  const guard = new CancellationGuard();
  try {
    const { created, name } = await createKey(config, client, run, ledger, guard, clock);
    // Mask first: nothing may print, store or export the secret before the runner knows it.
    mask(created.apiKey);
    ledger.created(name, created.id, created.expiresAt);
    // Cancelled while the create was in flight: nobody will use the key, so the post step deletes it.
    if (guard.cancelled) throw new Error('The job was cancelled while the key was being created; the post step revokes it.');
    try {
      checkApplied(config, created);
      publish(config, created, run);
    } catch (error) {
      // The key exists but the job cannot have it: delete it now rather than leave it behind.
      const gone = await client.deleteKey(created.id).then(
        () => true,
        (cleanup: unknown) => {
          warning(`Could not delete key ${created.id} after the failure below: ${messageOf(cleanup)}`);
          return false;
        },
      );
      if (gone) {
        info(`Deleted key ${created.id}: this step failed before the job could use it.`);
        tryQuietly(() => ledger.settled(name));
      }
      throw error;
    }
    if (config.scope !== 'job') ledger.settled(name);
    await writeSummary(
      'Venice key minted',
      ['Item', 'Value'],
      [
        ['Key id', created.id],
        ['Name', name],
        ['Ends with', `…${created.apiKey.slice(-6)}`],
        ['Expires', created.expiresAt ?? 'never'],
        ['USD cap', describeCap(created.consumptionLimit?.usd, created.limitPeriod)],
        ['DIEM cap', describeCap(created.consumptionLimit?.diem, created.limitPeriod)],
        ['Model privacy', created.modelPrivacy],
        ['Ended by', ENDED_BY[config.scope]],
      ],
    );
    const ttl = created.expiresAt ? ` (expires in ${formatDuration(Date.parse(created.expiresAt) - clock.now())})` : '';
    const caps = describeCaps(created);
    info(`Minted INFERENCE key ${created.id}${ttl}, ${caps}; ${ENDED_BY[config.scope]}.`);
  } finally {
    guard.release();
  }
}

/**
 * Venice's answer must describe the key that was asked for, field by field: its type,
 * its expiry, each cap amount, when the caps reset, which models it may call. A key that
 * differs in anything asked for is not handed out.
 */
export function differencesFromRequest(config: MintConfig, created: CreatedKey): string[] {
  const differences: string[] = [];
  if (created.apiKeyType !== 'INFERENCE') differences.push(`type ${created.apiKeyType} instead of INFERENCE`);
  const expires = parseInstant(created.expiresAt);
  // Venice may round the expiry; a minute either way is the same key.
  if (typeof expires === 'string' || Math.abs(expires.getTime() - config.expiresAt.getTime()) > 60_000) {
    const got = created.expiresAt === null ? 'never' : JSON.stringify(created.expiresAt);
    differences.push(`expiry ${got} instead of ${config.expiresAt.toISOString()}`);
  }
  const body = createBody(config, created.description ?? '');
  if (body.consumptionLimit) {
    for (const currency of ['usd', 'diem'] as const) {
      const asked = body.consumptionLimit[currency] ?? null;
      const got = created.consumptionLimit?.[currency];
      // A cap Venice does not state is not "none": it cannot be checked, so it differs.
      const stated = got === undefined ? 'not stated' : JSON.stringify(got ?? 'none');
      if (got !== asked) differences.push(`${currency.toUpperCase()} cap ${stated} instead of ${asked ?? 'none'}`);
    }
  }
  if (body.limitPeriod && created.limitPeriod !== body.limitPeriod) {
    differences.push(`cap period ${JSON.stringify(created.limitPeriod ?? 'none')} instead of ${body.limitPeriod}`);
  }
  if (body.modelPrivacy && created.modelPrivacy !== body.modelPrivacy) {
    differences.push(`model privacy ${JSON.stringify(created.modelPrivacy ?? 'none')} instead of ${body.modelPrivacy}`);
  }
  return differences;
}

function checkApplied(config: MintConfig, created: CreatedKey): void {
  const differences = differencesFromRequest(config, created);
  if (differences.length > 0) {
    throw new Error(
      `Venice created key ${created.id} with ${differences.join(', ')}; it is deleted rather than handed out. Check base-url.`,
    );
  }
}

const ENDED_BY: Record<MintConfig['scope'], string> = {
  job: 'the post step revokes it when this job ends',
  keep: 'it stays until it expires or is revoked (revoke: false)',
  run: "it is sealed in the 'handoff' output for this run's later jobs; a final 'mode: revoke' job deletes it, and it expires in any case",
};

function publish(config: MintConfig, created: CreatedKey, run: RunIdentity): void {
  setOutput('api-key', created.apiKey);
  setOutput('key-id', created.id);
  setOutput('expires-at', created.expiresAt ?? '');
  setOutput('key-type', created.apiKeyType);
  if (config.handoffSecret) {
    setOutput('handoff', seal({ apiKey: created.apiKey, id: created.id, expiresAt: created.expiresAt }, config.handoffSecret, run));
  }
  if (config.exportEnv) exportVariable(config.exportEnv, created.apiKey);
  if (config.openaiEnv) exportOpenAiEnv(created.apiKey, config.baseUrl);
}

/** The caps as a person reads them: `capped at 1 USD and 5 DIEM (LIFETIME)`, or `no spending cap`. */
function describeCaps(created: CreatedKey): string {
  const amounts = (['usd', 'diem'] as const)
    .filter((currency) => typeof created.consumptionLimit?.[currency] === 'number')
    .map((currency) => `${created.consumptionLimit[currency]} ${currency.toUpperCase()}`);
  return amounts.length === 0 ? 'no spending cap' : `capped at ${amounts.join(' and ')} (${created.limitPeriod})`;
}

function describeCap(amount: number | null | undefined, period: string): string {
  return amount === null || amount === undefined ? 'none' : `${amount} (${period})`;
}

function tryQuietly(work: () => void): void {
  try {
    work();
  } catch {
    // Best effort: the post step settles the name by asking Venice.
  }
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
 * One POST per attempt, each under a new unique name written to the ledger before it
 * is sent. When an attempt's outcome is unknown (the key may exist but its secret is
 * gone for good), any key by that name is deleted before the next attempt; if none is
 * found yet, the name stays in the ledger, because Venice may still commit it, and the
 * post step looks again.
 */
async function createKey(
  config: MintConfig,
  client: VeniceClient,
  run: RunIdentity,
  ledger: Ledger,
  guard: CancellationGuard,
  clock: Clock,
): Promise<{ created: CreatedKey; name: string }> {
  const started = clock.now();
  for (let attempt = 1; ; attempt++) {
    const name = keyName(run, config.scope, newNonce(), config.label);
    ledger.sending(name, clock.now());
    let error: unknown;
    try {
      return { created: await guard.around(() => client.createKey(createBody(config, name))), name };
    } catch (caught) {
      error = caught;
    }
    // Anything but an answer from Venice: the name stays recorded for the post step.
    if (!(error instanceof VeniceApiError)) throw error;
    if (error.outcomeUnknown) {
      // Found and deleted, or no key and none can come: settled. Otherwise the post step looks again.
      if ((await reconcile(client, name)) > 0 || !mayCommitLater(error)) ledger.settled(name);
    } else {
      ledger.settled(name);
    }
    if (!error.retryable) throw await explainCreateError(error, client);
    if (guard.cancelled) {
      const unsettled = ledger.entries.some((entry) => entry.name === name);
      throw new Error(
        unsettled
          ? 'The job was cancelled while a key was being created; whether Venice made it is unknown, so the post step looks for it.'
          : 'The job was cancelled before a key was created.',
      );
    }

    const rateLimited = error.status === 429;
    // Waiting out the creation limit is bounded by time, not attempts: a large matrix may need several windows.
    if (!rateLimited && attempt >= config.maxAttempts) throw error;
    const delay = retryDelayMs(attempt, error.serverWaitMs);
    const spent = clock.now() - started;
    if (spent + delay > CREATE_WAIT_BUDGET_MS) {
      throw new Error(
        rateLimited
          ? `Gave up creating the key after waiting ${formatDuration(spent)}: Venice allows 20 key creations per ` +
              'minute per account, and other jobs kept the account at that limit. Mint one key for the whole run and ' +
              "hand it to the other jobs (handoff-secret), or lower the matrix's max-parallel."
          : `Gave up creating the key after ${formatDuration(spent)}: ${error.message}`,
      );
    }
    info(`Creating the key failed (${error.message}); trying again in ${formatDuration(delay)}.`);
    await clock.sleep(delay);
  }
}

/**
 * Whether Venice may still commit a create after its outcome was reported. An answer from
 * Venice itself (even a 500 or a 503, or a 2xx we cannot read) means the request was
 * handled, so the list read after it is final. Without an answer (a timeout, a connection
 * lost midway), or from a gateway that gave up waiting (502, 504), it may still land.
 */
function mayCommitLater(error: VeniceApiError): boolean {
  if (error.kind === 'http') return error.status === 502 || error.status === 504;
  return error.kind !== 'invalid-answer' && error.kind !== 'oversize';
}

/** Deletes any key an unanswered create made under this name; fails naming it when it cannot check. */
async function reconcile(client: VeniceClient, name: string): Promise<number> {
  try {
    const removals = await removeByName(client, await client.listKeys(), name);
    const failed = removals.filter((removal) => removal.outcome === 'failed');
    if (failed.length > 0) throw failed[0]?.error;
    if (removals.length > 0) info(`Deleted ${removals.length} key(s) named "${name}" whose creation answer was lost.`);
    return removals.length;
  } catch (error) {
    throw new Error(
      `A key named "${name}" may have been created, but its answer was lost and it could not be checked or removed ` +
        `(${messageOf(error)}). The post step looks for it again; if that fails too, delete it in Venice's API settings ` +
        'or run this action with mode: prune.',
    );
  }
}

/** A refused create, explained from what Venice holds: a wrong admin key, or the account at its cap of active keys. */
async function explainCreateError(error: VeniceApiError, client: VeniceClient): Promise<unknown> {
  if (error.status === 401) return explainAdminKeyError(error, client);
  if (error.status !== 400) return error;
  const active = await client.listKeys().then(
    (keys) => keys.length,
    () => undefined,
  );
  if (active === undefined || active < ACTIVE_KEY_CAP) return error;
  return new Error(
    `Venice refused to create the key: the account has ${active} active keys, its cap is ${ACTIVE_KEY_CAP}. Run ` +
      'this action with mode: prune to delete keys that earlier runs left behind, or mint with a shorter ttl so keys ' +
      `expire sooner. (${error.message})`,
  );
}

/**
 * The runner cancels with SIGINT, then SIGTERM (SIGBREAK on Windows) 7.5 s later. While a create is in
 * flight we hold on so its key is recorded for the post step; at any other moment
 * the ledger already says all the post step needs, so we stop at once.
 */
const CANCEL_SIGNALS: NodeJS.Signals[] = ['SIGINT', 'SIGTERM', 'SIGBREAK'];

class CancellationGuard {
  cancelled = false;
  private inFlight = 0;
  private readonly onSignal = (signal: NodeJS.Signals) => {
    if (this.inFlight === 0 || this.cancelled) {
      fail(`Cancelled (${signal}).`);
      process.exit(1);
    }
    this.cancelled = true;
    info(`Received ${signal} while a key was being created; waiting for the answer so the post step can revoke that key.`);
  };

  constructor() {
    for (const signal of CANCEL_SIGNALS) process.on(signal, this.onSignal);
  }

  /** In flight from before the request starts, so that no answer can come before the guard knows of it. */
  async around<T>(work: () => Promise<T>): Promise<T> {
    this.inFlight++;
    try {
      return await work();
    } finally {
      this.inFlight--;
    }
  }

  release(): void {
    for (const signal of CANCEL_SIGNALS) process.off(signal, this.onSignal);
  }
}
