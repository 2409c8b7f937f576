/**
 * Seeded chaos over the emulator: a generated schedule of faults on the key routes and,
 * perhaps, a cancel, played against the built action as the runner runs it; then the
 * invariants that must hold whatever happened. `chaos.test.ts` runs a few cases;
 * `npm run chaos -- --runs 500` runs many.
 */
import type { ChildProcess } from 'node:child_process';
import fc from 'fast-check';
import { type Annotation, renderLog, runStep, type StepOptions, type StepResult } from '../../emulator/fake-runner.ts';
import { type Fault, type StoredKey, VeniceEmulator } from '../../emulator/venice-emulator.ts';
import { isOurs, keyName, parseKeyName } from '../../src/lifecycle/naming.ts';
import { COMMIT_GRACE_MS } from '../../src/lifecycle/settle.ts';
import { assertNoKeyLeaked } from '../helpers/leaks.ts';

export const RUN = { repository: 'octo-org/octo-repo', runId: '1234567890', runAttempt: '1' };
const TIMEOUT_MS = 2_000;
const HANDOFF_SECRET = 'chaos-handoff-secret-of-32-chars-at-least';

export type Route = 'create' | 'list' | 'get' | 'delete';
export type ChaosFault =
  /** Venice fails: a 5xx answer. */
  | { kind: 'error'; status: 500 | 502 | 503 | 504 }
  /** Venice's creation limit: a 429 with the moment the window resets. */
  | { kind: 'rate-limited'; resetInSeconds: number }
  /** The connection is reset before the request is handled. */
  | { kind: 'reset' }
  /** The request is handled (a create makes its key, a delete deletes), the answer is lost. */
  | { kind: 'answer-lost' }
  /** Handled after a delay: past `timeout`, a commit that lands, or an answer that comes, after the client gave up. */
  | { kind: 'late'; delayMs: number }
  /** Never answered, never handled. */
  | { kind: 'hang' };

export interface ScheduledFault {
  route: Route;
  fault: ChaosFault;
}

/** SIGINT to the main step once the emulator has received `afterRequests` requests, `delayMs` later. */
export interface Cancel {
  afterRequests: number;
  delayMs: number;
}

export interface ChaosCase {
  maxAttempts: number;
  faults: ScheduledFault[];
  cancel: Cancel | null;
}

const ROUTES: Record<Route, { method: string; path?: string; pathPattern?: RegExp }> = {
  create: { method: 'POST', path: '/api_keys' },
  list: { method: 'GET', path: '/api_keys' },
  get: { method: 'GET', pathPattern: /^\/api_keys\/(?!rate_limits$)[^/]+$/ },
  delete: { method: 'DELETE', path: '/api_keys' },
};

const fault: fc.Arbitrary<ChaosFault> = fc.oneof(
  fc.record({ kind: fc.constant('error' as const), status: fc.constantFrom(500 as const, 502 as const, 503 as const, 504 as const) }),
  fc.record({ kind: fc.constant('rate-limited' as const), resetInSeconds: fc.integer({ min: 0, max: 3 }) }),
  fc.constant({ kind: 'reset' as const }),
  fc.constant({ kind: 'answer-lost' as const }),
  // Mostly past the client's timeout; up to past the post step's look-again window (timeout + 5 s).
  fc.record({ kind: fc.constant('late' as const), delayMs: fc.integer({ min: 200, max: TIMEOUT_MS + COMMIT_GRACE_MS + 1_500 }) }),
  fc.constant({ kind: 'hang' as const }),
);

export const chaosCase: fc.Arbitrary<ChaosCase> = fc.record({
  maxAttempts: fc.integer({ min: 2, max: 3 }),
  faults: fc.array(
    fc.record({
      route: fc.oneof(
        { arbitrary: fc.constant('create' as const), weight: 3 },
        { arbitrary: fc.constant('list' as const), weight: 2 },
        { arbitrary: fc.constant('get' as const), weight: 1 },
        { arbitrary: fc.constant('delete' as const), weight: 2 },
      ),
      fault,
    }),
    { maxLength: 5 },
  ),
  cancel: fc.option(fc.record({ afterRequests: fc.integer({ min: 0, max: 3 }), delayMs: fc.integer({ min: 0, max: 1_500 }) }), {
    nil: null,
  }),
});

function emulatorFault(scheduled: ChaosFault): Fault {
  switch (scheduled.kind) {
    case 'error':
      return { status: scheduled.status };
    case 'rate-limited': {
      const reset = Math.ceil(Date.now() / 1_000) + scheduled.resetInSeconds;
      return {
        status: 429,
        headers: { 'x-ratelimit-limit-requests': '20', 'x-ratelimit-remaining-requests': '0', 'x-ratelimit-reset-requests': String(reset) },
      };
    }
    case 'reset':
      return { drop: 'before' };
    case 'answer-lost':
      return { drop: 'after' };
    case 'late':
      return { delayMs: scheduled.delayMs };
    case 'hang':
      return { hang: true };
  }
}

