import { ProxyTunnelError } from './proxy-tunnel.js';
import { BodyTooLargeError, NotSentError } from './transport.js';

/**
 * Why a request got no usable HTTP answer, the same way for every client: whether it
 * reached the server ("not sent" vs "outcome unknown"), whether trying again may help,
 * and a sentence a person can act on. Text from elsewhere is quoted, never trusted.
 */

export type FailureKind = 'not-sent' | 'proxy' | 'tls' | 'timeout' | 'network' | 'oversize';

export interface TransportFailure {
  kind: FailureKind;
  /** Follows the request's label: "was not sent: …", "timed out after …", "failed: …". */
  text: string;
  /** Worth another attempt: timeouts and network failures. */
  retryable: boolean;
  /** The server may have acted on the request although we have no usable answer. */
  outcomeUnknown: boolean;
  /** The HTTP status, when there was one (the answer that was too large, the proxy's refusal). */
  status?: number;
}

/** Untrusted text as inert data: one line, quoted, with its escapes visible, and bounded. */
export function quoteUntrusted(text: string, max = 300): string {
  const cut = text.length > max ? `${text.slice(0, max)}…` : text;
  return JSON.stringify(cut).replace(/[\u0085\u2028\u2029]/g, (char) => `\\u${char.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

const CONNECT_FAILURES = new Set(['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN', 'EHOSTUNREACH', 'ENETUNREACH', 'UND_ERR_CONNECT_TIMEOUT']);
const TLS_FAILURES = /CERT|SELF_SIGNED|UNABLE_TO_(GET|VERIFY)|ERR_TLS|ERR_SSL/;

interface Cause {
  name?: string;
  code?: string;
  message?: string;
  cause?: Cause;
}

/** fetch wraps what went wrong in causes (`fetch failed` ← … ← the socket's error); the innermost says most. */
function causes(error: unknown): Cause[] {
  const chain: Cause[] = [];
  for (let at = error as Cause | undefined; at && typeof at === 'object' && chain.length < 6; at = at.cause) chain.push(at);
  return chain;
}

const codeOf = (chain: Cause[]) => [...chain].reverse().find((cause) => typeof cause.code === 'string' && cause.code)?.code ?? '';

export function classifyFailure(error: unknown, timeoutMs: number): TransportFailure {
  const chain = causes(error);
  const outer = chain[0] ?? {};
  if (error instanceof BodyTooLargeError) {
    // Read too far to be sure it was refused: a create may have happened.
    return { kind: 'oversize', text: `failed: ${error.message}.`, status: error.status, retryable: false, outcomeUnknown: true };
  }
  const tunnel = chain.find((cause) => cause instanceof ProxyTunnelError) as ProxyTunnelError | undefined;
  if (tunnel) return proxyFailure(tunnel, timeoutMs);
  // fetch refuses a request it cannot build (a header with a line break or a non-ASCII
  // character, a bad URL) with a TypeError of its own, before anything is sent.
  if (error instanceof NotSentError || (outer.name === 'TypeError' && outer.message !== 'fetch failed' && !outer.cause)) {
    const why =
      error instanceof NotSentError ? error.message : 'the request could not be built (a key or a URL holds characters HTTP cannot carry)';
    return { kind: 'not-sent', text: `was not sent: ${why}.`, retryable: false, outcomeUnknown: false };
  }
  if (chain.some((cause) => cause.name === 'TimeoutError')) {
    return { kind: 'timeout', text: `timed out after ${timeoutMs} ms.`, retryable: true, outcomeUnknown: true };
  }
  const code = codeOf(chain);
  if (TLS_FAILURES.test(code)) {
    return {
      kind: 'tls',
      text:
        `failed: the server's TLS certificate is not trusted (${code}). If a proxy or private CA signs it, point ` +
        "NODE_EXTRA_CA_CERTS at that CA's certificate.",
      retryable: false,
      outcomeUnknown: false,
    };
  }
  const said = String(chain[chain.length - 1]?.message ?? error);
  return {
    kind: 'network',
    text: `failed: ${code ? `${code} ` : ''}${quoteUntrusted(said)}`,
    retryable: true,
    outcomeUnknown: !CONNECT_FAILURES.has(code),
  };
}

/** The proxy never opened a tunnel, so the request never reached the server: nothing was done there. */
function proxyFailure(failure: ProxyTunnelError, timeoutMs: number): TransportFailure {
  const status = failure.statusCode;
  const chain = causes(failure.cause);
  const code = codeOf(chain);
  let why: string;
  if (status === 407) {
    why =
      'the proxy refused the credentials (407 Proxy Authentication Required). Put the right user and password in ' +
      'the proxy URL (HTTPS_PROXY=http://user:password@host:port), or ask for access';
  } else if (status) why = `the proxy refused to connect (${status})`;
  else if (chain.some((cause) => cause.name === 'TimeoutError')) why = `the proxy did not answer CONNECT within ${timeoutMs} ms`;
  else if (code === 'UND_ERR_SOCKET') why = `the proxy closed the connection without answering CONNECT`;
  else if (code.startsWith('HPE_') || chain.some((cause) => cause.name === 'HTTPParserError'))
    why = `the proxy answered CONNECT with something that is not HTTP`;
  else if (CONNECT_FAILURES.has(code)) why = `the proxy could not be reached (${code})`;
  else why = `the proxy did not open a tunnel: ${code ? `${code} ` : ''}${quoteUntrusted(String(chain[chain.length - 1]?.message))}`;
  return {
    kind: 'proxy',
    text: `was not sent (proxy ${failure.proxy}): ${why}.`,
    status,
    retryable: !status || status >= 500,
    outcomeUnknown: false,
  };
}
