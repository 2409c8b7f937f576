import { VeniceApiError } from './venice.js';

/**
 * Rewrites the answers that mean "this admin key cannot do that" into what to fix.
 * Anything else passes through unchanged.
 */
export function explainAdminKeyError(error: unknown): unknown {
  if (!(error instanceof VeniceApiError) || error.status !== 401) return error;
  if (/admin api key required/i.test(error.serverMessage ?? '')) {
    return new Error(
      "Input 'admin-key' is not an ADMIN key: Venice answered 401 \"Admin API key required\". Create an ADMIN key in Venice's API settings and store that in the secret.",
    );
  }
  return new Error(
    `Input 'admin-key' was rejected: Venice answered 401 "${error.serverMessage ?? 'Authentication failed'}". The key is wrong, revoked or expired: check the secret's value.`,
  );
}
