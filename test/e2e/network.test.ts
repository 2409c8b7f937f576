/**
 * TLS and proxies as self-hosted runners have them: the emulator served over HTTPS
 * with a certificate made here, trusted through NODE_EXTRA_CA_CERTS, and reached
 * through a loopback CONNECT proxy named by HTTPS_PROXY / https_proxy. The proxied
 * tests address the emulator as `venice.test`, a name only the proxy resolves (to
 * 127.0.0.1): a loopback address itself never goes through a proxy.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runJob, runStep, type StepOptions, type StepResult } from '../../emulator/fake-runner.ts';
import { GitHubApiEmulator } from '../../emulator/github-api.ts';
import { VeniceEmulator } from '../../emulator/venice-emulator.ts';
import { type ProxyBehaviour, startFaultProxy, tunnel } from '../helpers/fault-proxy.ts';
import { assertNoKeyLeaked } from '../helpers/leaks.ts';
import { keyRecordedByMain } from '../helpers/ledger.ts';

const PROXIED_HOST = 'venice.test';

function makeCertificate(dir: string): { key: string; cert: string; certPath: string } | undefined {
  const keyPath = join(dir, 'key.pem');
  const certPath = join(dir, 'cert.pem');
  try {
    execFileSync(
      'openssl',
      [
        'req',
        '-x509',
        '-newkey',
        'ec',
        '-pkeyopt',
        'ec_paramgen_curve:prime256v1',
        '-nodes',
        '-days',
        '1',
        '-subj',
        '/CN=127.0.0.1',
        '-addext',
        `subjectAltName=IP:127.0.0.1,DNS:${PROXIED_HOST}`,
        '-keyout',
        keyPath,
        '-out',
        certPath,
      ],
      { stdio: 'ignore' },
    );
  } catch {
    return undefined;
  }
  return { key: readFileSync(keyPath, 'utf8'), cert: readFileSync(certPath, 'utf8'), certPath };
}

interface Proxy {
  server: Server;
  url: string;
  /** The CONNECT targets it was asked for. */
  tunnels: string[];
  /** The raw bytes of everything it saw, tunnels included: a key in clear text would show here. */
  seen: () => string;
}

/**
 * A CONNECT proxy on loopback that tunnels `venice.test` and loopback to 127.0.0.1.
 * With `credentials`, it answers 407 to any CONNECT without that Proxy-Authorization.
 */
