/**
 * Cleaning up after a workflow, end to end: the built action (dist/) run as the runner
 * runs it, against the Venice emulator and the GitHub API stand-in.
 *
 * - A workflow of three jobs, one a three-leg matrix (and a re-run of one leg), each
 *   minting with `revoke: false`, then a final `mode: revoke` job: it leaves no key of
 *   this run and every key of anything else, and reports what the keys spent.
 * - `mode: prune` with runs in every state, with the GitHub API failing, with a wrong
 *   token and with none.
 * - What a job's key spent, in the post step that revokes it.
 * Every step's stderr is empty and no step prints a key (checked after each test).
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { renderLog, runStep, type StepOptions, type StepResult } from '../../emulator/fake-runner.ts';
import { GitHubApiEmulator, type RunStatus } from '../../emulator/github-api.ts';
import { type KeyType, VeniceEmulator } from '../../emulator/venice-emulator.ts';
import { keyName, repoTag, type Scope } from '../../src/lifecycle/naming.ts';
import { assertNoKeyLeaked } from '../helpers/leaks.ts';
import { RUN } from '../helpers/ledger.ts';

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;
const RUNS_URL = 'https://github.com/octo-org/octo-repo/actions/runs';
const SPEND_NOTE = 'Spend is what Venice reports for each key over the trailing seven days';
const HANDOFF_SECRET = 'a-long-random-handoff-secret-for-this-test-0123456789';

let emulator: VeniceEmulator;
let github: GitHubApiEmulator | undefined;
/** Every step a test ran, and every secret that exists in it: checked after each test. */
const steps: StepResult[] = [];
const secrets = new Set<string>();

beforeEach(async () => {
  emulator = await new VeniceEmulator().start();
  secrets.add(emulator.adminKey).add(emulator.inferenceKey);
});

afterEach(async () => {
  try {
    for (const result of steps) {
      expect(result.stderr).toBe('');
      assertNoKeyLeaked(result, [...secrets]);
    }
  } finally {
    steps.length = 0;
    secrets.clear();
    await emulator.stop();
    await github?.stop();
    github = undefined;
  }
});

async function startGitHub(runs: Record<string, RunStatus> = {}): Promise<GitHubApiEmulator> {
  github = await new GitHubApiEmulator().start();
  for (const [runId, status] of Object.entries(runs)) github.setRun(runId, status);
  secrets.add(github.token);
  return github;
}

/** One step, recorded for the after-test checks; a key it mints joins the secrets. */
async function step(kind: 'main' | 'post', options: StepOptions): Promise<StepResult> {
  const result = await runStep(kind, options);
  steps.push(result);
  if (result.outputs['api-key']) secrets.add(result.outputs['api-key']);
  return result;
}

/** A job with one step of this action: main, then post with main's state. */
async function job(name: string, inputs: Record<string, string>, env: Record<string, string> = {}) {
  const jobEnv = { GITHUB_JOB: name, ...env };
  const main = await step('main', { inputs, env: jobEnv });
  const post = await step('post', { inputs, state: main.state, env: jobEnv });
  return { main, post };
}

/** A job run to its main step only: its post step would repeat one this file runs already. */
async function mainOnly(name: string, inputs: Record<string, string>, env: Record<string, string> = {}) {
  return { main: await step('main', { inputs, env: { GITHUB_JOB: name, ...env } }) };
}

const connection = () => ({ 'base-url': emulator.url, 'admin-key': emulator.adminKey });
const keeping = (description: string) => ({ ...connection(), revoke: 'false', description });

/** A key as an earlier run (or someone else) left it, `age` old. */
function seed(description: string, age = 0, apiKeyType: KeyType = 'INFERENCE') {
  const key = emulator.addKey({ apiKeyType, description, createdAt: new Date(Date.now() - age).toISOString() });
  secrets.add(key.secret);
  return key;
}
const ourName = (runId: string, scope: Scope, nonce: string, repository = RUN.repository) =>
  keyName({ repository, runId, runAttempt: '1' }, scope, nonce, 'seeded');

const ids = (keys: readonly { id: string }[]) => keys.map((key) => key.id).sort();
const deletedIds = (from = 0) =>
  emulator.log
    .slice(from)
    .filter((entry) => entry.method === 'DELETE')
    .map((entry) => new URLSearchParams(entry.query).get('id') as string)
    .sort();
