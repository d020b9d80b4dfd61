import type { WebSocket } from 'ws';
import type { Logger } from '../logger.js';

/** Subscriptions one graphql-ws connection may hold open at once. */
export const maxSubscriptionsPerConnection = 100;

type Connection = { authorization: string | null; subscriptions: Set<string> };

/**
 * The graphql-ws connections, the credential each subscribed with and its open subscriptions.
 *
 * A subscription's context is made when it starts, so a token revoked afterwards (logout, a new
 * password, the account or API key deleted) or expired would keep it delivering. Every `recheckMs`
 * the credential of each connection that subscribed with one is checked again, and a connection whose
 * credential no longer authenticates is closed with 4403 (Forbidden), which graphql-ws clients retry,
 * asking their `connectionParams` again for a fresh token (4401 they take as final). A connection also holds at most
 * `maxSubscriptionsPerConnection` subscriptions at once.
 */
export class SocketSessions {
  private readonly connections = new Map<WebSocket, Connection>();
  private readonly timer: NodeJS.Timeout;
  private sweeping = false;

  constructor(
    private readonly authenticates: (authorization: string) => Promise<boolean>,
    private readonly log: Logger,
    recheckMs: number,
  ) {
    this.timer = setInterval(() => void this.sweep(), recheckMs).unref();
  }

  /** Notes a subscription that starts; false when its connection holds the most it may already. */
  start(socket: WebSocket, id: string, authorization: string | null): boolean {
    let connection = this.connections.get(socket);
    if (!connection) {
      connection = { authorization, subscriptions: new Set() };
      this.connections.set(socket, connection);
      socket.once('close', () => this.connections.delete(socket));
    }
    if (authorization) connection.authorization = authorization;
    if (connection.subscriptions.size >= maxSubscriptionsPerConnection && !connection.subscriptions.has(id)) return false;
    connection.subscriptions.add(id);
    return true;
  }

  /** Notes a subscription that ended (completed by either side). */
  end(socket: WebSocket, id: string): void {
    this.connections.get(socket)?.subscriptions.delete(id);
  }

  /** Checks every connection's credential again; closes those it no longer lets in. */
  async sweep(): Promise<void> {
    if (this.sweeping) return;
    this.sweeping = true;
    try {
      for (const [socket, { authorization }] of this.connections) {
        if (!authorization) continue;
        let valid: boolean;
        try {
          valid = await this.authenticates(authorization);
        } catch (err) {
          // The database may be away for a moment: the connection is checked again next time.
          this.log.warn({ err }, 'could not check the credential of a subscription connection');
          continue;
        }
        if (!valid) {
          this.connections.delete(socket);
          socket.close(4403, 'Forbidden: the token is no longer valid');
        }
      }
    } finally {
      this.sweeping = false;
    }
  }

  stop(): void {
    clearInterval(this.timer);
  }
}
