import { AdminKeyRefused } from '../lifecycle/admin-key.js';
import { HandoffError } from '../lifecycle/handoff.js';
import { messageOf } from '../runner/log.js';

/**
 * What a failure means to the person reading the log: domain code raises typed errors,
 * and this is where they are worded, naming the input and the fix.
 */
export function describeFailure(error: unknown): string {
  if (error instanceof AdminKeyRefused) {
    return error.reason === 'not-admin'
      ? "Input 'admin-key' is not an ADMIN key: Venice accepts it, but refused it for managing keys (401). " +
          "Create an ADMIN key in Venice's API settings and store that in the secret."
      : "Input 'admin-key' was rejected by Venice (401): the key is wrong, revoked or expired. Check the secret's value.";
  }
  if (error instanceof HandoffError) return describeHandoffFailure(error);
  return messageOf(error);
}

const UNCHANGED = "Pass the minting job's 'handoff' output unchanged.";
const ALTERATION = {
  encoding: 'its text is not the one that was sealed',
  checksum: 'its checksum does not match',
  authentication: 'it does not authenticate',
} as const;

function describeHandoffFailure({ reason, facts }: HandoffError): string {
  switch (reason) {
    case 'malformed':
      return facts.holdsNoKey
        ? `Input 'handoff' holds no key. ${UNCHANGED}`
        : `Input 'handoff' is not a handoff this action made (expected vkh1.<tag>.<run>.<sealed key>). ${UNCHANGED}`;
    case 'tampered':
      return `Input 'handoff' has been altered: ${ALTERATION[facts.foundBy ?? 'authentication']}. ${UNCHANGED}`;
    case 'other-repository':
      return (
        "Input 'handoff' was made in another repository, and a handoff opens only in the repository whose run " +
        "minted it. Mint the key in this repository's workflow."
      );
    case 'other-run':
      return (
        `Input 'handoff' was made in workflow run ${facts.runId}, not in this run (${facts.thisRunId}); a handoff ` +
        "opens only in the run that minted it. Mint in this run and pass the output through 'needs'."
      );
    case 'wrong-secret':
      return (
        "Input 'handoff-secret' is not the secret that sealed this handoff. Give the receiving jobs the same " +
        'secret as the minting job.'
      );
    case 'expired':
      return `The handed-off key ${facts.keyId} expired at ${facts.expiresAt}. Mint a key with a ttl that covers the jobs that use it.`;
  }
}
