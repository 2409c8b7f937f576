import { type HeaderSource, serverRequestedWaitMs } from './retry.js';
import { NotSentError, ProxyRefusedError } from './transport.js';

export type ErrorKind = 'http' | 'timeout' | 'network' | 'tls' | 'proxy' | 'not-sent' | 'oversize' | 'invalid-answer';

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

/** Server text as inert data: one line, quoted, with its escapes visible, and bounded. */
export function quoteServerText(text: string, max = 300): string {
  const cut = text.length > max ? `${text.slice(0, max)}…` : text;
  return JSON.stringify(cut).replace(/[\u0085\u2028\u2029]/g, (char) => `\\u${char.charCodeAt(0).toString(16).padStart(4, '0')}`);
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
  const said = [serverMessage, ...details].filter(Boolean).map((part) => quoteServerText(part as string));
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

const CONNECT_FAILURES = new Set(['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN', 'EHOSTUNREACH', 'ENETUNREACH', 'UND_ERR_CONNECT_TIMEOUT']);
const TLS_FAILURES = /CERT|SELF_SIGNED|UNABLE_TO_(GET|VERIFY)|ERR_TLS|ERR_SSL/;
interface Failure {
  name?: string;
  code?: string;
  message?: string;
  cause?: Failure;
}

/** fetch wraps what went wrong in causes (`fetch failed` ← … ← the socket's error); the innermost says most. */
function causes(error: unknown): Failure[] {
  const chain: Failure[] = [];
  for (let at = error as Failure | undefined; at && typeof at === 'object' && chain.length < 5; at = at.cause) chain.push(at);
  return chain;
}

/** Why a request got no HTTP answer from Venice: a timeout, a proxy, TLS, or the network. */
export function transportError(label: string, error: unknown, timeoutMs: number): VeniceApiError {
  const chain = causes(error);
  const outer = chain[0] ?? {};
  const innermost = chain[chain.length - 1] ?? {};
  const code = [...chain].reverse().find((failure) => failure.code && typeof failure.code === 'string')?.code ?? '';
  const text = String(innermost.message ?? error);
  // fetch refuses a request it cannot build (a header with a line break or a non-ASCII
  // character, a bad URL) with a TypeError of its own, before anything is sent.
  const unsendable = error instanceof NotSentError || (outer.name === 'TypeError' && outer.message !== 'fetch failed' && !outer.cause);
  if (unsendable) {
    const why =
      error instanceof NotSentError ? error.message : 'the request could not be built (a key or a URL holds characters HTTP cannot carry)';
    return new VeniceApiError(`${label} was not sent: ${why}.`, { kind: 'not-sent', retryable: false, outcomeUnknown: false });
  }
  if (chain.some((failure) => failure.name === 'TimeoutError')) {
    return new VeniceApiError(`${label} timed out after ${timeoutMs} ms.`, { kind: 'timeout', retryable: true, outcomeUnknown: true });
  }
  const refused = chain.find((failure) => failure instanceof ProxyRefusedError) as ProxyRefusedError | undefined;
  if (refused) {
    const status = refused.statusCode;
    const why =
      status === 407
        ? 'the proxy refused the credentials (407 Proxy Authentication Required). Put the right user and password in the proxy URL (HTTPS_PROXY=http://user:password@host:port), or ask for access'
        : `the proxy refused to connect (${status})`;
    // The request never reached Venice, so nothing was created.
    return new VeniceApiError(`${label} failed: ${why}.`, { kind: 'proxy', status, retryable: status >= 500, outcomeUnknown: false });
  }
  if (TLS_FAILURES.test(code)) {
    return new VeniceApiError(
      `${label} failed: the server's TLS certificate is not trusted (${code}). If a proxy or private CA signs it, point NODE_EXTRA_CA_CERTS at that CA's certificate.`,
      { kind: 'tls', retryable: false, outcomeUnknown: false },
    );
  }
  return new VeniceApiError(`${label} failed: ${code ? `${code} ` : ''}${quoteServerText(text)}`, {
    kind: 'network',
    retryable: true,
    outcomeUnknown: !CONNECT_FAILURES.has(code),
  });
}