async function startProxy(credentials?: string): Promise<Proxy> {
  const tunnels: string[] = [];
  const bytes: Buffer[] = [];
  const server = createServer((_req, res) => res.writeHead(405).end());
  server.on('connection', (socket) => socket.on('data', (chunk: Buffer) => bytes.push(chunk)));
  server.on('connect', (req, client, head) => {
    const [host, port] = (req.url ?? '').split(':');
    tunnels.push(req.url ?? '');
    if (credentials && req.headers['proxy-authorization'] !== `Basic ${Buffer.from(credentials).toString('base64')}`) {
      return void client.end('HTTP/1.1 407 Proxy Authentication Required\r\nProxy-Authenticate: Basic realm="test"\r\n\r\n');
    }
    if (host !== '127.0.0.1' && host !== PROXIED_HOST) return void client.end('HTTP/1.1 403 Forbidden\r\n\r\n');
    tunnel(client, Number(port), head);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    server,
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    tunnels,
    seen: () => Buffer.concat(bytes).toString('latin1'),
  };
}

const dir = mkdtempSync(join(tmpdir(), 'venice-key-tls-'));
const certificate = makeCertificate(dir);
if (!certificate) console.warn('Skipping the TLS and proxy tests: openssl is not available to make a test certificate.');

describe.skipIf(!certificate)('HTTPS and proxies', () => {
  let emulator: VeniceEmulator;
  let proxy: Proxy;
  let proxied: string;

  beforeAll(async () => {
    emulator = await new VeniceEmulator({ tls: { key: certificate!.key, cert: certificate!.cert } }).start();
    proxy = await startProxy();
    proxied = emulator.url.replace('127.0.0.1', PROXIED_HOST);
  });
  afterAll(async () => {
    await emulator.stop();
    await new Promise((resolve) => proxy.server.close(resolve));
    rmSync(dir, { recursive: true, force: true });
  });

  const trusted = () => ({ NODE_EXTRA_CA_CERTS: certificate!.certPath });

  it('works over HTTPS when NODE_EXTRA_CA_CERTS trusts the certificate: mint, then revoke in post', async () => {
    const { main, post } = await runJob({ inputs: { 'base-url': emulator.url, 'admin-key': emulator.adminKey }, env: trusted() });
    expect(main.code).toBe(0);
    expect(post.code).toBe(0);
    expect(main.stderr + post.stderr).toBe('');
    expect(emulator.mintedKeys()).toEqual([]);
  });

  it('fails clearly, without retrying, when the certificate is not trusted', async () => {
    const before = emulator.received;
    const result = await runStep('main', { inputs: { 'base-url': emulator.url, 'api-key': emulator.inferenceKey } });
    expect(result.code).toBe(1);
    expect(result.stdout).toMatch(
      /::error::GET \/api_keys\/rate_limits failed: the server's TLS certificate is not trusted \(\w+\)\. .*NODE_EXTRA_CA_CERTS/,
    );
    expect(result.stdout.match(/::debug::GET \/api_keys\/rate_limits -> tls/g)).toHaveLength(1);
    expect(emulator.received).toBe(before);
  });

  it.each(['HTTPS_PROXY', 'https_proxy'])(
    'goes through the proxy named by %s, mint and post alike, and prints nothing on stderr',
    async (variable) => {
      const before = proxy.tunnels.length;
      const { main, post } = await runJob({
        inputs: { 'base-url': proxied, 'admin-key': emulator.adminKey },
        env: { ...trusted(), [variable]: proxy.url },
      });
      expect(main.code).toBe(0);
      expect(post.code).toBe(0);
      expect(main.stderr).toBe('');
      expect(post.stderr).toBe('');
      expect(proxy.tunnels.slice(before).every((target) => target === new URL(proxied).host)).toBe(true);
      expect(proxy.tunnels.length - before).toBeGreaterThanOrEqual(2);
      // Inside the tunnel it is TLS: the proxy never sees the key.
      expect(proxy.seen()).not.toContain(emulator.adminKey);
      expect(emulator.mintedKeys()).toEqual([]);
    },
  );

  it('bypasses the proxy for hosts in NO_PROXY', async () => {
    const before = proxy.tunnels.length;
    const result = await runStep('main', {
      inputs: { 'base-url': proxied, 'api-key': emulator.inferenceKey, 'max-attempts': '1' },
      env: { ...trusted(), HTTPS_PROXY: proxy.url, NO_PROXY: PROXIED_HOST },
    });
    // Direct, the name does not resolve: proof that the proxy was not asked.
    expect(result.stdout).toMatch(/::error::GET \/api_keys\/rate_limits failed: (ENOTFOUND|EAI_AGAIN)/);
    expect(proxy.tunnels.length).toBe(before);
  });

  it('a proxy that refuses the credentials (407) is named as such, and not retried', async () => {
    const guarded = await startProxy('user:right');
    try {
      const result = await runStep('main', {
        inputs: { 'base-url': proxied, 'admin-key': emulator.adminKey },
        env: { ...trusted(), HTTPS_PROXY: guarded.url.replace('http://', 'http://user:wrong@') },
      });
      expect(result.code).toBe(1);
      expect(result.stdout).toContain(
        `::error::POST /api_keys was not sent (proxy ${guarded.url}): the proxy refused the credentials (407 Proxy Authentication Required).`,
      );
      expect(result.stdout).not.toContain('timed out');
      expect(guarded.tunnels).toHaveLength(1);
      expect(result.stderr).toBe('');
      assertNoKeyLeaked(result, [emulator.adminKey]);
      // The create never reached Venice: nothing to reconcile, nothing left for the post step to find.
      expect(result.state.ledger).toBe('');
    } finally {
      await new Promise((resolve) => guarded.server.close(resolve));
    }
  });
});

describe('plain HTTP to this machine', () => {
  it('never goes through a proxy, so the key is never sent in clear text to it', async () => {
    const emulator = await new VeniceEmulator().start();
    const proxy = await startProxy();
    try {
      const env = { HTTP_PROXY: proxy.url, http_proxy: proxy.url, HTTPS_PROXY: proxy.url };
      const verify = await runStep('main', { inputs: { 'base-url': emulator.url, 'api-key': emulator.inferenceKey }, env });
      const { main, post } = await runJob({ inputs: { 'base-url': emulator.url, 'admin-key': emulator.adminKey }, env });
      for (const step of [verify, main, post]) {
        expect(step.code).toBe(0);
        expect(step.stderr).toBe('');
      }
      expect(proxy.tunnels).toEqual([]);
      expect(proxy.seen()).toBe('');
      expect(emulator.calls()).toEqual([
        'GET /api_keys/rate_limits 200',
        'POST /api_keys 200',
        expect.stringMatching(/^GET \/api_keys\/[\w-]+ 200$/),
        'DELETE /api_keys 200',
        'GET /api_keys/rate_limits/log 200',
      ]);
    } finally {
      await emulator.stop();
      await new Promise((resolve) => proxy.server.close(resolve));
    }
  });
});

/**
 * A proxy that fails the CONNECT, in every way a proxy can: each step of the built action
 * must end by itself within about timeout × attempts, having dialled the proxy a handful
 * of times at most (undici alone re-dials a proxy that closes the CONNECT for ever), and
 * must say the request was not sent, naming the proxy. The step is killed if it outlives
 * timeout × attempts + 30 s; a killed step fails the test.
 */
describe('a broken proxy', () => {
  // Only the hanging proxy waits for the timeout; the others fail at once. The bound is what is checked.
  const TIMEOUT_S = 1;
  const ATTEMPTS = 1;
  const LIFETIME_MS = (TIMEOUT_S * ATTEMPTS + 30) * 1_000;
  const connection = { timeout: `${TIMEOUT_S}s`, 'max-attempts': String(ATTEMPTS) };
  // Addressed by names only a proxy could resolve; these proxies never open a tunnel.
  const VENICE = 'https://venice.test:8443/api/v1';
  const GITHUB = 'https://github.test:8443';

  /** The step, killed if it has not exited by itself within LIFETIME_MS. */
  async function bounded(step: 'main' | 'post', options: StepOptions): Promise<StepResult> {
    let timer: NodeJS.Timeout | undefined;
    const result = await runStep(step, {
      ...options,
      onSpawn: (child) => {
        timer = setTimeout(() => child.kill('SIGKILL'), LIFETIME_MS);
      },
    });
    clearTimeout(timer);
    expect(result.signal, 'the step did not exit by itself').toBeNull();
    return result;
  }

  const notSent = (stdout: string, proxyUrl: string) =>
    expect(stdout).toMatch(
      new RegExp(`was not sent \\(proxy ${proxyUrl.replace(/\./g, '\\.')}\\): the proxy [^\n]*(407|closed|CONNECT|not HTTP)`),
    );

  let emulator: VeniceEmulator;
  beforeAll(async () => {
    emulator = await new VeniceEmulator().start();
  });
  afterAll(async () => {
    await emulator.stop();
  });

  const BEHAVIOURS: ProxyBehaviour[] = ['close', 'hang', 'garbage', '407'];

  it.each(BEHAVIOURS)('proxy %s: mint ends, says nothing was created, and leaves nothing to settle', async (behaviour) => {
    const proxy = await startFaultProxy(behaviour);
    try {
      const result = await bounded('main', {
        inputs: { ...connection, 'base-url': VENICE, 'admin-key': emulator.adminKey },
        env: { HTTPS_PROXY: proxy.url },
      });
      expect(result.code).toBe(1);
      notSent(result.stdout, proxy.url);
      expect(result.stdout).not.toContain('may have been created');
      expect(result.state.ledger ?? '').toBe('');
      expect(result.stderr).toBe('');
      expect(proxy.connects()).toBeLessThanOrEqual(3);
      assertNoKeyLeaked(result, [emulator.adminKey]);
    } finally {
      await proxy.stop();
    }
  });

  // The post step and prune go through the same transport as mint: the proxies that close or hang (the ones that
  // looped or hung before), and for GitHub's client the named 407.

  it.each(['close', 'hang'] as ProxyBehaviour[])('proxy %s: the post step ends, and names the proxy', async (behaviour) => {
    // The job's key, then a post step whose base-url only a proxy could reach.
    const { key, ledger } = keyRecordedByMain(emulator, 'proxy001');
    const proxy = await startFaultProxy(behaviour);
    try {
      const result = await bounded('post', {
        inputs: { ...connection, 'base-url': VENICE, 'admin-key': emulator.adminKey },
        state: { ledger },
        env: { HTTPS_PROXY: proxy.url },
      });
      expect(result.code).toBe(1);
      notSent(result.stdout, proxy.url);
      expect(result.stderr).toBe('');
      // The DELETE, then the list that would settle it: a handful of CONNECTs, not thousands.
      expect(proxy.connects()).toBeLessThanOrEqual(6);
      assertNoKeyLeaked(result, [emulator.adminKey, key.secret]);
    } finally {
      await proxy.stop();
      emulator.removeKey(key.id);
    }
  });

  it.each(['close', 'hang', '407'] as ProxyBehaviour[])(
    "proxy %s: prune's GitHub call ends, names the proxy, and prune decides by age",
    async (behaviour) => {
      // A young key of this run, whose fate only GitHub's answer could settle.
      const { key } = keyRecordedByMain(emulator, 'proxy001');
      const proxy = await startFaultProxy(behaviour);
      const token = 'ghs_brokenproxytoken';
      try {
        const result = await bounded('main', {
          inputs: { ...connection, 'base-url': emulator.url, 'admin-key': emulator.adminKey, mode: 'prune', 'github-token': token },
          // Venice on loopback goes direct; GitHub's API, by name, through the broken proxy.
          env: { HTTPS_PROXY: proxy.url, GITHUB_API_URL: GITHUB },
        });
        expect(result.code).toBe(0);
        expect(result.stdout).toContain('::warning::Deciding by age alone');
        notSent(result.stdout, proxy.url);
        expect(result.stderr).toBe('');
        expect(proxy.connects()).toBeLessThanOrEqual(3);
        expect(emulator.activeKeys().map(({ id }) => id)).toContain(key.id);
        assertNoKeyLeaked(result, [emulator.adminKey, token, key.secret]);
      } finally {
        await proxy.stop();
        emulator.removeKey(key.id);
      }
    },
  );
});

describe('plain HTTP to GitHub on this machine', () => {
  it("prune's GitHub calls never go through a proxy, even with NODE_USE_ENV_PROXY, so the token is never sent to it", async () => {
    const emulator = await new VeniceEmulator().start();
    const github = await new GitHubApiEmulator().start();
    github.setRun('1234567890', 'completed');
    const proxy = await startFaultProxy('tunnel');
    try {
      const env = { HTTP_PROXY: proxy.url, http_proxy: proxy.url, HTTPS_PROXY: proxy.url, NODE_USE_ENV_PROXY: '1' };
      const inputs = { 'base-url': emulator.url, 'admin-key': emulator.adminKey };
      const main = await runStep('main', { inputs });
      expect(main.code).toBe(0);
      const result = await runStep('main', {
        inputs: { ...inputs, mode: 'prune', 'github-token': github.token },
        env: { ...env, GITHUB_API_URL: github.url },
      });
      expect(result.code).toBe(0);
      expect(result.stderr).toBe('');
      expect(github.log.map((entry) => `${entry.path} ${entry.status}`)).toEqual(['/repos/octo-org/octo-repo/actions/runs/1234567890 200']);
      expect(proxy.connections()).toBe(0);
      expect(proxy.seen()).not.toContain(github.token);
      expect(emulator.mintedKeys()).toEqual([]);
    } finally {
      await proxy.stop();
      await github.stop();
      await emulator.stop();
    }
  });
});
