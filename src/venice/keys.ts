/** What a Venice secret looks like. Its prefix names its type: a strong hint, not a guarantee. */
export const KEY_PREFIX = {
  INFERENCE: 'VENICE_INFERENCE_KEY_',
  ADMIN: 'VENICE_ADMIN_KEY_',
} as const;

export type KeyType = keyof typeof KEY_PREFIX;

/** A Venice secret wherever it stands in a text. */
export const KEY_SHAPED = /VENICE_[A-Z]+_KEY_[A-Za-z0-9_-]+/g;
const BEARER = /(Bearer\s+)[^\s"',;]+/gi;

/** What the key's prefix says it is, or undefined for an unrecognised shape. */
export function keyTypeFromPrefix(key: string): KeyType | undefined {
  if (key.startsWith(KEY_PREFIX.ADMIN)) return 'ADMIN';
  if (key.startsWith(KEY_PREFIX.INFERENCE)) return 'INFERENCE';
  return undefined;
}

export function looksLikeKey(text: string): boolean {
  return /VENICE_[A-Z]+_KEY_/.test(text);
}

/**
 * Removes anything key-shaped from text bound for a log or an error, plus the exact
 * secrets given (keys whose shape we do not recognise).
 */
export function redact(text: string, secrets: Iterable<string> = []): string {
  let out = text;
  for (const secret of secrets) {
    if (secret.length >= 4) out = out.split(secret).join('***');
  }
  return out.replace(KEY_SHAPED, 'VENICE_***').replace(BEARER, '$1***');
}
