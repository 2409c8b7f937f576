import type { Dispatcher } from 'undici';

/**
 * The one place that watches undici's proxy tunnel. undici reports what a proxy did with
 * CONNECT only inside an error's text (a 407 reaches fetch as "Request was cancelled."),
 * and when a proxy closes the CONNECT unanswered it re-dials the proxy at once, for ever,
 * even after the request was aborted. So the proxy client that EnvHttpProxyAgent makes
 * through its `clientFactory` option is a Pool whose public `connect` is wrapped: a
 * failed CONNECT is recorded, and rethrown as an error undici does not re-dial on.
 * test/client/proxy-tunnel.test.ts fails if undici stops calling it this way.
 */

/** What one request's proxy did with its CONNECT. */
export interface Tunnel {
  /** The proxy that was dialled, without credentials (e.g. http://proxy:3128). */
  proxy?: string;
  /** The proxy answered CONNECT with 200: past this point the request may reach the server. */
  opened: boolean;
  /** Why the tunnel did not open, when the proxy said or did something. */
  failure?: ProxyTunnelError;
}

/** The proxy did not open a tunnel: the request never reached the server. */
export class ProxyTunnelError extends Error {
  /** Not undici's UND_ERR_SOCKET, which it treats as worth re-dialling the proxy for. */
  readonly code = 'ERR_PROXY_TUNNEL';
  readonly proxy: string;
  /** The proxy's answer to CONNECT, when it gave one. */
  readonly statusCode: number | undefined;

  constructor(proxy: string, statusCode?: number, cause?: unknown) {
    super(statusCode ? `the proxy answered CONNECT with ${statusCode}` : 'the proxy did not open a tunnel', { cause });
    this.proxy = proxy;
    this.statusCode = statusCode;
  }
}

interface ConnectAnswer {
  statusCode: number;
  socket: { destroy(): void };
}

/** An EnvHttpProxyAgent (HTTPS_PROXY / HTTP_PROXY / NO_PROXY, either case) that reports into `tunnel`. */
export async function proxyAgent(tunnel: Tunnel): Promise<Dispatcher> {
  const { EnvHttpProxyAgent, Pool } = await import('undici');
  const clientFactory = (origin: URL | string, options: object) => {
    const proxy = new URL(origin).origin; // no user or password
    const pool = new Pool(origin, options);
    const connect = pool.connect.bind(pool) as (options: unknown) => Promise<ConnectAnswer>;
    Object.assign(pool, {
      connect: async (options: unknown) => {
        tunnel.proxy = proxy;
        let answer: ConnectAnswer;
        try {
          answer = await connect(options);
        } catch (error) {
          tunnel.failure = new ProxyTunnelError(proxy, undefined, error);
          throw tunnel.failure;
        }
        if (answer.statusCode !== 200) {
          answer.socket.destroy();
          tunnel.failure = new ProxyTunnelError(proxy, answer.statusCode);
          throw tunnel.failure;
        }
        tunnel.opened = true;
        return answer;
      },
    });
    return pool;
  };
  return new EnvHttpProxyAgent({ clientFactory });
}