const warnings = (result: StepResult) => renderLog(result.stdout).annotations.filter((annotation) => annotation.kind === 'warning');

/** The summary's table rows (not the header), each cell as HTML. */
function rows(summary: string): string[][] {
  return [...summary.matchAll(/<tr>(.*?)<\/tr>/g)]
    .map(([, row]) => [...(row as string).matchAll(/<td>(.*?)<\/td>/g)].map(([, cell]) => cell as string))
    .filter((cells) => cells.length > 0);
}
/** A cell as the reader sees it: tags dropped, character references decoded. */
const text = (html: string) => html.replace(/<[^>]*>/g, '').replace(/&#(\d+);/g, (_, code: string) => String.fromCharCode(Number(code)));
function rowOf(summary: string, id: string): string[] {
  const found = rows(summary).filter((cells) => cells[0] === id);
  expect(found, `one summary row for key ${id}`).toHaveLength(1);
  return found[0] as string[];
}
const runLink = (runId: string, attempt = '1') => `<a href="${RUNS_URL}/${runId}">${runId}.${attempt}</a>`;

describe('a workflow run, then a final mode: revoke job', () => {
  it('deletes every key this run minted (any job, leg, attempt or scope) and nothing else, and reports what they spent', async () => {
    // Job "a": a key it keeps, and a key handed to the run's later jobs.
    const a = await job('a', keeping('job a'));
    const handoff = await job('a', { ...connection(), 'handoff-secret': HANDOFF_SECRET, description: 'for later jobs' });
    // Job "b", and a matrix "test" of three legs: their post steps would be job a's again.
    const b = await mainOnly('b', keeping('job b'));
    const legs = [];
    for (const leg of [1, 2, 3]) legs.push(await mainOnly('test', keeping(`leg ${leg}`)));
    // Leg 2 failed and was re-run: attempt 2 of the same run.
    const rerun = await mainOnly('test', keeping('leg 2'), { GITHUB_RUN_ATTEMPT: '2' });
    const workflow = [a, handoff, b, ...legs, rerun];
    for (const { main } of workflow) expect(main.code).toBe(0);
    for (const { post } of [a, handoff]) {
      expect(post.code).toBe(0);
      expect(post.stdout).toBe('');
    }
    // Minting is one POST a job; no post step sends anything (none of these keys is the job's to end).
    expect(emulator.calls()).toEqual(Array(workflow.length).fill('POST /api_keys 200'));
    // A job killed before its post step ran left its job-scoped key behind.
    const orphan = seed(keyName(RUN, 'job', 'orphan01', 'killed job'), 10 * MINUTE);
    const thisRun = [...workflow.map(({ main }) => main.outputs['key-id'] as string), orphan.id];
    expect(new Set(thisRun).size).toBe(8);

    // What is not this run's: another run of this repository, another repository's run with
    // the same id, a hand-made key, one that imitates the name, and an ADMIN key named like ours.
    const otherRun = await mainOnly('a', keeping('job a'), { GITHUB_RUN_ID: '999' });
    const otherRepo = await mainOnly('a', keeping('job a'), { GITHUB_REPOSITORY: 'octo-org/other-repo' });
    const handMade = seed('my laptop');
    const imitation = seed(`venice-key:${repoTag(RUN.repository)}:1234567890.1:keep`);
    const admin = seed(keyName(RUN, 'keep', 'admin001'), 0, 'ADMIN');
    const others = [
      otherRun.main.outputs['key-id'] as string,
      otherRepo.main.outputs['key-id'] as string,
      handMade.id,
      imitation.id,
      admin.id,
    ];

    // Spending, this run's and others'.
    const [aKey, handoffKey, , leg1Key, , , rerunKey] = thisRun as [string, string, string, string, string, string, string, string];
    emulator.charge(aKey, { usd: 0.1, diem: 0.25 });
    emulator.charge(leg1Key, { usd: 0.2 });
    emulator.charge(rerunKey, { usd: 0.0004, diem: 1.5 });
    emulator.charge(handoffKey, { usd: 0.05 });
    emulator.charge(others[0] as string, { usd: 7, diem: 7 });
    emulator.charge(others[1] as string, { usd: 9 });
    emulator.charge(handMade.id, { usd: 3 });
    const lastUsed = (id: string) => emulator.activeKeys().find((key) => key.id === id)?.lastUsedAt;
    const aLastUsed = lastUsed(aKey);
    const aName = emulator.activeKeys().find((key) => key.id === aKey)?.description;
    expect(aName).toMatch(new RegExp(`^venice-key:${repoTag(RUN.repository)}:1234567890\\.1:keep:[0-9a-z]{8} job a$`));

    // The final job runs in attempt 2 (the run was re-run).
    const from = emulator.log.length;
    const final = await job('cleanup', { ...connection(), mode: 'revoke' }, { GITHUB_RUN_ATTEMPT: '2' });
    expect(final.main.code).toBe(0);
    expect(final.main.outputs).toMatchObject({ revoked: '8', 'spent-usd': '0.3504', 'spent-diem': '1.75', 'rate-limited': '0' });
    expect(final.main.stdout).toContain('Run 1234567890 minted 8 key(s) that are still active.');
    expect(final.main.stdout).toContain('Revoked 8 key(s); they spent 0.3504 USD and 1.75 DIEM.');
    expect(final.main.stdout).toContain(`Deleted key ${aKey} (it spent 0.1 USD and 0.25 DIEM).`);
    expect(warnings(final.main)).toEqual([]);
    // Spend comes from the one list: no request per key but its DELETE; then the rate-limit log, once.
    expect(emulator.calls(from)).toEqual([
      'GET /api_keys 200',
      ...Array(8).fill('DELETE /api_keys 200'),
      'GET /api_keys/rate_limits/log 200',
    ]);
    expect(deletedIds(from)).toEqual([...thisRun].sort());
    expect(final.post.code).toBe(0);
    expect(final.post.stdout).toBe('');

    // No key of this run is left; every other key is.
    expect(ids(emulator.mintedKeys())).toEqual([...others].sort());
    const stillThere = emulator.activeKeys().map((key) => key.secret);
    expect(stillThere).toContain(emulator.adminKey);
    expect(stillThere).toContain(emulator.inferenceKey);

    // The summary: each key, its run (a link), what it spent, when last used, what became of it.
    const summary = final.main.summary;
    expect(summary).toContain('Venice keys of run 1234567890 revoked');
    expect(summary).toContain(SPEND_NOTE);
    expect(rows(summary)).toHaveLength(8);
    for (const id of thisRun) {
      const row = rowOf(summary, id);
      expect(row).toHaveLength(7);
      expect(row[2]).toBe(runLink('1234567890', id === rerunKey ? '2' : '1'));
      expect(row[6]).toBe('deleted');
    }
    expect(rowOf(summary, aKey).map(text)).toEqual([aKey, aName, '1234567890.1', '0.1', '0.25', aLastUsed, 'deleted']);
    expect(rowOf(summary, rerunKey).slice(3, 5)).toEqual(['0.0004', '1.5']);
    expect(rowOf(summary, leg1Key).slice(3, 5)).toEqual(['0.2', '0']);
    expect(rowOf(summary, handoffKey).slice(3, 5)).toEqual(['0.05', '0']);
    expect(rowOf(summary, orphan.id).slice(3, 6)).toEqual(['0', '0', 'never']);
    for (const id of others) expect(summary).not.toContain(id);

    // Again: nothing of this run is left, so one list and no DELETE.
    const again = emulator.log.length;
    const second = await mainOnly('cleanup', { ...connection(), mode: 'revoke' });
    expect(second.main.code).toBe(0);
    expect(second.main.outputs).toMatchObject({ revoked: '0', 'spent-usd': '0', 'spent-diem': '0', 'rate-limited': '0' });
    // Nothing deleted, so no limits to look up either.
    expect(emulator.calls(again)).toEqual(['GET /api_keys 200']);
    expect(ids(emulator.mintedKeys())).toEqual([...others].sort());

    // The other run's own final job deletes its key, and only that.
    const theirs = emulator.log.length;
    const otherFinal = await mainOnly('cleanup', { ...connection(), mode: 'revoke' }, { GITHUB_RUN_ID: '999' });
    expect(otherFinal.main.code).toBe(0);
    expect(otherFinal.main.outputs).toMatchObject({ revoked: '1', 'spent-usd': '7', 'spent-diem': '7' });
    expect(deletedIds(theirs)).toEqual([others[0]]);
    expect(rowOf(otherFinal.main.summary, others[0] as string)[2]).toBe(runLink('999'));
  });
});

describe('mode: prune', () => {
  it('with a token: deletes the keys of finished runs whatever their age, keeps those of running ones, and judges the rest by age', async () => {
    const gh = await startGitHub({ '111': 'completed', '222': 'in_progress', '333': 'queued', '1234567890': 'in_progress' });
    // Run 111 has finished.
    const doneFresh = seed(ourName('111', 'job', 'done0001'), MINUTE);
    const doneOld = seed(ourName('111', 'run', 'done0002'), 3 * DAY);
    const doneKeepFresh = seed(ourName('111', 'keep', 'done0003'), MINUTE);
    // Runs 222 (in progress) and 333 (queued) have not.
    const activeOld = seed(ourName('222', 'job', 'actv0001'), 2 * DAY);
    const activeKeepOld = seed(ourName('222', 'keep', 'actv0002'), 7 * HOUR);
    const queuedOld = seed(ourName('333', 'run', 'queu0001'), 10 * HOUR);
    // GitHub knows nothing of runs 444 and 555 (deleted, or past retention).
    const goneOld = seed(ourName('444', 'job', 'gone0001'), 7 * HOUR);
    const goneFresh = seed(ourName('555', 'job', 'gone0002'), HOUR);
    // Run 666 left only a key minted with revoke: false: nobody asks GitHub about it.
    const keepOnly = seed(ourName('666', 'keep', 'keep0001'), 7 * HOUR);
    // This very run (in progress) minted a key a moment ago.
    const current = await step('main', { inputs: connection(), env: { GITHUB_JOB: 'build' } });
    expect(current.code).toBe(0);
    const currentId = current.outputs['key-id'] as string;
    // Never prune's: another repository's key of a finished run, an ADMIN key named like ours, a hand-made key.
    const otherRepo = seed(ourName('111', 'job', 'othr0001', 'octo-org/other-repo'), 3 * DAY);
    const admin = seed(ourName('111', 'job', 'admn0001'), 3 * DAY, 'ADMIN');
    const handMade = seed('my laptop', 3 * DAY);

    emulator.charge(doneFresh.id, { usd: 0.5, diem: 2 });
    emulator.charge(doneOld.id, { usd: 0.25 });
    emulator.charge(activeKeepOld.id, { diem: 0.5 });
    emulator.charge(activeOld.id, { usd: 1, diem: 1 });
    emulator.charge(otherRepo.id, { usd: 4 });
    const doneFreshUsed = emulator.activeKeys().find((key) => key.id === doneFresh.id)?.lastUsedAt;

    const ours = [doneFresh, doneOld, doneKeepFresh, activeOld, activeKeepOld, queuedOld, goneOld, goneFresh, keepOnly].map((k) => k.id);
    ours.push(currentId);
    const removed = ids([doneFresh, doneOld, activeKeepOld, goneOld, keepOnly]);
    const before = ids(emulator.mintedKeys());
    const asked = ['111', '222', '333', '444', '555', '1234567890'].map((id) => `GET /repos/octo-org/octo-repo/actions/runs/${id}`).sort();
    const inputs = { ...connection(), mode: 'prune', 'github-token': gh.token };
    const env = { GITHUB_API_URL: gh.url, GITHUB_JOB: 'prune' };

    // A dry run deletes nothing, and says what a real one would.
    let from = emulator.log.length;
    const dry = await step('main', { inputs: { ...inputs, 'dry-run': 'true' }, env });
    expect(dry.code).toBe(0);
    expect(dry.outputs.revoked).toBe('5');
    expect(emulator.calls(from)).toEqual(['GET /api_keys 200']);
    expect(ids(emulator.mintedKeys())).toEqual(before);
    expect(text(dry.summary)).toContain('Venice keys to prune (dry run)');
    expect(text(rowOf(dry.summary, doneFresh.id)[4] as string)).toBe('would delete: its run 111 has finished');
    expect(text(rowOf(dry.summary, activeOld.id)[4] as string)).toBe('kept: its run 222 is still in progress');
    expect(dry.stdout).toContain(`Would delete ${doneFresh.id}: its run 111 has finished.`);
    expect(dry.stdout).toContain('Dry run: 5 of 10 key(s) this action minted for this repository would be deleted; nothing was deleted.');
    expect(warnings(dry)).toEqual([]);
    // One question per distinct run id, none for a run that left only keep-scoped keys.
    expect(gh.log.map((entry) => `${entry.method} ${entry.path}`).sort()).toEqual(asked);

    from = emulator.log.length;
    const asks = gh.log.length;
    const result = await step('main', { inputs, env });
    expect(result.code).toBe(0);
    expect(warnings(result)).toEqual([]);
    expect(result.outputs).toMatchObject({ revoked: '5', 'spent-usd': '0.75', 'spent-diem': '2.5' });
    expect(
      gh.log
        .slice(asks)
        .map((entry) => `${entry.method} ${entry.path}`)
        .sort(),
    ).toEqual(asked);
    expect(gh.log.every((entry) => entry.status === (/\/(444|555)$/.test(entry.path) ? 404 : 200))).toBe(true);
    expect(emulator.calls(from)).toEqual(['GET /api_keys 200', ...Array(5).fill('DELETE /api_keys 200')]);
    expect(deletedIds(from)).toEqual(removed);
    expect(ids(emulator.mintedKeys())).toEqual(before.filter((id) => !removed.includes(id)));
    for (const untouched of [otherRepo, admin, handMade]) expect(ids(emulator.mintedKeys())).toContain(untouched.id);
    expect(result.stdout).toContain(`Deleting ${doneFresh.id}: its run 111 has finished.`);
    expect(result.stdout).toContain(`Keeping ${activeOld.id}: its run 222 is still in progress.`);
    expect(result.stdout).toContain('Pruned 5 of 10 key(s) this action minted for this repository; they spent 0.75 USD and 2.5 DIEM.');

    // The summary: each of this repository's keys with its run, age, decision and reason, and spend.
    const summary = result.summary;
    expect(summary).toContain('Venice keys pruned');
    expect(summary).toContain(SPEND_NOTE);
    expect(
      rows(summary)
        .map(([id]) => id)
        .sort(),
    ).toEqual([...ours].sort());
    const decision = (id: string) => text(rowOf(summary, id)[4] as string);
    expect(decision(doneFresh.id)).toBe('deleted: its run 111 has finished');
    expect(decision(doneOld.id)).toBe('deleted: its run 111 has finished');
    expect(decision(doneKeepFresh.id)).toBe('kept: minted with revoke: false, so judged by age; not older than 6h');
    expect(decision(activeOld.id)).toBe('kept: its run 222 is still in progress');
    expect(decision(activeKeepOld.id)).toBe('deleted: minted with revoke: false, so judged by age; older than 6h');
    expect(decision(queuedOld.id)).toBe('kept: its run 333 is still in progress');
    expect(decision(goneOld.id)).toBe('deleted: its run 444 was not found; older than 6h');
    expect(decision(goneFresh.id)).toBe('kept: its run 555 was not found; not older than 6h');
    expect(decision(keepOnly.id)).toBe('deleted: minted with revoke: false, so judged by age; older than 6h');
    expect(decision(currentId)).toBe('kept: its run 1234567890 is still in progress');
    const row = rowOf(summary, doneFresh.id);
    expect(row[1]).toBe(ourName('111', 'job', 'done0001'));
    expect(row[2]).toBe(runLink('111'));
    expect(row[3]).toMatch(/^1m( \d+s)?$/);
    expect(row.slice(5)).toEqual(['0.5', '2', doneFreshUsed]);
    expect(rowOf(summary, activeOld.id)[3]).toMatch(/^2d( \d+s)?$/);
    expect(rowOf(summary, activeOld.id).slice(5, 7)).toEqual(['1', '1']);
    expect(rowOf(summary, goneFresh.id).slice(5)).toEqual(['0', '0', 'never']);
    for (const untouched of [otherRepo, admin, handMade]) expect(summary).not.toContain(untouched.id);
  });

  describe('when GitHub cannot say which runs have finished, it warns once and decides by age', () => {
    /** Keys that the age rule and the run rule judge differently. */
    function seedDisagreeing() {
      return {
        doneFresh: seed(ourName('111', 'job', 'done0001'), MINUTE), // run finished, but young: kept
        activeOld: seed(ourName('222', 'job', 'actv0001'), 2 * DAY), // run in progress, but old: deleted
        goneOld: seed(ourName('444', 'run', 'gone0001'), 7 * HOUR), // older than 6h: deleted
        keepFresh: seed(ourName('222', 'keep', 'keep0001'), 2 * HOUR), // younger than 6h: kept
        otherRepo: seed(ourName('222', 'job', 'othr0001', 'octo-org/other-repo'), 3 * DAY),
        admin: seed(ourName('222', 'job', 'admn0001'), 3 * DAY, 'ADMIN'),
        handMade: seed('my laptop', 3 * DAY),
      };
    }

    async function pruneFallingBack(inputs: Record<string, string>, gh: GitHubApiEmulator, reason: string) {
      const keys = seedDisagreeing();
      emulator.charge(keys.activeOld.id, { usd: 0.3, diem: 0.1 });
      const from = emulator.log.length;
      const result = await step('main', { inputs: { ...connection(), mode: 'prune', ...inputs }, env: { GITHUB_API_URL: gh.url } });
      expect(result.code).toBe(0);
      const [warning, ...more] = warnings(result);
      expect(more).toEqual([]);
      expect(warning?.message).toMatch(/^Deciding by age alone \(older-than 6h\): /);
      expect(warning?.message).toContain(reason);
      expect(result.outputs).toMatchObject({ revoked: '2', 'spent-usd': '0.3', 'spent-diem': '0.1' });
      expect(emulator.calls(from)).toEqual(['GET /api_keys 200', 'DELETE /api_keys 200', 'DELETE /api_keys 200']);
      expect(deletedIds(from)).toEqual(ids([keys.activeOld, keys.goneOld]));
      expect(ids(emulator.mintedKeys())).toEqual(ids([keys.doneFresh, keys.keepFresh, keys.otherRepo, keys.admin, keys.handMade]));
      const decision = (id: string) => text(rowOf(result.summary, id)[4] as string);
      expect(decision(keys.doneFresh.id)).toBe('kept: run states unknown; not older than 6h');
      expect(decision(keys.activeOld.id)).toBe('deleted: run states unknown; older than 6h');
      expect(decision(keys.goneOld.id)).toBe('deleted: run states unknown; older than 6h');
      expect(decision(keys.keepFresh.id)).toBe('kept: minted with revoke: false, so judged by age; not older than 6h');
      expect(rows(result.summary)).toHaveLength(4);
      return result;
    }

    it('the API answers 500: one request, then the age rule', async () => {
      const gh = await startGitHub({ '111': 'completed', '222': 'in_progress' });
      gh.failWith = 500;
      await pruneFallingBack({ 'github-token': gh.token }, gh, 'it answered 500');
      // It stops asking once the API has failed.
      expect(gh.log.map((entry) => entry.status)).toEqual([500]);
    });

    it('a wrong token (401): the age rule, and the token is never printed', async () => {
      const gh = await startGitHub({ '111': 'completed', '222': 'in_progress' });
      const wrong = 'ghs_notTheTokenGitHubGaveThisJob0123';
      secrets.add(wrong);
      const result = await pruneFallingBack({ 'github-token': wrong }, gh, 'it answered 401');
      expect(gh.log.map((entry) => entry.status)).toEqual([401]);
      expect(result.stdout).toContain(`::add-mask::${wrong}`);
    });

    it('no github-token at all: the age rule, and GitHub is not asked', async () => {
      const gh = await startGitHub({ '111': 'completed', '222': 'in_progress' });
      await pruneFallingBack({}, gh, "no 'github-token' was given");
      expect(gh.log).toEqual([]);
    });

    it('the API finds none of the runs (404 to a token that may not read them): the age rule, with one warning', async () => {
      const gh = await startGitHub();
      await pruneFallingBack({ 'github-token': gh.token }, gh, 'found none of the 3 run(s) asked about');
      expect(gh.log.map((entry) => entry.status)).toEqual([404, 404, 404]);
    });

    it('older-than moves the line; and with only keep-scoped keys nothing needs GitHub, so no warning', async () => {
      const gh = await startGitHub();
      const young = seed(ourName('222', 'keep', 'keep0001'), 20 * HOUR);
      const old = seed(ourName('222', 'keep', 'keep0002'), 2 * DAY);
      const result = await step('main', {
        inputs: { ...connection(), mode: 'prune', 'older-than': '1d' },
        env: { GITHUB_API_URL: gh.url },
      });
      expect(result.code).toBe(0);
      expect(warnings(result)).toEqual([]);
      expect(result.outputs.revoked).toBe('1');
      expect(ids(emulator.mintedKeys())).toEqual([young.id]);
      expect(text(rowOf(result.summary, old.id)[4] as string)).toBe('deleted: minted with revoke: false, so judged by age; older than 1d');
      expect(gh.log).toEqual([]);
    });
  });
});

describe('mode: prune, the used-after-run tripwire', () => {
  it('warns of each key of a finished run used over a minute after the run ended, deletes it as usual, and lists it first', async () => {
    const ended = new Date(Date.now() - 2 * HOUR);
    const gh = await startGitHub({ '333': 'in_progress' });
    gh.setRun('111', 'completed', ended).setRun('222', 'completed', ended);
    const used = (description: string, lastUsed: number) => {
      const key = emulator.addKey({
        apiKeyType: 'INFERENCE',
        description,
        createdAt: new Date(Date.now() - 3 * HOUR).toISOString(),
        lastUsedAt: new Date(lastUsed).toISOString(),
      });
      secrets.add(key.secret);
      return key;
    };
    const endedAt = ended.getTime();
    const onTime = used(ourName('222', 'run', 'ontm0001'), endedAt + MINUTE);
    const leaked = used(ourName('111', 'job', 'leak0001'), endedAt + 30 * MINUTE);
    const running = used(ourName('333', 'job', 'runn0001'), Date.now());
    // Minted with revoke: false: meant to outlive its run, so never an alarm.
    const kept = used(ourName('111', 'keep', 'keep0001'), endedAt + HOUR);
    const inputs = { ...connection(), mode: 'prune', 'github-token': gh.token };
    const env = { GITHUB_API_URL: gh.url, GITHUB_JOB: 'prune' };
    const alarm = {
      kind: 'warning',
      title: 'venice-key: a key was used after its run ended',
      message:
        `Key ${leaked.id} was last used at ${leaked.lastUsedAt}, after its run 111 ended at ${ended.toISOString()}: it may ` +
        `have leaked. Find where the run exposed it (its logs, artifacts or caches) and review what it spent: ${RUNS_URL}/111`,
    };

    // A dry run raises the alarm too, and deletes nothing.
    const dry = await step('main', { inputs: { ...inputs, 'dry-run': 'true' }, env });
    expect(dry.code).toBe(0);
    expect(dry.outputs).toMatchObject({ 'used-after-run': '1', revoked: '2' });
    expect(warnings(dry)).toEqual([alarm]);
    expect(deletedIds()).toEqual([]);

    const from = emulator.log.length;
    const result = await step('main', { inputs, env });
    expect(result.code).toBe(0);
    expect(result.outputs).toMatchObject({ 'used-after-run': '1', revoked: '2' });
    expect(warnings(result)).toEqual([alarm]);
    expect(deletedIds(from)).toEqual(ids([leaked, onTime]));
    expect(ids(emulator.mintedKeys())).toEqual(ids([running, kept]));
    // The key that may have leaked comes first in the summary, marked.
    const [first, ...rest] = rows(result.summary);
    expect(first?.[0]).toBe(leaked.id);
    expect(text(first?.[4] as string)).toBe(
      `MAY HAVE LEAKED: used at ${leaked.lastUsedAt}, after its run ended at ${ended.toISOString()}; deleted: its run 111 has finished`,
    );
    expect(rest.map((row) => text(row[4] as string)).filter((decision) => decision.includes('LEAKED'))).toEqual([]);
    expect(text(rowOf(result.summary, onTime.id)[4] as string)).toBe('deleted: its run 222 has finished');
  });

  it('counts none when no key was used after its run, and when run states are unknown', async () => {
    const gh = await startGitHub({ '111': 'completed' });
    seed(ourName('111', 'job', 'done0001'), HOUR);
    const env = { GITHUB_API_URL: gh.url };
    const result = await step('main', { inputs: { ...connection(), mode: 'prune', 'github-token': gh.token }, env });
    expect(result.outputs).toMatchObject({ 'used-after-run': '0', revoked: '1' });
    gh.failWith = 500;
    const late = emulator.addKey({
      apiKeyType: 'INFERENCE',
      description: ourName('111', 'job', 'done0002'),
      createdAt: new Date(Date.now() - 7 * HOUR).toISOString(),
      lastUsedAt: new Date().toISOString(),
    });
    secrets.add(late.secret);
    const unknown = await step('main', { inputs: { ...connection(), mode: 'prune', 'github-token': gh.token }, env });
    expect(unknown.outputs).toMatchObject({ 'used-after-run': '0', revoked: '1' });
    expect(warnings(unknown).map((warning) => warning.message)).toEqual([expect.stringMatching(/^Deciding by age alone/)]);
  });
});

describe('the post step', () => {
  it("reads the job's key once, deletes it, and reports what it spent and the rate limits it ran into", async () => {
    const inputs = { ...connection(), description: 'evals' };
    const main = await step('main', { inputs, env: { GITHUB_JOB: 'evals' } });
    expect(main.code).toBe(0);
    const id = main.outputs['key-id'] as string;
    // The job uses its key, and runs into limits; another key on the account does too.
    emulator.charge(id, { usd: 0.125 });
    emulator.charge(id, { usd: 0.125 });
    const usedAt = emulator.activeKeys().find((key) => key.id === id)?.lastUsedAt;
    expect(usedAt).toBeTruthy();
    const at = (minute: number) => Date.parse('2030-01-01T10:00:00Z') + minute * MINUTE;
    emulator.exceedLimit(id, 'qwen3-4b', 'RPM', at(3));
    emulator.exceedLimit(id, 'qwen3-4b', 'RPM', at(1));
    emulator.exceedLimit(id, 'qwen3-4b', 'RPM', at(2));
    emulator.exceedLimit(id, 'venice-uncensored', 'TPM', at(5));
    const seeded = emulator.activeKeys().find((key) => key.secret === emulator.inferenceKey)?.id as string;
    emulator.exceedLimit(seeded, 'qwen3-4b', 'RPD', at(4));

    const post = await step('post', { inputs, state: main.state, env: { GITHUB_JOB: 'evals' } });
    expect(post.code).toBe(0);
    expect(post.stdout).toContain(`Deleted key ${id} (it spent 0.25 USD and 0 DIEM).`);
    expect(post.stdout).toContain("Venice's rate-limit log holds 4 exceeded limit(s) of the deleted key(s); the job summary lists them.");
    expect(emulator.calls()).toEqual([
      'POST /api_keys 200',
      `GET /api_keys/${id} 200`,
      'DELETE /api_keys 200',
      'GET /api_keys/rate_limits/log 200',
    ]);
    expect(deletedIds()).toEqual([id]);
    expect(emulator.mintedKeys()).toEqual([]);
    expect(post.summary).toContain('Venice key revoked');
    expect(post.summary).toContain(SPEND_NOTE);
    expect(text(post.summary)).toContain('Rate limits the deleted keys ran into');
    expect(text(post.summary)).toContain("keeps the account's last 50 exceeded limits");
    expect(rows(post.summary).map((row) => row.map(text))).toEqual([
      [id, '0.25', '0', usedAt],
      [id, 'qwen3-4b', 'RPM (requests per minute)', '3', '2030-01-01T10:01:00.000Z', '2030-01-01T10:03:00.000Z'],
      [id, 'venice-uncensored', 'TPM (tokens per minute)', '1', '2030-01-01T10:05:00.000Z', '2030-01-01T10:05:00.000Z'],
    ]);
    expect(warnings(post)).toEqual([]);
  });

  it('reads no rate-limit log when there was no key left to revoke', async () => {
    const inputs = connection();
    const main = await step('main', { inputs, env: { GITHUB_JOB: 'evals' } });
    const id = main.outputs['key-id'] as string;
    emulator.exceedLimit(id, 'qwen3-4b', 'RPM');
    emulator.removeKey(id);
    const post = await step('post', { inputs, state: main.state, env: { GITHUB_JOB: 'evals' } });
    expect(post.code).toBe(0);
    expect(post.stdout).toContain(`Key ${id} was already gone.`);
    expect(emulator.calls()).toEqual(['POST /api_keys 200', `GET /api_keys/${id} 400`, 'GET /api_keys 200']);
    expect(post.summary).toBe('');
  });
});
