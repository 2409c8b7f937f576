/**
 * TLS and proxies as self-hosted runners have them: the emulator served over HTTPS
 * with a certificate made here, trusted through NODE_EXTRA_CA_CERTS, and reached
 * through a loopback CONNECT proxy named by HTTPS_PROXY / https_proxy.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { type AddressInfo, connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runJob, runStep } from '../../emulator/runner.ts';
import { VeniceEmulator } from '../../emulator/venice-emulator.ts';

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
        'subjectAltName=IP:127.0.0.1',
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

/** A CONNECT proxy on loopback that tunnels only to loopback, and logs what it tunnelled. */
async function startProxy(): Promise<{ server: Server; url: string; tunnels: string[] }> {
  const tunnels: string[] = [];
  const server = createServer((_req, res) => res.writeHead(405).end());
  server.on('connect', (req, client, head) => {
    const [host, port] = (req.url ?? '').split(':');
    tunnels.push(req.url ?? '');
    if (host !== '127.0.0.1') return void client.end('HTTP/1.1 403 Forbidden\r\n\r\n');
    const upstream = connect(Number(port), host, () => {
      client.write('HTTP/1.1 200 Connection Established\r\n\r\n');
      upstream.write(head);
      upstream.pipe(client);
      client.pipe(upstream);
    });
    upstream.on('error', () => client.destroy());
    client.on('error', () => upstream.destroy());
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { server, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, tunnels };
}

const dir = mkdtempSync(join(tmpdir(), 'venice-key-tls-'));
const certificate = makeCertificate(dir);
if (!certificate) console.warn('Skipping the TLS and proxy tests: openssl is not available to make a test certificate.');

describe.skipIf(!certificate)('HTTPS and proxies', () => {
  let emulator: VeniceEmulator;
  let proxy: Awaited<ReturnType<typeof startProxy>>;

  beforeAll(async () => {
    emulator = await new VeniceEmulator({ tls: { key: certificate!.key, cert: certificate!.cert } }).start();
    proxy = await startProxy();
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

  it.each(['HTTPS_PROXY', 'https_proxy'])('goes through the proxy named by %s', async (variable) => {
    const before = proxy.tunnels.length;
    const result = await runStep('main', {
      inputs: { 'base-url': emulator.url, 'api-key': emulator.inferenceKey },
      env: { ...trusted(), [variable]: proxy.url },
    });
    expect(result.code).toBe(0);
    expect(proxy.tunnels.slice(before)).toEqual([new URL(emulator.url).host]);
  });

  it('bypasses the proxy for hosts in NO_PROXY', async () => {
    const before = proxy.tunnels.length;
    const result = await runStep('main', {
      inputs: { 'base-url': emulator.url, 'api-key': emulator.inferenceKey },
      env: { ...trusted(), HTTPS_PROXY: proxy.url, NO_PROXY: '127.0.0.1' },
    });
    expect(result.code).toBe(0);
    expect(proxy.tunnels.length).toBe(before);
  });
});
