import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';

/** Listens on 127.0.0.1 only: nothing the local runtime starts may be reachable from another machine. */
export async function listenOnLoopback(server: Server, port = 0): Promise<{ port: number; url: string }> {
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => resolve());
  });
  const actual = (server.address() as AddressInfo).port;
  return { port: actual, url: `http://127.0.0.1:${actual}` };
}
