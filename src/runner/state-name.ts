/**
 * The one name under which the main step hands its ledger to the post step (the runner
 * passes it back as `STATE_ledger`). Kept apart so that the bundle's entry can look for
 * it before loading anything.
 */
export const LEDGER_STATE = 'ledger';
