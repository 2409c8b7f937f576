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
import { type AddressInfo, connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runJob, runStep } from '../../emulator/fake-runner.ts';
import { VeniceEmulator } from '../../emulator/venice-emulator.ts';
import { assertNoKeyLeaked } from '../helpers/leaks.ts';

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
    const upstream = connect(Number(port), '127.0.0.1', () => {
      client.write('HTTP/1.1 200 Connection Established\r\n\r\n');
      upstream.write(head);
      upstream.pipe(client);
      client.pipe(upstream);
    });
    upstream.on('error', () => client.destroy());
    client.on('error', () => upstream.destroy());
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
        '::error::POST /api_keys failed: the proxy refused the credentials (407 Proxy Authentication Required).',
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
