import { createHmac, timingSafeEqual } from 'node:crypto';
import * as core from '@actions/core';
import { requireRunnerFile } from '../runner/outputs.js';
import { LEDGER_STATE } from '../runner/state-name.js';
import type { RunIdentity } from './naming.js';

/**
 * What the main step hands its post step: every key name it sent a create for whose
 * fate is not settled (Venice may hold a key by that name), and the key it made for
 * this job. The post step can be handed forged `STATE_*` values (any earlier step can
 * write them through GITHUB_ENV), so the ledger is sealed with an HMAC keyed by the
 * admin key and bound to this run; a ledger that does not verify deletes nothing.
 */

export interface LedgerEntry {
  /** The name (description) the create was sent with; unique per attempt. */
  name: string;
  /** When the create was sent, in ms since the epoch. */
  sentAt: number;
  /** Set when Venice answered with this job's key: the post step revokes it. */
  id?: string;
  expiresAt?: string | null;
}

export type LoadedLedger = { kind: 'none' } | { kind: 'forged' } | { kind: 'ok'; ledger: Ledger };

export class Ledger {
  private readonly macKey: Buffer;
  private readonly run: RunIdentity;
  private list: LedgerEntry[];

  private constructor(macKey: Buffer, run: RunIdentity, list: LedgerEntry[]) {
    this.macKey = macKey;
    this.run = run;
    this.list = list;
  }

  static create(adminKey: string, run: RunIdentity): Ledger {
    return new Ledger(deriveKey(adminKey), run, []);
  }

  /** Reads the post step's state; only a ledger this run's main step sealed with this admin key counts. */
  static load(adminKey: string, run: RunIdentity, raw = core.getState(LEDGER_STATE)): LoadedLedger {
    if (!raw) return { kind: 'none' };
    // Without the admin key there is no seal to check: whoever wrote this, it was not a minting step.
    if (!adminKey) return { kind: 'forged' };
    try {
      const { entries, mac } = JSON.parse(raw) as { entries: LedgerEntry[]; mac: string };
      const ledger = new Ledger(deriveKey(adminKey), run, entries);
      const expected = Buffer.from(ledger.mac(), 'hex');
      const given = Buffer.from(String(mac), 'hex');
      if (!Array.isArray(entries) || given.length !== expected.length || !timingSafeEqual(given, expected)) return { kind: 'forged' };
      return { kind: 'ok', ledger };
    } catch {
      return { kind: 'forged' };
    }
  }

  get entries(): readonly LedgerEntry[] {
    return this.list;
  }

  /** Before a create is sent, so that even a killed process leaves the name for the post step. */
  sending(name: string, sentAt: number): void {
    this.list.push({ name, sentAt });
    this.save();
  }

  /** The key by this name is this job's: the post step revokes it. */
  created(name: string, id: string, expiresAt: string | null): void {
    this.list = this.list.map((entry) => (entry.name === name ? { ...entry, id, expiresAt } : entry));
    this.save();
  }

  /** Nothing is left to do for this name: no key was made, it was deleted, or it is not this job's to delete. */
  settled(name: string): void {
    this.list = this.list.filter((entry) => entry.name !== name);
    this.save();
  }

  private mac(): string {
    return createHmac('sha256', this.macKey)
      .update(JSON.stringify({ run: this.run, entries: this.list }))
      .digest('hex');
  }

  private save(): void {
    requireRunnerFile('GITHUB_STATE');
    // Nothing left to settle: an empty value lets the post step end before loading anything.
    core.saveState(LEDGER_STATE, this.list.length === 0 ? '' : JSON.stringify({ entries: this.list, mac: this.mac() }));
  }
}

function deriveKey(adminKey: string): Buffer {
  return createHmac('sha256', adminKey).update('venice-key/ledger/v1').digest();
}