/** How long a step may take, with generous room for a busy machine: every fault costs at most a timeout and a wait. */
function boundMs(chaos: ChaosCase, step: 'main' | 'post' | 'receive' | 'revoke'): number {
  const perFault = TIMEOUT_MS + 4_000; // one attempt, and the longest backoff or 429 wait the schedule can ask for
  const base = 10_000 + (2 + 3 * chaos.faults.length) * perFault;
  return step === 'post' ? base + TIMEOUT_MS + COMMIT_GRACE_MS : step === 'receive' ? 10_000 : base;
}

/** What a case saw; a violated invariant is a thrown Error naming it, with the logs. */
export interface Outcome {
  steps: Record<string, StepResult>;
}

interface Played {
  name: string;
  result: StepResult;
  annotations: Annotation[];
}

class Violation extends Error {}

const DECOYS = (emulator: VeniceEmulator): StoredKey[] => [
  // An ADMIN key carrying exactly a name of this run: never ours.
  emulator.addKey({ apiKeyType: 'ADMIN', description: keyName(RUN, 'run', 'adm1n000') }),
  emulator.addKey({ apiKeyType: 'INFERENCE', description: keyName({ ...RUN, repository: 'octo-org/another-repo' }, 'run', 'f0re1gn0') }),
  emulator.addKey({ apiKeyType: 'INFERENCE', description: keyName({ ...RUN, runId: '1234567891' }, 'run', '0therrun') }),
  emulator.addKey({ apiKeyType: 'INFERENCE', description: keyName({ ...RUN, runId: '1234567891' }, 'job', '0therjob') }),
  emulator.addKey({ apiKeyType: 'INFERENCE', description: 'production inference key' }),
];

/** Plays one case through `flow` and checks every invariant. */
export async function play(flow: 'job' | 'handoff', chaos: ChaosCase): Promise<Outcome> {
  const emulator = await new VeniceEmulator().start();
  const played: Played[] = [];
  try {
    const decoys = [...DECOYS(emulator), ...emulator.activeKeys().filter((key) => key.description.startsWith('Seeded'))];
    for (const { route, fault } of chaos.faults) emulator.inject(emulatorFault(fault), { ...ROUTES[route], times: 1 });
    const connection = {
      'base-url': emulator.url,
      'admin-key': emulator.adminKey,
      timeout: `${TIMEOUT_MS / 1_000}s`,
      'max-attempts': String(chaos.maxAttempts),
    };
    const mintInputs = flow === 'job' ? { ...connection, ttl: '30m' } : { ...connection, ttl: '30m', 'handoff-secret': HANDOFF_SECRET };

    const step = async (name: string, kind: 'main' | 'post', options: StepOptions, bound: number, cancel?: Cancel | null) => {
      let overran = false;
      const result = await runStep(kind, {
        ...options,
        onSpawn: (child: ChildProcess) => {
          const timer = setTimeout(() => {
            overran = true;
            child.kill('SIGKILL');
          }, bound);
          child.on('close', () => clearTimeout(timer));
          if (cancel) void sendCancel(emulator, child, cancel);
        },
      });
      const entry = { name, result, annotations: renderLog(result.stdout, { debug: true }).annotations };
      played.push(entry);
      if (overran) throw new Violation(`${name} did not end by itself within ${bound} ms`);
      return entry;
    };

    // The minting job: main (perhaps cancelled), then its post step with main's state.
    const main = await step('main', 'main', { inputs: mintInputs, env: { GITHUB_JOB: 'mint' } }, boundMs(chaos, 'main'), chaos.cancel);
    checkMain(main, emulator, chaos.cancel !== null);
    const minted = main.result.code === 0 ? (main.result.outputs['key-id'] as string) : undefined;
    const post = await step(
      'post',
      'post',
      { inputs: mintInputs, state: main.result.state, env: { GITHUB_JOB: 'mint' } },
      boundMs(chaos, 'post'),
    );
    checkFailureSaysWhy(post);

    if (flow === 'handoff') {
      if (minted && !emulator.activeKeys().some((key) => key.id === minted)) {
        throw new Violation(`the minting job's post step deleted the run's key ${minted}, which later jobs need`);
      }
      if (minted) {
        const before = emulator.received;
        const receive = await step(
          'receive',
          'main',
          {
            inputs: { mode: 'receive', handoff: main.result.outputs.handoff as string, 'handoff-secret': HANDOFF_SECRET },
            env: { GITHUB_JOB: 'leg' },
          },
          boundMs(chaos, 'receive'),
        );
        if (emulator.received !== before) throw new Violation(`receive sent ${emulator.received - before} request(s)`);
        if (
          receive.result.code !== 0 ||
          receive.result.outputs['key-id'] !== minted ||
          receive.result.outputs['api-key'] !== main.result.outputs['api-key']
        ) {
          throw new Violation('receive did not hand over the key the minting job made');
        }
      }
      const revoke = await step(
        'revoke',
        'main',
        { inputs: { ...connection, mode: 'revoke' }, env: { GITHUB_JOB: 'cleanup' } },
        boundMs(chaos, 'revoke'),
      );
      checkFailureSaysWhy(revoke);
    }

    // Commits that land late land now (or never, for a hang); then what is left must be named.
    await settled(emulator);
    const secrets = [...new Set([...emulator.made.map((key) => key.secret), emulator.adminKey])];
    for (const { result } of played) assertNoKeyLeaked(result, secrets);
    const gone = decoys.filter((decoy) => !emulator.activeKeys().some((key) => key.id === decoy.id));
    if (gone.length > 0)
      throw new Violation(
        `keys that are not this run's were deleted: ${gone.map((key) => `${key.apiKeyType} "${key.description}"`).join(', ')}`,
      );

    const revokeFailed = flow === 'handoff' && played.some(({ name, result }) => name === 'revoke' && result.code !== 0);
    for (const key of emulator.activeKeys().filter((candidate) => isOurs(candidate, RUN, 'run'))) {
      const name = parseKeyName(key.description);
      const stem = name ? `venice-key:${name.repoTag}:${name.runId}.${name.runAttempt}:${name.scope}:${name.nonce}` : key.description;
      const named = played.some(({ annotations }) =>
        annotations.some((a) => (a.kind === 'warning' || a.kind === 'error') && (a.message.includes(key.id) || a.message.includes(stem))),
      );
      if (named) continue;
      // A final revoke that failed says so in an ::error::; running it again deletes the run's keys.
      if (revokeFailed && name?.scope === 'run') continue;
      throw new Violation(`key ${key.id} "${key.description}" is left, and no warning or error names it`);
    }
    return { steps: Object.fromEntries(played.map(({ name, result }) => [name, result])) };
  } catch (error) {
    if (error instanceof Error) error.message = `${error.message}\n${transcript(played, emulator)}`;
    throw error;
  } finally {
    emulator.clearFaults();
    await emulator.stop();
  }
}

