import type { Dispatcher } from 'undici';
import api from 'undici/lib/api/index.js';
import DispatcherBase from 'undici/lib/dispatcher/dispatcher.js';
import EnvHttpProxyAgent from 'undici/lib/dispatcher/env-http-proxy-agent.js';

/**
 * The part of undici this action uses: dispatchers with their request API, and
 * EnvHttpProxyAgent.
 *
 * Why not `import { request } from 'undici'`: undici's entry loads all of undici (fetch,
 * WebSocket, EventSource, caches, mocks) before the first request, which made a verify
 * step start a quarter slower than loading only these modules (see the README's
 * development section). The paths are internal, so `undici` is pinned to one minor
 * line (~6.29, a maintenance line), and the tests run exactly these modules against
 * undici's own MockAgent and, end to end, through a real proxy.
 */

// What undici's entry does for every dispatcher: add request(), connect() (which
// ProxyAgent uses to tunnel), stream(), pipeline() and upgrade().
Object.assign(DispatcherBase.prototype, api);

export type { Dispatcher };

let shared: Dispatcher | undefined;

/** Honours HTTPS_PROXY / HTTP_PROXY / NO_PROXY (either case), as the rest of a runner's tools do. */
export function defaultDispatcher(): Dispatcher {
  shared ??= new EnvHttpProxyAgent();
  return shared;
}

export function send(dispatcher: Dispatcher, url: URL, options: Omit<Dispatcher.RequestOptions, 'origin' | 'path'>) {
  return dispatcher.request({ ...options, origin: url.origin, path: `${url.pathname}${url.search}` });
}
