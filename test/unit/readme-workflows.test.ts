/**
 * Every workflow in the README runs as written: a job that runs something from the
 * repository checks it out first, every `steps.<id>` names an earlier step of its job, every
 * `needs.<job>.outputs.<name>` names a job it needs and an output that job sets, and a
 * pull-request workflow that reads secrets skips the runs that get none (forks, Dependabot).
 * actionlint checks none of this.
 */
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';

const root = resolve(import.meta.dirname, '../..');
const readme = readFileSync(join(root, 'README.md'), 'utf8');
const actionOutputs = Object.keys((parse(readFileSync(join(root, 'action.yml'), 'utf8')) as { outputs: Record<string, unknown> }).outputs);
const { repository } = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { repository: { url: string } };
/** `owner/name` of this action, as package.json's `repository` says. */
const home = (/github\.com\/([^/]+\/[^/.]+)/.exec(repository.url) as RegExpExecArray)[1] as string;

interface Step {
  id?: string;
  uses?: string;
  run?: string;
  [key: string]: unknown;
}
interface Job {
  needs?: string | string[];
  if?: string;
  outputs?: Record<string, string>;
  steps?: Step[];
  [key: string]: unknown;
}
interface Workflow {
  on?: unknown;
  jobs?: Record<string, Job>;
}