/** main exits 0 only with a key that exists now, is the one its outputs name, and is this run's. */
function checkMain(main: Played, emulator: VeniceEmulator, cancelled: boolean): void {
  const { result } = main;
  if (result.code === 0) {
    const id = result.outputs['key-id'];
    const key = emulator.activeKeys().find((candidate) => candidate.id === id);
    if (!key) throw new Violation(`main exited 0 with key-id ${id}, which Venice does not hold`);
    if (key.secret !== result.outputs['api-key']) throw new Violation(`main's api-key output is not the secret of key ${id}`);
    if (!isOurs(key, RUN, 'run')) throw new Violation(`main exited 0 with key ${id}, which is not named for this run`);
    return;
  }
  // Node's own SIGINT handling ends a step that was cancelled before the action listened for it.
  if (cancelled && result.code === null && result.signal === 'SIGINT') return;
  checkFailureSaysWhy(main);
}

function checkFailureSaysWhy({ name, result, annotations }: Played): void {
  if (result.code === 0) return;
  if (!annotations.some((annotation) => annotation.kind === 'error' && annotation.message.trim() !== '')) {
    throw new Violation(`${name} failed (code ${result.code}, signal ${result.signal}) without an ::error:: saying why`);
  }
}

async function sendCancel(emulator: VeniceEmulator, child: ChildProcess, cancel: Cancel): Promise<void> {
  while (emulator.received < cancel.afterRequests && child.exitCode === null && child.signalCode === null) {
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  await new Promise((resolve) => setTimeout(resolve, cancel.delayMs));
  if (child.exitCode === null && child.signalCode === null) child.kill('SIGINT');
}

/** Waits until every request still being handled (a late commit) has ended. */
async function settled(emulator: VeniceEmulator): Promise<void> {
  const deadline = Date.now() + TIMEOUT_MS + COMMIT_GRACE_MS + 5_000;
  while (emulator.pending > 0 && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 20));
}

function transcript(played: Played[], emulator: VeniceEmulator): string {
  const steps = played.map(
    ({ name, result }) =>
      `--- ${name}: code ${result.code}, signal ${result.signal}\n${result.stdout}${result.stderr ? `\n[stderr]\n${result.stderr}` : ''}`,
  );
  return [`--- requests:\n${emulator.calls().join('\n')}`, ...steps].join('\n');
}
