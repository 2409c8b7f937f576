/** Chaos (see property.ts): mint, then the post step, under seeded fault schedules and cancels. */
import { describe, it } from 'vitest';
import { budgetMs, check, runs } from './property.ts';

describe('chaos: faults and cancels on the key routes never leak a key, orphan one silently, or hang a step', () => {
  it(`mint, then the post step (${runs} seeded schedules)`, () => check('job'), budgetMs + 30_000);
});
