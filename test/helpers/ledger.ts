/** A ledger sealed exactly as the main step seals it, for post-step tests that start from a given state. */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseFileCommands } from '../../emulator/fake-runner.ts';
import { Ledger, type LedgerEntry } from '../../src/lifecycle/ledger.ts';
import type { RunIdentity } from '../../src/lifecycle/naming.ts';

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
