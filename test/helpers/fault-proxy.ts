/**
 * A loopback CONNECT proxy that misbehaves on request, and counts every CONNECT it is
 * sent: a client that keeps re-dialling a broken proxy shows here as a large count.
 * `close`: reads the CONNECT and closes without a word (what a simple proxy does when it
 * cannot reach the target). `hang`: reads it and never answers. `garbage`: answers with
 * bytes that are not HTTP. `407`: refuses the credentials. `302`: answers with a redirect
 * and leaves the connection open (a client must close it). `tunnel`: a working proxy to
 * 127.0.0.1, whatever host is asked for (so a test can name a host only it resolves).
 */
import { createServer, type Server } from 'node:http';
import { type AddressInfo, connect, type Socket } from 'node:net';
import type { Duplex } from 'node:stream';

/** Answers CONNECT with 200 and joins the client to `port` on this machine, both ways, until either ends. */
export function tunnel(client: Duplex, port: number, head: Buffer): void {
  const upstream = connect(port, '127.0.0.1', () => {
    client.write('HTTP/1.1 200 Connection Established\r\n\r\n');
    upstream.write(head);
    upstream.pipe(client);
    client.pipe(upstream);
  });
  upstream.on('error', () => client.destroy());
  client.on('error', () => upstream.destroy());
  client.on('close', () => upstream.destroy());
}

export type ProxyBehaviour = 'close' | 'hang' | 'garbage' | '407' | '302' | 'tunnel';

export interface FaultProxy {
  url: string;
  /** How many CONNECT requests it has read. */
  connects: () => number;
  /** How many TCP connections were opened to it (a CONNECT, or a plain request sent through it). */
  connections: () => number;
  /** How many connections to it are still open. */
  open: () => number;
  /** The raw bytes it saw: a token in clear text would show here. */
  seen: () => string;
  stop: () => Promise<void>;
}

export async function startFaultProxy(behaviour: ProxyBehaviour): Promise<FaultProxy> {
  let connects = 0;
  let connections = 0;
  const bytes: Buffer[] = [];
  const sockets = new Set<Socket>();
  const server: Server = createServer((_req, res) => res.writeHead(502).end());
  server.on('connection', (socket: Socket) => {
    connections++;
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    socket.on('data', (chunk: Buffer) => {
      if (bytes.length < 1000) bytes.push(chunk);
    });
  });
  server.on('connect', (req, client: Socket, head: Buffer) => {
    connects++;
    client.on('error', () => {});
    if (behaviour === 'close') return void client.destroy();
    if (behaviour === 'hang') return;
    if (behaviour === 'garbage') return void client.end('\x00\x01 not HTTP at all \r\n\r\n');
    if (behaviour === '302') {
      // The server's sockets stay half-open after the client's end: close this one when the client closes its side.
      client.on('end', () => client.destroy());
      return void client.write('HTTP/1.1 302 Found\r\nLocation: http://elsewhere.test/\r\n\r\n');
    }
    if (behaviour === '407') {
      return void client.end('HTTP/1.1 407 Proxy Authentication Required\r\nProxy-Authenticate: Basic realm="test"\r\n\r\n');
    }
    const port = Number((req.url ?? '').split(':').pop());
    tunnel(client, port, head);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    connects: () => connects,
    connections: () => connections,
    open: () => sockets.size,
    seen: () => Buffer.concat(bytes).toString('latin1'),
    stop: async () => {
      for (const socket of sockets) socket.destroy();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}
