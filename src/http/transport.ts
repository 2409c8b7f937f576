import type { Dispatcher } from 'undici';
import { ProxyTunnelError, proxyAgent, type Tunnel } from './proxy-tunnel.js';

/**
 * The one request path for every request the action sends (Venice's API and GitHub's):
 * Node's own `fetch`, which is undici 7 inside Node 24, so a dispatcher from the `undici`
 * package (7.x, the same line) plugs straight in. The package is loaded only when a
 * proxy is configured; a direct request costs what a bare `fetch` does.
 */

export type { Dispatcher };

/** The answers we read are small (Venice's key list is the largest); anything past this is refused. */
export const MAX_BODY_BYTES = 1024 * 1024;

const PROXY_VARIABLES = ['HTTPS_PROXY', 'https_proxy', 'HTTP_PROXY', 'http_proxy'];

export function isLoopback(url: URL): boolean {
  const host = url.hostname.replace(/^\[|\]$/g, '');
  return host === 'localhost' || host === '::1' || /^127(\.\d{1,3}){3}$/.test(host);
}

/** The request could not leave this process: nothing reached the server. */
export class NotSentError extends Error {}

export class BodyTooLargeError extends Error {
  readonly status: number;
  constructor(status: number) {
    super(`the answer (${status}) is larger than ${MAX_BODY_BYTES / 1024 / 1024} MiB`);
    this.status = status;
  }
}

export interface Exchange {
  status: number;
  headers: Headers;
  text: string;
}

export interface ExchangeInit {
  method: string;
  headers: Record<string, string>;
  body?: string;
  signal: AbortSignal;
}

/**
 * No proxy configured: Node's default (direct). A proxy configured: undici's
 * EnvHttpProxyAgent, except for loopback, which always goes direct: a token for this
 * machine never crosses a proxy (Node itself may route through one when
 * NODE_USE_ENV_PROXY is set, hence an explicit Agent). A new dispatcher for each
 * request, destroyed when it ends: nothing a dispatcher does after a request is given
 * up (re-dialling a proxy, waiting on one) can outlive the request.
 */
async function dispatcherFor(url: URL, tunnel: Tunnel, env: NodeJS.ProcessEnv): Promise<Dispatcher | undefined> {
  if (!PROXY_VARIABLES.some((name) => env[name])) return undefined;
  try {
    return isLoopback(url) ? new (await import('undici')).Agent() : await proxyAgent(tunnel);
  } catch (error) {
    throw new NotSentError(`the proxy setting (HTTPS_PROXY / HTTP_PROXY) cannot be used: ${(error as Error).message}`);
  }
}

/**
 * Sends one request; reads at most MAX_BODY_BYTES of the answer; follows no redirect.
 * A failure before a proxy opened its tunnel is a ProxyTunnelError: nothing was sent.
 */
export async function exchange(url: URL, init: ExchangeInit, dispatcher?: Dispatcher): Promise<Exchange> {
  const tunnel: Tunnel = { opened: false };
  const own = dispatcher ? undefined : await dispatcherFor(url, tunnel, process.env);
  const chosen = dispatcher ?? own;
  try {
    const response = await fetch(url, {
      ...init,
      redirect: 'manual',
      // Node's fetch types name their own copy of undici's Dispatcher; the two are the same class line.
      ...(chosen ? ({ dispatcher: chosen } as object) : {}),
    });
    return { status: response.status, headers: response.headers, text: await readCapped(response) };
  } catch (error) {
    if (tunnel.proxy && !tunnel.opened) throw tunnel.failure ?? new ProxyTunnelError(tunnel.proxy, undefined, error);
    throw error;
  } finally {
    own?.destroy().catch(() => {});
  }
}

/**
 * A `fetch` for a client that takes one (Octokit): the same rules as `exchange`, and a
 * Response rebuilt from the capped text. A signal is required: no request waits for ever.
 */
export async function cappedFetch(input: string | URL, init: RequestInit & { signal: AbortSignal }): Promise<Response> {
  const answer = await exchange(new URL(String(input)), {
    method: init.method ?? 'GET',
    headers: Object.fromEntries(new Headers(init.headers)),
    body: typeof init.body === 'string' ? init.body : undefined,
    signal: init.signal,
  });
  const bodiless = answer.status === 204 || answer.status === 205 || answer.status === 304;
  return new Response(bodiless ? null : answer.text, { status: answer.status, headers: answer.headers });
}

async function readCapped(response: Response): Promise<string> {
  if (!response.body) return '';
  const declared = Number(response.headers.get('content-length'));
  if (declared > MAX_BODY_BYTES) {
    await response.body.cancel();
    throw new BodyTooLargeError(response.status);
  }
  const reader = response.body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.byteLength;
    if (size > MAX_BODY_BYTES) {
      await reader.cancel();
      throw new BodyTooLargeError(response.status);
    }
    chunks.push(value);
  }
  return Buffer.concat(chunks).toString('utf8');
}
