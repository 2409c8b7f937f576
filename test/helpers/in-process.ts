/**
 * The action's main and post work run in this process against the emulator, with time
 * injected: the client's retry waits and the action's own clock move only when the code
 * sleeps. For decisions that end to end would wait on real backoff or on the post step's
 * look-again window; what is about processes (signals, exit codes, the runner's files)
 * stays end to end.
 */
import { randomUUID } from 'node:crypto';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, vi } from 'vitest';
import { parseFileCommands, type StepResult } from '../../emulator/fake-runner.ts';
import type { VeniceEmulator } from '../../emulator/venice-emulator.ts';
import type { Clock } from '../../src/clock.ts';
import { Ledger, type LedgerEntry } from '../../src/lifecycle/ledger.ts';
import type { MintConfig } from '../../src/modes/index.ts';
import { VeniceClient } from '../../src/venice/client.ts';
import { RUN } from './ledger.ts';
import { mockMintConfig } from './mock-venice.ts';

/** @actions/core reads the summary's path once per process: one path serves every test, its folder made and removed with each test's files. */
const SUMMARY_DIR = join(tmpdir(), `venice-key-summary-${randomUUID()}`);
const SUMMARY = join(SUMMARY_DIR, 'summary.md');

/** A clock that moves only when the code under test sleeps. */
export function fakeClock(start = Date.now()): Clock & { slept: number[] } {
  let now = start;
  const slept: number[] = [];
  return {
    slept,
    now: () => now,
    sleep: async (ms: number) => {
      slept.push(ms);
      now += ms;
    },
  };
}

/** A client for the emulator whose retry waits take no time (and pass on the given clock). */
export function clientFor(
  emulator: VeniceEmulator,
  options: { key?: string; timeoutMs?: number; maxAttempts?: number; clock?: Clock; debug?: (line: string) => void } = {},
): VeniceClient {
  const clock = options.clock ?? fakeClock();
  return new VeniceClient({
    baseUrl: new URL(emulator.url),
    key: options.key ?? emulator.adminKey,
    timeoutMs: options.timeoutMs ?? 1_000,
    maxAttempts: options.maxAttempts ?? 5,
    sleep: async (ms) => void (await clock.sleep(ms)),
    now: () => clock.now(),
    debug: options.debug,
  });
}

export function mintConfig(emulator: VeniceEmulator, extra: Partial<MintConfig> = {}): MintConfig {
  return mockMintConfig({ adminKey: emulator.adminKey, baseUrl: new URL(emulator.url), ...extra });
}

/**
 * The runner's files in a temporary directory, and what the code prints captured: call
 * in beforeEach, and `restore` in afterEach.
 */
type RunnerFile = 'OUTPUT' | 'STATE' | 'ENV';

export function runnerFiles() {
  const dir = mkdtempSync(join(tmpdir(), 'venice-key-in-process-'));
  const saved = { ...process.env };
  for (const name of ['OUTPUT', 'STATE', 'ENV'] satisfies RunnerFile[]) {
    process.env[`GITHUB_${name}`] = join(dir, name);
    writeFileSync(join(dir, name), '');
  }
  mkdirSync(SUMMARY_DIR, { recursive: true });
  process.env.GITHUB_STEP_SUMMARY = SUMMARY;
  writeFileSync(SUMMARY, '');
  const lines: string[] = [];
  let stderr = '';
  vi.spyOn(process.stdout, 'write').mockImplementation((chunk) => {
    lines.push(...String(chunk).split('\n').filter(Boolean));
    return true;
  });
  vi.spyOn(process.stderr, 'write').mockImplementation((chunk) => {
    stderr += String(chunk);
    return true;
  });
  return {
    /** What the code printed, one entry a line. */
    lines,
    /** What the code wrote to stderr. */
    stderr: () => stderr,
    /** What the code wrote to one of the runner's files so far. */
    read: (name: RunnerFile) => readFileSync(join(dir, name), 'utf8'),
    summary: () => readFileSync(SUMMARY, 'utf8'),
    /** The entries of the last ledger the main step saved: what the post step is handed. */
    ledger(adminKey: string, run = RUN): LedgerEntry[] {
      const saved = parseFileCommands(readFileSync(join(dir, 'STATE'), 'utf8')).ledger;
      const loaded = Ledger.load(adminKey, run, saved);
      if (loaded.kind === 'forged') throw new Error('the ledger does not verify');
      return loaded.kind === 'ok' ? [...loaded.ledger.entries] : [];
    },
    restore(): void {
      vi.restoreAllMocks();
      process.env = saved;
      rmSync(dir, { recursive: true, force: true });
      rmSync(SUMMARY_DIR, { recursive: true, force: true });
    },
  };
}

/** `runnerFiles` for every test of a file: set up before each, put back after each. */
export function useRunnerFiles(): Pick<ReturnType<typeof runnerFiles>, 'read' | 'ledger'> {
  let files: ReturnType<typeof runnerFiles>;
  beforeEach(() => {
    files = runnerFiles();
  });
  afterEach(() => files.restore());
  return { read: (name) => files.read(name), ledger: (adminKey, run) => files.ledger(adminKey, run) };
}

/** Waits for something the emulator does in its own time (a late commit); the test's timeout bounds it. */
export async function until(condition: () => boolean): Promise<void> {
  while (!condition()) await new Promise((resolve) => setTimeout(resolve, 20));
}

/**
 * The main step in this process, for the cases that differ only in what it is given and
 * end before any request or signal matters (an input refused, a handoff that cannot be
 * opened): the runner's identity and the inputs in the environment, as the runner sets
 * them, and the runner's files read back as fake-runner reads them. Each case costs no
 * Node process; end-to-end files keep a representative of each kind. The action's own
 * modules are loaded afresh each time; @actions/github's context is not (Vitest loads
 * packages once per file), so a case varies what it is handed, not the run it runs in.
 */
export async function runMainInProcess(options: {
  inputs: Record<string, string>;
  env?: Record<string, string>;
}): Promise<Omit<StepResult, 'signal' | 'state'>> {
  const files = runnerFiles();
  try {
    for (const name of Object.keys(process.env)) if (/^(INPUT_|STATE_|RUNNER_)/.test(name)) delete process.env[name];
    Object.assign(process.env, {
      GITHUB_ACTIONS: 'true',
      GITHUB_REPOSITORY: RUN.repository,
      GITHUB_RUN_ID: RUN.runId,
      GITHUB_RUN_ATTEMPT: RUN.runAttempt,
      RUNNER_DEBUG: '1',
      ...options.env,
    });
    for (const [name, value] of Object.entries(options.inputs)) process.env[`INPUT_${name.toUpperCase()}`] = value;
    process.exitCode = undefined;
    // A fresh process each time: what was masked, the run's identity and core's summary are read once per process.
    vi.resetModules();
    const { run } = await import('../../src/main.ts');
    await run();
    return {
      code: Number(process.exitCode ?? 0),
      stdout: files.lines.map((line) => `${line}\n`).join(''),
      stderr: files.stderr(),
      outputs: parseFileCommands(files.read('OUTPUT')),
      env: parseFileCommands(files.read('ENV')),
      summary: files.summary(),
    };
  } finally {
    process.exitCode = undefined;
    files.restore();
  }
}