/** Commands that run files from the repository, or tools that read its files (a package manifest, a Makefile). */
const REPOSITORY_CODE = [
  /(?:^|[\s;&|(])\.{1,2}\/[\w.-]/m, // ./script.sh, ../tools/x
  /\b(?:npm|pnpm|yarn|bun) +(?:test|t|ci|i|install|run|start|exec)\b/,
  /\bnpx +\S/,
  /\b(?:make|pytest|tox|cargo|go +(?:test|run|build)|mvn|gradle|\.\/gradlew|dotnet +(?:test|run|build))\b/,
  /\b(?:python3?|node|deno|ruby|perl|bash|sh|pwsh|Rscript) +(?:-\S+ +)*[\w./-]+\.\w+/,
];

export function runsRepositoryCode(step: Step): boolean {
  if (step.uses?.startsWith('./')) return true;
  return typeof step.run === 'string' && REPOSITORY_CODE.some((pattern) => pattern.test(step.run as string));
}

const isCheckout = (step: Step) => step.uses?.startsWith('actions/checkout@') === true;
const isThisAction = (step: Step) => step.uses === './' || step.uses?.startsWith(`${home}@`) === true;
const asList = (needs: Job['needs']) => (needs === undefined ? [] : Array.isArray(needs) ? needs : [needs]);

/** What would fail or misbehave when the workflow runs as written. */
export function workflowProblems(workflow: Workflow): string[] {
  const problems: string[] = [];
  const jobs = workflow.jobs ?? {};
  for (const [name, job] of Object.entries(jobs)) {
    const steps = job.steps ?? [];
    let checkedOut = false;
    steps.forEach((step, index) => {
      const where = `${name}, step ${index + 1}`;
      if (isCheckout(step)) checkedOut = true;
      else if (runsRepositoryCode(step) && !checkedOut) problems.push(`${where} runs repository code without actions/checkout before it`);
      const { run: _run, ...rest } = step;
      const text = `${JSON.stringify(rest)}\n${step.run ?? ''}`;
      for (const [, id, output] of text.matchAll(/\bsteps\.([\w-]+)\.(?:outputs\.([\w-]+))?/g)) {
        const target = steps.slice(0, index).find((earlier) => earlier.id === id);
        if (!target) problems.push(`${where} reads steps.${id}, but no earlier step has id: ${id}`);
        else if (output && isThisAction(target) && !actionOutputs.includes(output))
          problems.push(`${where} reads ${output}, which the action does not set`);
      }
    });
    for (const [, id] of JSON.stringify({ outputs: job.outputs, if: job.if }).matchAll(/\bsteps\.([\w-]+)\./g)) {
      if (!steps.some((step) => step.id === id)) problems.push(`${name} reads steps.${id}, but no step has id: ${id}`);
    }
    const needs = asList(job.needs);
    for (const [, other, output] of JSON.stringify(job).matchAll(/\bneeds\.([\w-]+)\.(?:outputs\.([\w-]+))?/g)) {
      if (!needs.includes(other as string)) problems.push(`${name} reads needs.${other}, but does not need it`);
      else if (output && !Object.hasOwn(jobs[other as string]?.outputs ?? {}, output as string))
        problems.push(`${name} reads needs.${other}.outputs.${output}, which ${other} does not set`);
    }
  }
  return problems;
}

/** A pull-request workflow that reads secrets must skip forks and Dependabot, which get none. */
export function unguardedPullRequestJobs(workflow: Workflow): string[] {
  const on = workflow.on;
  const onPullRequest =
    typeof on === 'string'
      ? on === 'pull_request'
      : Array.isArray(on)
        ? on.includes('pull_request')
        : Object.hasOwn(on ?? {}, 'pull_request');
  if (!onPullRequest) return [];
  const jobs = workflow.jobs ?? {};
  /** A job is guarded by its own `if:`, or by needing a guarded job (it is skipped with it unless it says `always()`). */
  const guarded = (name: string, seen = new Set<string>()): boolean => {
    const job = jobs[name] as Job;
    const condition = job.if ?? '';
    if (
      /github\.event\.pull_request\.head\.repo\.full_name == github\.repository/.test(condition) &&
      /github\.actor != 'dependabot\[bot\]'/.test(condition)
    )
      return true;
    if (/always\(\)/.test(condition) && !/needs\.[\w-]+\.result != 'skipped'/.test(condition)) return false;
    seen.add(name);
    return asList(job.needs).some((other) => !seen.has(other) && guarded(other, seen));
  };
  return Object.entries(jobs)
    .filter(([name, job]) => /\bsecrets\./.test(JSON.stringify(job)) && !guarded(name))
    .map(([name]) => name);
}

const readmeWorkflows = [...readme.matchAll(/```yaml\n([\s\S]*?)```/g)].map((match) => parse(match[1] as string) as Workflow);

describe('every README workflow runs as written', () => {
  it.each(readmeWorkflows.map((workflow, index) => [index + 1, workflow] as const))('workflow %i', (_, workflow) => {
    expect(workflowProblems(workflow)).toEqual([]);
    expect(unguardedPullRequestJobs(workflow), 'jobs that would fail on forks and Dependabot').toEqual([]);
  });
});

describe('the checks have teeth', () => {
  /** A workflow expression, `${{ text }}`. */
  const expr = (text: string) => ['$', '{{ ', text, ' }}'].join('');
  const step = (fields: Step) => fields;
  it('a repository script without a checkout', () => {
    for (const run of [
      './nightly-build.sh',
      'npm test',
      'npm ci && npm run build',
      'python evals.py',
      'node scripts/x.mjs',
      'bash ci/run.sh',
      'make',
      'npx vitest',
    ]) {
      expect(workflowProblems({ jobs: { j: { steps: [step({ run })] } } }), run).toHaveLength(1);
      expect(workflowProblems({ jobs: { j: { steps: [step({ uses: 'actions/checkout@v5' }), step({ run })] } } }), run).toEqual([]);
    }
    expect(workflowProblems({ jobs: { j: { steps: [step({ uses: './' })] } } })).toHaveLength(1);
    // Commands that need nothing from the repository.
    for (const run of ['echo "Revoked 2 key(s)"', 'openssl rand -base64 32', 'test "$A" = 2']) {
      expect(workflowProblems({ jobs: { j: { steps: [step({ run })] } } }), run).toEqual([]);
    }
  });

  it('a checkout in another job does not count', () => {
    expect(
      workflowProblems({
        jobs: { a: { steps: [step({ uses: 'actions/checkout@v5' })] }, b: { needs: 'a', steps: [step({ run: './x.sh' })] } },
      }),
    ).toHaveLength(1);
  });

  it('a step output without an id, or before its step', () => {
    const reads = step({ if: expr("steps.key.outputs.valid == 'true'"), run: 'echo ok' });
    expect(workflowProblems({ jobs: { j: { steps: [step({ uses: `${home}@v1` }), reads] } } })).toHaveLength(1);
    expect(workflowProblems({ jobs: { j: { steps: [reads, step({ id: 'key', uses: `${home}@v1` })] } } })).toHaveLength(1);
    expect(workflowProblems({ jobs: { j: { steps: [step({ id: 'key', uses: `${home}@v1` }), reads] } } })).toEqual([]);
    const unknown = step({ run: `echo ${expr('steps.key.outputs.balance')}` });
    expect(workflowProblems({ jobs: { j: { steps: [step({ id: 'key', uses: `${home}@v1` }), unknown] } } })).toHaveLength(1);
    expect(
      workflowProblems({ jobs: { j: { outputs: { h: expr('steps.venice.outputs.handoff') }, steps: [step({ uses: `${home}@v1` })] } } }),
    ).toHaveLength(1);
  });

  it('a job output that is not there', () => {
    const receive = step({ uses: `${home}@v1`, with: { handoff: expr('needs.mint.outputs.handoff') } });
    const mint = { outputs: { handoff: expr('steps.venice.outputs.handoff') }, steps: [step({ id: 'venice', uses: `${home}@v1` })] };
    expect(workflowProblems({ jobs: { mint, use: { needs: 'mint', steps: [receive] } } })).toEqual([]);
    expect(
      workflowProblems({
        jobs: { mint: { steps: [step({ id: 'venice', uses: `${home}@v1` })] }, use: { needs: 'mint', steps: [receive] } },
      }),
    ).toHaveLength(1);
    expect(workflowProblems({ jobs: { mint, use: { steps: [receive] } } })).toHaveLength(1);
  });

  it('a pull-request job with secrets and no guard', () => {
    const minting = { steps: [step({ uses: `${home}@v1`, with: { 'admin-key': expr('secrets.VENICE_ADMIN_KEY') } })] };
    const guard = "github.event.pull_request.head.repo.full_name == github.repository && github.actor != 'dependabot[bot]'";
    expect(unguardedPullRequestJobs({ on: 'pull_request', jobs: { t: minting } })).toEqual(['t']);
    expect(unguardedPullRequestJobs({ on: { pull_request: null }, jobs: { t: { ...minting, if: guard } } })).toEqual([]);
    expect(unguardedPullRequestJobs({ on: { push: null }, jobs: { t: minting } })).toEqual([]);
    // A cleanup after a guarded job is guarded too, unless always() runs it regardless.
    const jobs = { mint: { ...minting, if: guard }, cleanup: { ...minting, needs: 'mint', if: 'always()' } };
    expect(unguardedPullRequestJobs({ on: ['pull_request'], jobs })).toEqual(['cleanup']);
    const cleanup = { ...minting, needs: 'mint', if: "always() && needs.mint.result != 'skipped'" };
    expect(unguardedPullRequestJobs({ on: ['pull_request'], jobs: { ...jobs, cleanup } })).toEqual([]);
  });
});
