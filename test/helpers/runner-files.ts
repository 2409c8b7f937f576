/**
 * For tests that call a mode's run in this process: the runner's file commands pointed at
 * fresh files (as the runner sets them), stdout captured, and everything put back after.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, vi } from 'vitest';

export const RUNNER_FILES = ['OUTPUT', 'STATE', 'ENV'] as const;
export type RunnerFile = (typeof RUNNER_FILES)[number];

/** Registers the hooks; `read(name)` is what the code under test wrote to that file so far. */
export function useRunnerFiles(onWrite: (chunk: string) => void = () => {}) {
  let dir = '';
  const saved = { ...process.env };
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'venice-key-runner-'));
    for (const name of RUNNER_FILES) {
      process.env[`GITHUB_${name}`] = join(dir, name);
      writeFileSync(join(dir, name), '');
    }
    // What the code prints is checked end to end; here it would only clutter the test output.
    vi.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
      onWrite(String(chunk));
      return true;
    });
  });
  afterEach(() => {
    vi.restoreAllMocks();
    process.env = { ...saved };
    rmSync(dir, { recursive: true, force: true });
  });
  return { read: (name: RunnerFile) => readFileSync(join(dir, name), 'utf8') };
}
