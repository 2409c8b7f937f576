/** Chaos (see property.ts): mint with a handoff, receive, then a run-scoped revoke, under seeded fault schedules and cancels. */
import { describe, it } from 'vitest';
import { budgetMs, check, runs } from './property.ts';

describe('chaos: faults and cancels on the key routes never leak a key, orphan one silently, or hang a step', () => {
  it(`mint with a handoff, receive, then a run-scoped revoke (${runs} seeded schedules)`, () => check('handoff'), budgetMs + 30_000);
});
