import type { WebSocket } from 'ws';
import type { CredentialWatch } from './credential-watch.js';

/** Subscriptions one graphql-ws connection may hold open at once. */
export const maxSubscriptionsPerConnection = 100;

type Connection = { subscriptions: Set<string>; unwatch?: () => void };

/**
 * The graphql-ws connections and their open subscriptions.
 *
 * The credential a connection subscribed with is watched (credential-watch.ts): once it no longer
 * authenticates, the connection is closed with 4403 (Forbidden), which graphql-ws clients retry,
 * asking their `connectionParams` again for a fresh token (4401 they take as final). A connection also
 * holds at most `maxSubscriptionsPerConnection` subscriptions at once.
 */
export class SocketSessions {
  private readonly connections = new Map<WebSocket, Connection>();

  constructor(private readonly credentials: CredentialWatch) {}

  /** Notes a subscription that starts; false when its connection holds the most it may already. */
  start(socket: WebSocket, id: string, authorization: string | null): boolean {
    let connection = this.connections.get(socket);
    if (!connection) {
      const opened: Connection = (connection = { subscriptions: new Set() });
      this.connections.set(socket, opened);
      socket.once('close', () => {
        this.connections.delete(socket);
        opened.unwatch?.();
      });
    }
    if (authorization && !connection.unwatch) {
      connection.unwatch = this.credentials.watch(authorization, () => {
        this.connections.delete(socket);
        socket.close(4403, 'Forbidden: the token is no longer valid');
      });
    }
    if (connection.subscriptions.size >= maxSubscriptionsPerConnection && !connection.subscriptions.has(id)) return false;
    connection.subscriptions.add(id);
    return true;
  }

  /** Notes a subscription that ended (completed by either side). */
  end(socket: WebSocket, id: string): void {
    this.connections.get(socket)?.subscriptions.delete(id);
  }
}
