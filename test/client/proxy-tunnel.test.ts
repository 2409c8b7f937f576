/**
 * A guard on the one place that leans on how undici drives a proxy (src/http/proxy-tunnel.ts):
 * EnvHttpProxyAgent must still build its proxy client through `clientFactory` and open
 * tunnels with that client's promise-style `connect`, and must stop re-dialling when that
 * `connect` fails with an error that is not undici's own socket error. If an undici
 * update changes any of this, these tests fail (rather than the action hanging).
 */
import { type AddressInfo, createServer } from 'node:net';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { ProxyTunnelError, proxyAgent, type Tunnel } from '../../src/http/proxy-tunnel.ts';
import { type FaultProxy, type ProxyBehaviour, startFaultProxy } from '../helpers/fault-proxy.ts';

let proxy: FaultProxy | undefined;
afterEach(async () => {
  vi.unstubAllEnvs();
  await proxy?.stop();
  proxy = undefined;
});

async function through(behaviour: ProxyBehaviour, port = 8443): Promise<{ tunnel: Tunnel; error: unknown }> {
  proxy = await startFaultProxy(behaviour);
  vi.stubEnv('HTTPS_PROXY', proxy.url);
  const tunnel: Tunnel = { opened: false };
  const agent = await proxyAgent(tunnel);
  try {
    // A name only a proxy could resolve: nothing here is sent anywhere but the loopback proxy.
    await fetch(`https://venice.test:${port}/`, { dispatcher: agent, signal: AbortSignal.timeout(5_000) } as RequestInit);
    return { tunnel, error: undefined };
  } catch (error) {
    return { tunnel, error };
  } finally {
    await agent.destroy();
  }
}

describe('undici as proxy-tunnel.ts relies on it', () => {
  it("hands the proxy's CONNECT status to the wrapped connect (407)", async () => {
    const { tunnel, error } = await through('407');
    expect(error).toBeDefined();
    expect(tunnel).toMatchObject({ proxy: proxy?.url, opened: false });
    expect(tunnel.failure).toBeInstanceOf(ProxyTunnelError);
    expect(tunnel.failure?.statusCode).toBe(407);
    expect(proxy?.connects()).toBe(1);
  });

  it('takes any answer but 200 as a tunnel not opened, and closes the connection the proxy left open', async () => {
    const { tunnel, error } = await through('302');
    expect(error).toBeDefined();
    expect(tunnel).toMatchObject({ proxy: proxy?.url, opened: false });
    expect(tunnel.failure?.statusCode).toBe(302);
    // Nothing of the refused CONNECT stays open to keep the step alive.
    await vi.waitFor(() => expect(proxy?.open()).toBe(0), { timeout: 10_000 });
  });

  it('fails the request at once, without re-dialling, when the proxy closes the CONNECT unanswered', async () => {
    const { tunnel, error } = await through('close');
    expect((error as Error).name).not.toBe('TimeoutError');
    expect(tunnel.failure?.statusCode).toBeUndefined();
    expect((tunnel.failure?.cause as { code?: string } | undefined)?.code).toBe('UND_ERR_SOCKET');
    expect(proxy?.connects()).toBeLessThanOrEqual(2);
  });

  it('records an opened tunnel', async () => {
    // Behind the proxy, a server that closes every connection: the tunnel opens, then TLS fails.
    const target = createServer((socket) => socket.destroy());
    await new Promise<void>((resolve) => target.listen(0, '127.0.0.1', resolve));
    try {
      const { tunnel, error } = await through('tunnel', (target.address() as AddressInfo).port);
      expect(error).toBeDefined();
      expect(tunnel).toMatchObject({ proxy: proxy?.url, opened: true });
      expect(tunnel.failure).toBeUndefined();
    } finally {
      await new Promise((resolve) => target.close(resolve));
    }
  });
});
