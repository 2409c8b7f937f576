import { type Dispatcher, defaultDispatcher, send } from './http.js';
import { isSecureOrigin, type LimitPeriod, type ModelPrivacy } from './inputs.js';
import { redact } from './redact.js';
import { type Headers, retryDelayMs, serverRequestedWaitMs } from './retry.js';

/** A typed client for the part of Venice's API this action uses. */

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
  apiKeyType: string;
  description?: string;
  expiresAt: string | null;
  consumptionLimit: ConsumptionLimit;
  limitPeriod: LimitPeriod;
  modelPrivacy: ModelPrivacy;
}

export interface ListedKey {
  id: string;
  apiKeyType: 'INFERENCE' | 'ADMIN';
  description?: string;
  createdAt: string | null;
  expiresAt: string | null;
  last6Chars: string;
}

export type ErrorKind = 'http' | 'timeout' | 'network' | 'tls';

interface ErrorFacts {
  kind: ErrorKind;
  status?: number;
  serverMessage?: string;
  /** Worth another attempt: 429, 5xx, timeouts and network failures. */
  retryable: boolean;
  /** The server may have acted on the request although we have no answer (5xx, timeout, dropped connection). */
  outcomeUnknown: boolean;
  /** How long the server asked us to wait before trying again. */
  serverWaitMs?: number;
}

/** A failed call. Its message carries the server's own words and status, never a header or a key. */
export class VeniceApiError extends Error {
  override readonly name = 'VeniceApiError';
  readonly kind: ErrorKind;
  readonly status: number | undefined;
  readonly serverMessage: string | undefined;
  readonly retryable: boolean;
  readonly outcomeUnknown: boolean;
  readonly serverWaitMs: number | undefined;

  constructor(message: string, facts: ErrorFacts) {
    super(message);
    this.kind = facts.kind;
    this.status = facts.status;
    this.serverMessage = facts.serverMessage;
    this.retryable = facts.retryable;
    this.outcomeUnknown = facts.outcomeUnknown;
    this.serverWaitMs = facts.serverWaitMs;
  }
}

export interface ClientOptions {
  baseUrl: URL;
  key: string;
  timeoutMs: number;
  maxAttempts: number;
  /** Upper bound on the total time spent waiting between attempts. */
  retryBudgetMs?: number;
  dispatcher?: Dispatcher;
  debug?: (line: string) => void;
  sleep?: (ms: number) => Promise<void>;
  random?: () => number;
  now?: () => number;
}

interface Call {
  method: 'GET' | 'POST' | 'PATCH' | 'DELETE';
  path: string;
  query?: Record<string, string>;
  body?: unknown;
  /** Retry only calls that are safe to repeat; a create is never repeated blindly. */
  idempotent: boolean;
}

const CONNECT_FAILURES = new Set(['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN', 'EHOSTUNREACH', 'ENETUNREACH', 'UND_ERR_CONNECT_TIMEOUT']);
const TLS_FAILURES = /CERT|SELF_SIGNED|UNABLE_TO_(GET|VERIFY)|ERR_TLS/;

export const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

export class VeniceClient {
  private readonly root: string;
  private readonly options: Required<Omit<ClientOptions, 'dispatcher' | 'debug'>> & Pick<ClientOptions, 'dispatcher' | 'debug'>;

  constructor(options: ClientOptions) {
    // A second guard behind input validation: a key never travels in clear text off this machine.
    if (!isSecureOrigin(options.baseUrl)) {
      throw new Error(`Refusing to send a key to ${options.baseUrl.origin}: only HTTPS, or HTTP to loopback, is allowed.`);
    }
    this.root = options.baseUrl.href.replace(/\/+$/, '');
    this.options = {
      retryBudgetMs: 5 * 60_000,
      sleep,
      random: Math.random,
      now: Date.now,
      ...options,
    };
  }

  async rateLimits(): Promise<RateLimits> {
    const answer = await this.call<{ data: RateLimits }>({ method: 'GET', path: '/api_keys/rate_limits', idempotent: true });
    return answer.data;
  }

  async modelIds(): Promise<string[]> {
    const answer = await this.call<{ data: { id: string }[] }>({
      method: 'GET',
      path: '/models',
      query: { type: 'all' },
      idempotent: true,
    });
    return answer.data.map((model) => model.id);
  }

  /** One attempt only: if its answer is lost, the caller must reconcile before creating again. */
  async createKey(body: CreateKeyBody): Promise<CreatedKey> {
    const answer = await this.call<{ data: CreatedKey }>({ method: 'POST', path: '/api_keys', body, idempotent: false });
    return answer.data;
  }

  async listKeys(): Promise<ListedKey[]> {
    const answer = await this.call<{ data: ListedKey[] }>({ method: 'GET', path: '/api_keys', idempotent: true });
    return answer.data;
  }

  /** Deletes a key; a key that is already gone counts as done. */
  async deleteKey(id: string): Promise<'deleted' | 'already-gone'> {
    try {
      await this.call({ method: 'DELETE', path: '/api_keys', query: { id }, idempotent: true });
      return 'deleted';
    } catch (error) {
      if (error instanceof VeniceApiError && error.status === 400 && /not be found|not found/i.test(error.serverMessage ?? '')) {
        return 'already-gone';
      }
      throw error;
    }
  }

