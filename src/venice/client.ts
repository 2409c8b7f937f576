import { setTimeout as sleep } from 'node:timers/promises';
import { type Dispatcher, exchange, isLoopback } from '../http/transport.js';
import { httpError, transportError, VeniceApiError } from './errors.js';
import { redact } from './keys.js';
import { retryDelayMs } from './retry.js';
import type { CreatedKey, CreateKeyBody, ListedKey, RateLimitLogEntry, RateLimits } from './types.js';

/** A typed client for the part of Venice's API a key-management action needs. */

export interface ClientOptions {
  baseUrl: URL;
  key: string;
  timeoutMs: number;
  maxAttempts: number;
  /** Upper bound on the total time spent waiting between attempts. */
  retryBudgetMs?: number;
  /** Tests pass undici's MockAgent; otherwise chosen per request (see http/transport.ts). */
  dispatcher?: Dispatcher;
  debug?: (line: string) => void;
  sleep?: (ms: number) => Promise<void>;
  random?: () => number;
  now?: () => number;
}

/** Where requests go and how long each may take: what the workflow configures. */
export type Connection = Pick<ClientOptions, 'baseUrl' | 'timeoutMs' | 'maxAttempts'>;

interface Call {
  method: 'GET' | 'POST' | 'DELETE';
  path: string;
  query?: Record<string, string>;
  body?: unknown;
  /** Retry only calls that are safe to repeat; a create is never repeated blindly. */
  idempotent: boolean;
  /** Fewer attempts than the client's own, for a call whose answer is a courtesy. */
  maxAttempts?: number;
}

/** Venice's cap on active (unexpired) keys per account. */
export const ACTIVE_KEY_CAP = 500;

/** HTTPS anywhere, or plain HTTP to this machine's loopback interface (an emulator). */
export function isSecureOrigin(url: URL): boolean {
  return url.protocol === 'https:' || (url.protocol === 'http:' && isLoopback(url));
}

export class VeniceClient {
  private readonly root: string;
  private readonly options: Required<Omit<ClientOptions, 'dispatcher' | 'debug'>> & Pick<ClientOptions, 'dispatcher' | 'debug'>;

  constructor(options: ClientOptions) {
    // A second guard behind input validation: a key never travels in clear text off this machine.
    if (!isSecureOrigin(options.baseUrl)) {
      throw new Error(`Refusing to send a key to ${options.baseUrl.origin}: only HTTPS, or HTTP to loopback, is allowed.`);
    }
    this.root = options.baseUrl.href.replace(/\/+$/, '');
    this.options = { retryBudgetMs: 5 * 60_000, sleep, random: Math.random, now: Date.now, ...options };
  }

  /** The one call that proves a key: any valid key may make it (`/models` answers without one). */
  async rateLimits(): Promise<RateLimits> {
    const answer = await this.call<{ data?: RateLimits }>({ method: 'GET', path: '/api_keys/rate_limits', idempotent: true });
    return expectShape(
      answer?.data,
      (data) => typeof data.accessPermitted === 'boolean' && isObject(data.balances) && isObject(data.apiTier),
      'GET /api_keys/rate_limits',
    );
  }

  /** With a key, Venice lists only the models that key may use. */
  async modelIds(): Promise<string[]> {
    const answer = await this.call<{ data: { id: string }[] }>({
      method: 'GET',
      path: '/models',
      query: { type: 'all' },
      idempotent: true,
    });
    return expectShape(answer?.data, Array.isArray, 'GET /models').map((model) => model.id);
  }

  /**
   * The account's last 50 exceeded rate limits (ADMIN). Venice marks the route
   * experimental and its answer is only ever a courtesy, so it gets one attempt: a
   * caller that finds it missing or changed says so once and carries on.
   */
  async rateLimitLog(): Promise<RateLimitLogEntry[]> {
    const answer = await this.call<{ data?: RateLimitLogEntry[] }>({
      method: 'GET',
      path: '/api_keys/rate_limits/log',
      idempotent: true,
      maxAttempts: 1,
    });
    return expectShape(
      answer?.data,
      (data) =>
        Array.isArray(data) &&
        data.every(
          (entry) =>
            isObject(entry) &&
            ['apiKeyId', 'modelId', 'rateLimitType', 'timestamp'].every((field) => typeof entry[field] === 'string') &&
            Number.isFinite(Date.parse(entry.timestamp)),
        ),
      'GET /api_keys/rate_limits/log',
    );
  }

  /**
   * One attempt only: when its outcome is unknown the caller must reconcile before
   * creating again. A 2xx without a usable key is an unknown outcome too: Venice may
   * have made a key whose secret we did not get.
   */
  async createKey(body: CreateKeyBody): Promise<CreatedKey> {
    const answer = await this.call<{ data?: Partial<CreatedKey> }>({ method: 'POST', path: '/api_keys', body, idempotent: false });
    const key = answer?.data;
    if (typeof key?.apiKey !== 'string' || !key.apiKey || typeof key.id !== 'string' || !key.id) {
      throw new VeniceApiError('POST /api_keys answered 2xx without a key and its id.', {
        kind: 'invalid-answer',
        retryable: false,
        outcomeUnknown: true,
      });
    }
    return key as CreatedKey;
  }

  async listKeys(): Promise<ListedKey[]> {
    const answer = await this.call<{ data?: ListedKey[] }>({ method: 'GET', path: '/api_keys', idempotent: true });
    return expectShape(
      answer?.data,
      (data) => Array.isArray(data) && data.every((key) => isObject(key) && typeof key.id === 'string'),
      'GET /api_keys',
    );
  }

