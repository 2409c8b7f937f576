/**
 * Names under which main hands facts to the post step (`GITHUB_STATE` → `STATE_<name>`).
 * The entrypoint reads them before loading anything, so a post step with nothing to do costs nothing.
 */
export const STATE = {
  /** The id of the key to revoke when the job ends. */
  keyId: 'key-id',
  /** When that key expires on its own (ISO 8601, as Venice stored it). */
  keyExpiresAt: 'key-expires-at',
  /** The name of a key whose creation was under way; cleared once its fate is known. */
  pendingKey: 'pending-key',
} as const;
