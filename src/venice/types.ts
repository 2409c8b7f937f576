/** The shapes of the part of Venice's API this client uses (see Venice's OpenAPI spec). */

export type LimitPeriod = 'EPOCH' | 'MONTH' | 'LIFETIME';
export type ModelPrivacy = 'ALL' | 'PRIVATE_TEXT' | 'PRIVATE_ONLY';
export type ApiKeyType = 'INFERENCE' | 'ADMIN';

export interface RateLimits {
  accessPermitted: boolean;
  apiTier: { id: string; isCharged: boolean };
  balances: { USD?: number; DIEM?: number; BUNDLED_CREDITS?: number };
  keyExpiration: string | null;
  nextEpochBegins: string;
}

export interface ConsumptionLimit {
  usd?: number | null;
  diem?: number | null;
}

export interface CreateKeyBody {
  apiKeyType: 'INFERENCE';
  description: string;
  expiresAt?: string;
  consumptionLimit?: ConsumptionLimit;
  limitPeriod?: LimitPeriod;
  modelPrivacy?: ModelPrivacy;
}

export interface CreatedKey {
  apiKey: string;
  id: string;
  apiKeyType: ApiKeyType;
  description?: string;
  expiresAt: string | null;
  consumptionLimit: ConsumptionLimit;
  limitPeriod: LimitPeriod;
  modelPrivacy: ModelPrivacy;
}

/** A key as the list and the details route show it: never its secret. Amounts are decimal strings. */
export interface ListedKey {
  id: string;
  apiKeyType: ApiKeyType;
  description?: string;
  createdAt: string | null;
  expiresAt: string | null;
  lastUsedAt?: string | null;
  last6Chars: string;
  usage?: { trailingSevenDays?: { usd?: string; diem?: string } };
}

/** Which limit a key exceeded: throughput (RPM, RPD, TPM), or too many failing or unsupported requests. */
export type RateLimitType = 'RPM' | 'RPD' | 'TPM' | 'FAILED_REQUESTS' | 'UNSUPPORTED_FEATURE_REQUESTS';

/** One exceeded limit from the account's rate-limit log (the last 50; an experimental route). */
export interface RateLimitLogEntry {
  apiKeyId: string;
  modelId: string;
  rateLimitTier: string;
  rateLimitType: RateLimitType;
  /** ISO 8601. */
  timestamp: string;
}
