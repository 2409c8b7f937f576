import type { VeniceClient } from '../venice/client.js';
import { VeniceApiError } from '../venice/errors.js';

/**
 * A 401 on a key-management call means the admin key is wrong, or not an ADMIN key.
 * Which one is decided by asking Venice whether it accepts the key at all (any valid
 * key may read its own rate limits), never by the wording of the answer.
 */
export async function explainAdminKeyError(error: unknown, client: VeniceClient): Promise<unknown> {
  if (!(error instanceof VeniceApiError) || error.status !== 401) return error;
  const accepted = await client.rateLimits().then(
    () => true,
    () => false,
  );
  if (accepted) {
    return new Error(
      "Input 'admin-key' is not an ADMIN key: Venice accepts it, but refused it for managing keys (401). Create an ADMIN key in Venice's API settings and store that in the secret.",
    );
  }
  return new Error("Input 'admin-key' was rejected by Venice (401): the key is wrong, revoked or expired. Check the secret's value.");
}
