/**
 * One table of transport faults, run against both clients the action has (Venice's and
 * GitHub's), over real sockets on loopback: each fault must be classified the same way
 * by both, because both go through src/http/. The proxied rows address a name only a
 * proxy could resolve, and the proxy never opens a tunnel: nothing leaves loopback.
 * Then the proxy variables one by one, and which failures mean "not sent" and which
 * "outcome unknown" (a create whose outcome is unknown is looked for before any retry).
 */
import { createServer, type Server } from 'node:http';
import { type AddressInfo, createServer as createNetServer, type Socket } from 'node:net';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { workflowRunStates } from '../../src/github/workflow-runs.ts';
import { classifyFailure, type FailureKind } from '../../src/http/failure.ts';
import { VeniceClient } from '../../src/venice/client.ts';
import { VeniceApiError } from '../../src/venice/errors.ts';
import { type FaultProxy, type ProxyBehaviour, startFaultProxy } from '../helpers/fault-proxy.ts';

/** Rows that wait for a timeout use the short one; the rest a long one, so a busy machine never turns them into timeouts. */
const TIMEOUT_MS = 500;
const PATIENT_MS = 20_000;
const TOKEN = 'ghs_transportrulestoken';
const KEY = 'VENICE_ADMIN_KEY_transportrulestransport';

type ServerFault = 'answers' | 'closes' | 'hangs' | 'endless';

/** A loopback server that answers both clients' one request, or misbehaves. */
let fault: ServerFault = 'answers';
let server: Server;
let serverUrl: string;
const sockets = new Set<Socket>();