  /**
   * One key's details, or undefined when Venice no longer holds it. The details route
   * answers an unknown id with a 400 like any malformed request, so a refusal is
   * settled by the list, which either holds the key or does not.
   */
  async findKey(id: string): Promise<ListedKey | undefined> {
    try {
      const answer = await this.call<{ data?: ListedKey }>({
        method: 'GET',
        path: `/api_keys/${encodeURIComponent(id)}`,
        idempotent: true,
      });
      return expectShape(answer?.data, (data) => typeof data.id === 'string', 'GET /api_keys/{id}');
    } catch (error) {
      if (!isRefusal(error)) throw error;
      return (await this.listKeys()).find((key) => key.id === id);
    }
  }

  /**
   * Deletes a key. When the DELETE fails, the list decides: a key Venice no longer
   * holds is already gone (done); a key it still holds is a failure.
   */
  async deleteKey(id: string): Promise<'deleted' | 'already-gone'> {
    try {
      await this.call({ method: 'DELETE', path: '/api_keys', query: { id }, idempotent: true });
      return 'deleted';
    } catch (error) {
      if (error instanceof VeniceApiError && (error.status === 401 || error.status === 403)) throw error;
      const stillThere = await this.listKeys().then(
        (keys) => keys.some((key) => key.id === id),
        () => true,
      );
      if (stillThere) throw error;
      return 'already-gone';
    }
  }

  private async call<T>(call: Call): Promise<T> {
    const { retryBudgetMs, now } = this.options;
    const maxAttempts = call.maxAttempts ?? this.options.maxAttempts;
    const started = now();
    for (let attempt = 1; ; attempt++) {
      try {
        return await this.attempt<T>(call, attempt, maxAttempts);
      } catch (error) {
        if (!(error instanceof VeniceApiError) || !error.retryable || !call.idempotent || attempt >= maxAttempts) throw error;
        const wait = retryDelayMs(attempt, error.serverWaitMs, this.options.random);
        if (now() - started + wait > retryBudgetMs) throw error;
        this.options.debug?.(`${call.method} ${call.path}: retrying in ${wait} ms after: ${error.message}`);
        await this.options.sleep(wait);
      }
    }
  }

  private async attempt<T>(call: Call, attempt: number, maxAttempts: number): Promise<T> {
    const { timeoutMs, key, now } = this.options;
    const query = call.query ? `?${new URLSearchParams(call.query)}` : '';
    const label = `${call.method} ${call.path}${query}`;
    const started = now();
    const log = (outcome: string) =>
      this.options.debug?.(`${label} -> ${outcome} (attempt ${attempt}/${maxAttempts}, ${now() - started} ms)`);

    let answer: Awaited<ReturnType<typeof exchange>>;
    try {
      answer = await exchange(
        new URL(`${this.root}${call.path}${query}`),
        {
          method: call.method,
          headers: {
            authorization: `Bearer ${key}`,
            accept: 'application/json',
            'user-agent': 'venice-key-action',
            ...(call.body === undefined ? {} : { 'content-type': 'application/json' }),
          },
          body: call.body === undefined ? undefined : JSON.stringify(call.body),
          signal: AbortSignal.timeout(timeoutMs),
        },
        this.options.dispatcher,
      );
    } catch (error) {
      const failure = transportError(label, error, timeoutMs);
      log(failure.kind);
      throw this.redacted(failure);
    }
    const { status, headers, text } = answer;
    log(String(status));
    // Redacted before anything quotes or cuts it, so no part of a key can survive.
    if (status < 200 || status >= 300) throw this.redacted(httpError(label, status, headers, this.clean(text), now()));
    try {
      return JSON.parse(text) as T;
    } catch {
      // A 2xx body may hold a secret in any shape: say how long it was, never what it said.
      throw new VeniceApiError(`${label}: the answer (${status}) is not JSON (${text.length} characters); check base-url.`, {
        kind: 'invalid-answer',
        status,
        retryable: false,
        // A create whose answer cannot be read may still have made a key.
        outcomeUnknown: true,
      });
    }
  }

  /** Text without the key (as sent, and as JSON would escape it) or anything key-shaped. */
  private clean(text: string): string {
    const { key } = this.options;
    return redact(text, [key, JSON.stringify(key).slice(1, -1)]);
  }

  /** The error as it may be shown. */
  private redacted(error: VeniceApiError): VeniceApiError {
    return new VeniceApiError(this.clean(error.message), {
      kind: error.kind,
      status: error.status,
      serverMessage: error.serverMessage === undefined ? undefined : this.clean(error.serverMessage),
      retryable: error.retryable,
      outcomeUnknown: error.outcomeUnknown,
      serverWaitMs: error.serverWaitMs,
    });
  }
}

const isObject = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);

/** The `data` of a 2xx answer, if it has the shape Venice gives; otherwise the server is not Venice (or not this API). */
function expectShape<T>(data: T | undefined, fits: (data: T) => boolean, label: string): T {
  if (data !== undefined && data !== null && fits(data)) return data;
  throw new VeniceApiError(`${label} answered 2xx with data Venice does not give; check base-url.`, {
    kind: 'invalid-answer',
    retryable: false,
    outcomeUnknown: false,
  });
}

/** A 4xx other than an authentication failure: Venice refused the request itself. */
function isRefusal(error: unknown): boolean {
  return (
    error instanceof VeniceApiError &&
    error.kind === 'http' &&
    error.status !== undefined &&
    error.status >= 400 &&
    error.status < 500 &&
    error.status !== 401 &&
    error.status !== 403 &&
    error.status !== 429
  );
}
