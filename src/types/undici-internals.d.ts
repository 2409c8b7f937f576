// Types for the undici modules src/lib/http.ts loads directly (see there for why).
declare module 'undici/lib/dispatcher/env-http-proxy-agent.js' {
  import type { EnvHttpProxyAgent } from 'undici';

  const EnvHttpProxyAgentClass: typeof EnvHttpProxyAgent;
  export default EnvHttpProxyAgentClass;
}

declare module 'undici/lib/dispatcher/dispatcher.js' {
  import type { Dispatcher } from 'undici';

  const DispatcherClass: typeof Dispatcher;
  export default DispatcherClass;
}

declare module 'undici/lib/api/index.js' {
  /** request, stream, pipeline, upgrade and connect, as undici's entry installs them on Dispatcher.prototype. */
  const api: Record<string, unknown>;
  export default api;
}
