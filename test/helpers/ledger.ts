/** A ledger sealed exactly as the main step seals it, for post-step tests that start from a given state. */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseFileCommands } from '../../emulator/fake-runner.ts';
import type { StoredKey, VeniceEmulator } from '../../emulator/venice-emulator.ts';
import { Ledger, type LedgerEntry } from '../../src/lifecycle/ledger.ts';
import { keyName, type RunIdentity } from '../../src/lifecycle/naming.ts';

export const RUN: RunIdentity = { repository: 'octo-org/octo-repo', runId: '1234567890', runAttempt: '1' };

export function sealedLedger(adminKey: string, entries: LedgerEntry[], run: RunIdentity = RUN): string {
  const dir = mkdtempSync(join(tmpdir(), 'venice-key-ledger-'));
  const saved = process.env.GITHUB_STATE;
  process.env.GITHUB_STATE = join(dir, 'state');
  writeFileSync(process.env.GITHUB_STATE, '');
  try {
    const ledger = Ledger.create(adminKey, run);
    for (const entry of entries) {
      ledger.sending(entry.name, entry.sentAt);
      if (entry.id) ledger.created(entry.name, entry.id, entry.expiresAt ?? null);
    }
    return parseFileCommands(readFileSync(process.env.GITHUB_STATE, 'utf8')).ledger as string;
  } finally {
    if (saved === undefined) delete process.env.GITHUB_STATE;
    else process.env.GITHUB_STATE = saved;
    rmSync(dir, { recursive: true, force: true });
  }
}

/**
 * The main step's sealed ledger as a post step sees it when the job ran for `byMs` after
 * each create was sent: a create left without an answer is then past its commit window,
 * so the post step looks for its name once instead of waiting the window out.
 */
export function agedLedger(adminKey: string, sealed: string, byMs = 60_000, run: RunIdentity = RUN): string {
  // An empty ledger (nothing left to settle) stays empty: the post step does nothing.
  if (!sealed) return sealed;
  const loaded = Ledger.load(adminKey, run, sealed);
  if (loaded.kind !== 'ok') throw new Error(`the main step's ledger did not load (${loaded.kind})`);
  return sealedLedger(
    adminKey,
    loaded.ledger.entries.map((entry) => ({ ...entry, sentAt: entry.sentAt - byMs })),
    run,
  );
}

/**
 * The job's key as its main step left it: made in the emulator under this run's name, and recorded in the
 * sealed ledger the post step is handed. Post-step tests start here instead of running a main step first.
 */
export function keyRecordedByMain(emulator: VeniceEmulator, nonce = 'mainmade'): { key: StoredKey; ledger: string } {
  const name = keyName(RUN, 'job', nonce);
  const key = emulator.addKey({ apiKeyType: 'INFERENCE', description: name });
  return { key, ledger: sealedLedger(emulator.adminKey, [{ name, sentAt: Date.now(), id: key.id, expiresAt: null }]) };
}