beforeAll(async () => {
  server = createServer((req, res) => {
    if (fault === 'closes') return void req.socket.destroy();
    if (fault === 'hangs') return;
    if (fault === 'endless') {
      res.writeHead(200, { 'content-type': 'application/json' });
      const chunk = Buffer.alloc(64 * 1024, 'x');
      const more = () => {
        while (!res.destroyed && res.write(chunk));
        if (!res.destroyed) res.once('drain', more);
      };
      return more();
    }
    const body = req.url?.startsWith('/repos/')
      ? { id: 1, status: 'completed' }
      : { data: { accessPermitted: true, balances: {}, apiTier: { id: 'paid', isCharged: true } } };
    res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(body));
  });
  server.on('connection', (socket: Socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  serverUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(async () => {
  for (const socket of sockets) socket.destroy();
  await new Promise((resolve) => server.close(resolve));
});

let proxy: FaultProxy | undefined;
afterEach(async () => {
  vi.unstubAllEnvs();
  fault = 'answers';
  await proxy?.stop();
  proxy = undefined;
});

interface Outcome {
  ok: boolean;
  kind?: FailureKind | string;
  outcomeUnknown?: boolean;
  text?: string;
}

/** Each client's one request against `origin`, reduced to what the rules are about. */
const clients: Record<string, (origin: string, timeoutMs: number) => Promise<Outcome>> = {
  venice: async (origin, timeoutMs) => {
    const client = new VeniceClient({ baseUrl: new URL(origin), key: KEY, timeoutMs, maxAttempts: 1 });
    try {
      await client.rateLimits();
      return { ok: true };
    } catch (error) {
      if (!(error instanceof VeniceApiError)) throw error;
      return { ok: false, kind: error.kind, outcomeUnknown: error.outcomeUnknown, text: error.message };
    }
  },
  github: async (origin, timeoutMs) => {
    vi.stubEnv('GITHUB_API_URL', origin);
    const answer = await workflowRunStates(TOKEN, 'octo-org/octo-repo', ['1'], timeoutMs);
    if (answer.ok) return { ok: true };
    return { ok: false, kind: answer.failure?.kind, outcomeUnknown: answer.failure?.outcomeUnknown, text: answer.reason };
  },
};

interface Row {
  fault: string;
  server?: ServerFault;
  proxy?: ProxyBehaviour;
  /** Address the server by a name only the proxy could resolve (a proxied, non-loopback request). */
  proxied?: boolean;
  /** The fault is a wait: the short timeout. */
  waits?: boolean;
  expected: Outcome;
  text?: RegExp;
}

const TABLE: Row[] = [
  { fault: 'the server closes the connection', server: 'closes', expected: { ok: false, kind: 'network', outcomeUnknown: true } },
  {
    fault: 'the server hangs past the timeout',
    server: 'hangs',
    waits: true,
    expected: { ok: false, kind: 'timeout', outcomeUnknown: true },
    text: new RegExp(`timed out after ${TIMEOUT_MS} ms`),
  },
  {
    fault: 'an endless body (> 1 MiB)',
    server: 'endless',
    expected: { ok: false, kind: 'oversize', outcomeUnknown: true },
    text: /larger than 1 MiB/,
  },
  {
    fault: 'the proxy answers 407',
    proxy: '407',
    proxied: true,
    expected: { ok: false, kind: 'proxy', outcomeUnknown: false },
    text: /was not sent \(proxy http:\/\/127\.0\.0\.1:\d+\): the proxy refused the credentials \(407 Proxy Authentication Required\)/,
  },
  {
    fault: 'the proxy closes the CONNECT',
    proxy: 'close',
    proxied: true,
    expected: { ok: false, kind: 'proxy', outcomeUnknown: false },
    text: /was not sent \(proxy http:\/\/127\.0\.0\.1:\d+\): the proxy closed the connection without answering CONNECT/,
  },
  {
    fault: 'the proxy hangs on the CONNECT',
    proxy: 'hang',
    proxied: true,
    waits: true,
    expected: { ok: false, kind: 'proxy', outcomeUnknown: false },
    text: new RegExp(`was not sent \\(proxy http://127\\.0\\.0\\.1:\\d+\\): the proxy did not answer CONNECT within ${TIMEOUT_MS} ms`),
  },
  {
    fault: 'the proxy answers garbage',
    proxy: 'garbage',
    proxied: true,
    expected: { ok: false, kind: 'proxy', outcomeUnknown: false },
    text: /was not sent \(proxy http:\/\/127\.0\.0\.1:\d+\): the proxy answered CONNECT with something that is not HTTP/,
  },
  { fault: 'loopback with a proxy set goes direct', proxy: 'tunnel', expected: { ok: true } },
];

describe.each(Object.keys(clients))('the %s client', (name) => {
  it.each(TABLE)('$fault', async (row) => {
    fault = row.server ?? 'answers';
    if (row.proxy) {
      proxy = await startFaultProxy(row.proxy);
      for (const variable of ['HTTPS_PROXY', 'HTTP_PROXY', 'https_proxy', 'http_proxy']) vi.stubEnv(variable, proxy.url);
    }
    const origin = row.proxied ? `https://${name}.test:8443` : serverUrl;
    const ask = clients[name] as (origin: string, timeoutMs: number) => Promise<Outcome>;
    const outcome = await ask(origin, row.waits ? TIMEOUT_MS : PATIENT_MS);
    expect(outcome).toMatchObject(row.expected);
    if (row.text) expect(outcome.text).toMatch(row.text);
    // Never "may have been created" for what never left: and never the token or key.
    expect(outcome.text ?? '').not.toContain(TOKEN);
    expect(outcome.text ?? '').not.toContain(KEY);
    if (row.proxied) expect(proxy?.connects()).toBeLessThanOrEqual(2);
    if (!row.proxied && proxy) {
      expect(proxy.connections()).toBe(0);
      expect(proxy.seen()).toBe('');
    }
  });
});

describe.each(Object.keys(clients))('the %s client behind a proxy', (name) => {
  const ask = (timeoutMs: number, port = 8443) =>
    (clients[name] as (origin: string, timeoutMs: number) => Promise<Outcome>)(`https://${name}.test:${port}`, timeoutMs);

  // HTTPS_PROXY and HTTP_PROXY are honoured in either case: a runner may set only one of them.
  it.each(['HTTPS_PROXY', 'https_proxy', 'HTTP_PROXY', 'http_proxy'])('%s alone routes the request through the proxy', async (variable) => {
    proxy = await startFaultProxy('407');
    for (const other of ['HTTPS_PROXY', 'https_proxy', 'HTTP_PROXY', 'http_proxy', 'NO_PROXY', 'no_proxy']) vi.stubEnv(other, undefined);
    vi.stubEnv(variable, proxy.url);
    expect(await ask(PATIENT_MS)).toMatchObject({ ok: false, kind: 'proxy', outcomeUnknown: false });
    expect(proxy.connects()).toBe(1);
  });

  it('a failure after the tunnel opened is not "not sent": the server may have acted', async () => {
    // A server that takes the connection through the tunnel and never says a word.
    const silent = createNetServer((socket) => socket.on('error', () => {}));
    const held = new Set<Socket>();
    silent.on('connection', (socket: Socket) => held.add(socket));
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    try {
      proxy = await startFaultProxy('tunnel');
      vi.stubEnv('HTTPS_PROXY', proxy.url);
      const outcome = await ask(TIMEOUT_MS, (silent.address() as AddressInfo).port);
      expect(outcome).toMatchObject({ ok: false, kind: 'timeout', outcomeUnknown: true });
      expect(proxy.connects()).toBe(1);
    } finally {
      for (const socket of held) socket.destroy();
      await new Promise((resolve) => silent.close(resolve));
    }
  });
});

describe('what a failure says about the request', () => {
  /** fetch's own shape: `fetch failed`, caused by the socket's error. */
  const fetchFailed = (code: string) => Object.assign(new TypeError('fetch failed'), { cause: Object.assign(new Error(code), { code }) });

  it.each(['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN', 'EHOSTUNREACH', 'ENETUNREACH', 'UND_ERR_CONNECT_TIMEOUT'])(
    '%s: no connection was made, so nothing was sent',
    (code) => {
      expect(classifyFailure(fetchFailed(code), 1_000)).toMatchObject({ kind: 'network', outcomeUnknown: false, retryable: true });
    },
  );

  it.each(['ECONNRESET', 'EPIPE', 'UND_ERR_SOCKET', 'ETIMEDOUT', ''])('%j after connecting: the outcome is unknown', (code) => {
    expect(classifyFailure(fetchFailed(code), 1_000)).toMatchObject({ kind: 'network', outcomeUnknown: true, retryable: true });
  });
});
