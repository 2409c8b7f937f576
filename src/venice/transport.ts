import type { Dispatcher } from 'undici';

/**
 * One request path: Node's own `fetch`, which is undici 7 inside Node 24, so a dispatcher
 * from the `undici` package (7.x, the same line) plugs straight in. The package is loaded
 * only when a dispatcher is needed (a proxy is configured); a direct request costs what
 * a bare `fetch` does.
 */

export type { Dispatcher };

/** Venice's answers are small (the key list is the largest); anything past this is refused. */
export const MAX_BODY_BYTES = 1024 * 1024;

const PROXY_VARIABLES = ['HTTPS_PROXY', 'https_proxy', 'HTTP_PROXY', 'http_proxy'];

export function isLoopback(url: URL): boolean {
  const host = url.hostname.replace(/^\[|\]$/g, '');
  return host === 'localhost' || host === '::1' || /^127(\.\d{1,3}){3}$/.test(host);
}

let proxyDispatcher: Promise<Dispatcher> | undefined;
let directDispatcher: Promise<Dispatcher> | undefined;

/**
 * No proxy configured: Node's default (direct). A proxy configured: undici's
 * EnvHttpProxyAgent (HTTPS_PROXY / HTTP_PROXY / NO_PROXY, either case), except for
 * loopback, which always goes direct: a key for this machine never crosses a proxy
 * (Node itself may route through one when NODE_USE_ENV_PROXY is set, hence an explicit Agent).
 */
export function dispatcherFor(url: URL, env: NodeJS.ProcessEnv = process.env): Promise<Dispatcher> | undefined {
  if (!PROXY_VARIABLES.some((name) => env[name])) return undefined;
  if (isLoopback(url)) {
    directDispatcher ??= import('undici').then(({ Agent }) => new Agent());
    return directDispatcher;
  }
  proxyDispatcher ??= import('undici').then(({ EnvHttpProxyAgent, Pool }) => {
    // The proxy's answer to CONNECT is otherwise reported only inside an error's text.
    const clientFactory = (origin: URL | string, options: object) => {
      const pool = new Pool(origin, options);
      const connect = pool.connect.bind(pool) as (options: unknown) => Promise<{ statusCode: number; socket: { destroy(): void } }>;
      Object.assign(pool, {
        connect: async (options: unknown) => {
          const answer = await connect(options);
          if (answer.statusCode !== 200) {
            answer.socket.destroy();
            throw new ProxyRefusedError(answer.statusCode);
          }
          return answer;
        },
      });
      return pool;
    };
    return new EnvHttpProxyAgent({ clientFactory });
  });
  return proxyDispatcher;
}

/** The request could not leave this process: nothing reached the server. */
export class NotSentError extends Error {}

/** The proxy answered CONNECT with something other than 200: the request never reached the server. */
export class ProxyRefusedError extends Error {
  readonly code = 'ERR_PROXY_CONNECT';
  readonly statusCode: number;
  constructor(statusCode: number) {
    super(`the proxy answered CONNECT with ${statusCode}`);
    this.statusCode = statusCode;
  }
}

export interface Exchange {
  status: number;
  headers: Headers;
  text: string;
}

export class BodyTooLargeError extends Error {
  readonly status: number;
  constructor(status: number) {
    super(`the answer (${status}) is larger than ${MAX_BODY_BYTES / 1024 / 1024} MiB`);
    this.status = status;
  }
}

/** Sends one request; reads at most MAX_BODY_BYTES of the answer; follows no redirect. */
export async function exchange(
  url: URL,
  init: { method: string; headers: Record<string, string>; body?: string; signal: AbortSignal },
  dispatcher?: Dispatcher,
): Promise<Exchange> {
  let chosen = dispatcher;
  try {
    chosen ??= await dispatcherFor(url);
  } catch (error) {
    throw new NotSentError(`the proxy setting (HTTPS_PROXY / HTTP_PROXY) cannot be used: ${(error as Error).message}`);
  }
  const response = await fetch(url, {
    ...init,
    redirect: 'manual',
    // Node's fetch types name their own copy of undici's Dispatcher; the two are the same class line.
    ...(chosen ? ({ dispatcher: chosen } as object) : {}),
  });
  return { status: response.status, headers: response.headers, text: await readCapped(response) };
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
