/**
 * A server that is not Qlik, on loopback over TLS: what an attacker (or a mistyped URL) puts behind a destination.
 * It records every TCP connection and every request it receives, and answers each request the same way.
 */
import { createServer, type Server } from 'node:https';
import type { AddressInfo, Socket } from 'node:net';
import { testPki } from '#test/support/server-drafts.ts';

export interface ForeignServer {
  url: string;
  port: number;
  /** TCP connections accepted (before any TLS). */
  connections: number;
  /** `METHOD /path` and the body of every request received. */
  received: string[];
  close(): Promise<void>;
}

export interface ForeignAnswer {
  status: number;
  contentType: string;
  body: string;
}

export const INTERNAL_ONLY: ForeignAnswer = {
  status: 404,
  contentType: 'text/plain; charset=INTERNAL-ONLY-DATA',
  body: 'INTERNAL-ONLY-DATA db=prod-users password=hunter2 (this text must never leave the service)',
};

/** Starts the server with the test PKI's server certificate (names `localhost` and `127.0.0.1`). */
export async function startForeignServer(answer: ForeignAnswer = INTERNAL_ONLY): Promise<ForeignServer> {
  const pki = testPki();
  const sockets = new Set<Socket>();
  const state = { connections: 0, received: [] as string[] };
  const server: Server = createServer({ key: pki.server.keyPem, cert: pki.server.certPem }, (req, res) => {
    let body = '';
    req.on('data', (chunk: Buffer) => (body += chunk.toString()));
    req.on('end', () => {
      state.received.push(`${req.method} ${req.url} ${body}`);
      res.writeHead(answer.status, { 'content-type': answer.contentType, 'x-request-id': 'INTERNAL-ONLY-DATA trace' });
      res.end(answer.body);
    });
  });
  server.on('connection', (socket: Socket) => {
    state.connections += 1;
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  return {
    url: `https://127.0.0.1:${port}`,
    port,
    get connections() {
      return state.connections;
    },
    get received() {
      return state.received;
    },
    close: async () => {
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
