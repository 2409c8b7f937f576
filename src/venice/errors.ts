import { classifyFailure, type FailureKind, quoteUntrusted } from '../http/failure.js';
import { type HeaderSource, serverRequestedWaitMs } from './retry.js';

export type ErrorKind = FailureKind | 'http' | 'invalid-answer';

interface ErrorFacts {
  kind: ErrorKind;
  status?: number;
  /** The server's own words, as it sent them: data, never to be matched against. */
  serverMessage?: string;
  /** Worth another attempt: 429, 5xx, timeouts and network failures. */
  retryable: boolean;
  /** The server may have acted on the request although we have no usable answer. */
  outcomeUnknown: boolean;
  /** How long the server asked us to wait before trying again. */
  serverWaitMs?: number;
}

/**
 * A failed call. Its message names the call and what happened; any text the server
 * sent is quoted as a JSON string (one line, escapes visible), and never a header or a key.
 */
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

/** Turns a zod-style `{ field: { _errors: [...] } }` tree into `field: message` lines. */
export function flattenDetails(details: unknown, path: string[] = []): string[] {
  if (!details || typeof details !== 'object') return [];
  const lines: string[] = [];
  for (const [key, value] of Object.entries(details as Record<string, unknown>)) {
    if (key === '_errors' && Array.isArray(value)) {
      for (const message of value) lines.push(path.length ? `${path.join('.')}: ${String(message)}` : String(message));
    } else {
      lines.push(...flattenDetails(value, [...path, key]));
    }
  }
  return lines;
}

/** An answer with a status outside 2xx. A 5xx may have been acted on; a 4xx was refused. */
export function httpError(label: string, status: number, headers: HeaderSource, text: string, nowMs: number): VeniceApiError {
  let serverMessage: string | undefined;
  let details: string[] = [];
  try {
    const body = JSON.parse(text) as { error?: unknown; details?: unknown };
    if (typeof body.error === 'string') serverMessage = body.error;
    details = flattenDetails(body.details);
  } catch {
    serverMessage = text.trim() || undefined;
  }
  const said = [serverMessage, ...details].filter(Boolean).map((part) => quoteUntrusted(part as string));
  const redirect = status >= 300 && status < 400 ? ' (redirects are not followed: check base-url)' : '';
  return new VeniceApiError(`${label} answered ${status}${redirect}${said.length ? `: ${said.join(', ')}` : ''}`, {
    kind: 'http',
    status,
    serverMessage,
    retryable: status === 429 || status >= 500,
    outcomeUnknown: status >= 500,
    serverWaitMs: serverRequestedWaitMs(headers, nowMs),
  });
}

/** Why a request got no usable answer from Venice (see http/failure.ts). */
export function transportError(label: string, error: unknown, timeoutMs: number): VeniceApiError {
  const failure = classifyFailure(error, timeoutMs);
  return new VeniceApiError(`${label} ${failure.text}`, failure);
}
