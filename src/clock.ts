import { setTimeout as sleep } from 'node:timers/promises';

/**
 * Time as the action's own loops see it (waiting out a rate limit, looking again for a
 * late commit). Tests inject one that moves only when the code sleeps, so that what they
 * check never depends on the machine's speed.
 */
export interface Clock {
  now(): number;
  sleep(ms: number): Promise<unknown>;
}

export const SYSTEM_CLOCK: Clock = { now: Date.now, sleep };
