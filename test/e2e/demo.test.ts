import { spawnSync } from 'node:child_process';
import { resolve } from 'node:path';
import { expect, it } from 'vitest';

it('npm run demo runs its stories on the emulator, shows stderr, exits 0, and prints no key', () => {
  const demo = spawnSync(process.execPath, [resolve(import.meta.dirname, '../../scripts/demo.ts')], { encoding: 'utf8', timeout: 60_000 });
  expect(demo.stderr).toBe('');
  expect(demo.status).toBe(0);
  expect(demo.stdout).toContain('Demo passed.');
  expect(demo.stdout).toContain('outputs: api-key=***');
  // Both stories: a job's own key with its spend report, and one key shared by a matrix.
  expect(demo.stdout).toContain('(it spent 0.0125 USD and 0 DIEM)');
  expect(demo.stdout).toMatch(/leg b: receive the key \(no request\) +ok \(exit 0\) +requests: none/);
  // A run-aware prune: the dead run's key goes, the running run's stays (GitHub asked about both).
  expect(demo.stdout).toMatch(/Keeping \S+: its run 2002 is still in progress\./);
  expect(demo.stdout).toMatch(/Deleting \S+: its run 2001 has finished\./);
  expect(demo.stdout).toMatch(
    /prune: ask GitHub which runs have finished +ok \(exit 0\).*GitHub GET \/repos\/[^ ]+\/actions\/runs\/2001 200/,
  );
  // Balances are told apart from caps.
  expect(demo.stdout).toContain('Balances are what the key may spend now, not caps: 1 USD is its usd-limit');
  expect(demo.stdout).toContain('keys the action minted that are still active: 0');
  // Each step's stderr is shown as the runner would show it; none is expected.
  expect(demo.stdout).not.toContain('stderr:');
  expect(demo.stdout).not.toMatch(/VENICE_[A-Z]+_KEY_/);
});