  private async call<T>(call: Call): Promise<T> {
    const { maxAttempts, retryBudgetMs, now } = this.options;
    const started = now();
    for (let attempt = 1; ; attempt++) {
      try {
        return await this.attempt<T>(call, attempt);
      } catch (error) {
        if (!(error instanceof VeniceApiError) || !error.retryable || !call.idempotent || attempt >= maxAttempts) throw error;
        const wait = retryDelayMs(attempt, error.serverWaitMs, this.options.random);
        if (now() - started + wait > retryBudgetMs) throw error;
        this.options.debug?.(`${call.method} ${call.path}: retrying in ${wait} ms after: ${error.message}`);
        await this.options.sleep(wait);
      }
    }
  }

  private async attempt<T>(call: Call, attempt: number): Promise<T> {
    const { timeoutMs, key, now } = this.options;
    const query = call.query ? `?${new URLSearchParams(call.query)}` : '';
    const label = `${call.method} ${call.path}${query}`;
    const started = now();
    const log = (outcome: string) =>
      this.options.debug?.(`${label} -> ${outcome} (attempt ${attempt}/${this.options.maxAttempts}, ${now() - started} ms)`);

    let status: number;
    let headers: Headers;
    let text: string;
    try {
      const response = await send(this.options.dispatcher ?? defaultDispatcher(), new URL(`${this.root}${call.path}${query}`), {
        method: call.method,
        headers: {
          authorization: `Bearer ${key}`,
          accept: 'application/json',
          'user-agent': 'venice-key-action',
          ...(call.body === undefined ? {} : { 'content-type': 'application/json' }),
        },
        body: call.body === undefined ? undefined : JSON.stringify(call.body),
        headersTimeout: timeoutMs,
        bodyTimeout: timeoutMs,
        signal: AbortSignal.timeout(timeoutMs),
      });
      status = response.statusCode;
      headers = response.headers as Headers;
      text = await response.body.text();
    } catch (error) {
      const failure = this.transportError(label, error);
      log(failure.kind);
      throw failure;
    }
    log(String(status));
    if (status >= 200 && status < 300) {
      try {
        return JSON.parse(text) as T;
      } catch {
        throw new VeniceApiError(`${label}: the answer (${status}) is not JSON.`, {
          kind: 'http',
          status,
          retryable: false,
          outcomeUnknown: false,
        });
      }
    }
    throw this.httpError(label, status, headers, text);
  }

  private httpError(label: string, status: number, headers: Headers, text: string): VeniceApiError {
    let serverMessage: string | undefined;
    let details = '';
    try {
      const body = JSON.parse(text) as { error?: unknown; details?: unknown };
      if (typeof body.error === 'string') serverMessage = body.error;
      details = flattenDetails(body.details).join('; ');
    } catch {
      serverMessage = text.slice(0, 200) || undefined;
    }
    const retryable = status === 429 || status >= 500;
    const said = serverMessage ? `: ${serverMessage}` : '';
    const message = redact(`${label} answered ${status}${said}${details ? ` (${details})` : ''}`, [this.options.key]);
    return new VeniceApiError(message, {
      kind: 'http',
      status,
      serverMessage: serverMessage && redact(serverMessage, [this.options.key]),
      retryable,
      outcomeUnknown: status >= 500,
      serverWaitMs: serverRequestedWaitMs(headers, this.options.now()),
    });
  }

  private transportError(label: string, error: unknown): VeniceApiError {
    const err = error as { name?: string; code?: string; message?: string; cause?: { code?: string; message?: string } };
    const code = err.code ?? err.cause?.code ?? '';
    const timedOut = err.name === 'TimeoutError' || err.name === 'AbortError' || /TIMEOUT/.test(code);
    const raw = redact(String(err.cause?.message ?? err.message ?? error), [this.options.key]);
    if (TLS_FAILURES.test(code) || TLS_FAILURES.test(raw)) {
      return new VeniceApiError(
        `${label} failed: the server's TLS certificate is not trusted (${code || raw}). If a proxy or private CA signs it, point NODE_EXTRA_CA_CERTS at that CA's certificate.`,
        { kind: 'tls', retryable: false, outcomeUnknown: false },
      );
    }
    if (timedOut && code !== 'UND_ERR_CONNECT_TIMEOUT') {
      return new VeniceApiError(`${label} timed out after ${this.options.timeoutMs} ms.`, {
        kind: 'timeout',
        retryable: true,
        outcomeUnknown: true,
      });
    }
    return new VeniceApiError(`${label} failed: ${code ? `${code} ` : ''}${raw}`.trim(), {
      kind: 'network',
      retryable: true,
      outcomeUnknown: !CONNECT_FAILURES.has(code),
    });
  }
}

/** Turns a zod-style `{ field: { _errors: [...] } }` tree into `field: message` lines. */
export function flattenDetails(details: unknown, path: string[] = []): string[] {
  if (!details || typeof details !== 'object') return [];
  const lines: string[] = [];
  for (const [key, value] of Object.entries(details as Record<string, unknown>)) {
    if (key === '_errors' && Array.isArray(value)) {
      for (const message of value) lines.push(path.length ? `${path.join('.')}: ${message}` : String(message));
    } else {
      lines.push(...flattenDetails(value, [...path, key]));
    }
  }
  return lines;
}
