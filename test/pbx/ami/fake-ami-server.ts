import net from 'node:net';

export type FakeRequest = Record<string, string>;

export type FakeConnection = {
  /** Writes `text` in the server's current chunk size; writes queue in order. */
  send(text: string): Promise<void>;
  end(): void;
  destroy(): void;
  loggedIn: boolean;
};

export type FakeHandler = (request: FakeRequest, connection: FakeConnection) => void | Promise<void>;

export type FakeAmiOptions = {
  username: string;
  secret: string;
  banner?: string;
  /** Close this many new connections right away (before the banner), to exercise reconnects. */
  refuseFirst?: number;
  /** Listen on this port (default: a free one). */
  port?: number;
};

/** `Key: Value` CRLF lines and the blank line that ends a message. */
export function wireMessage(fields: Record<string, string>): string {
  return `${Object.entries(fields)
    .map(([key, value]) => `${key}: ${value}\r\n`)
    .join('')}\r\n`;
}

/**
 * A small AMI server on 127.0.0.1 that behaves like Asterisk 22 where the client can tell:
 * banner, Login (wrong secret: `Authentication failed`, then close), FullyBooted, Logoff,
 * `Invalid/unknown command` for unhandled actions. It parses requests strictly (CRLF only),
 * independent of the client's framing code.
 */
export class FakeAmiServer {
  /** Bytes per write; null writes each reply whole. */
  chunkSize: number | null = null;
  readonly requests: FakeRequest[] = [];
  /** Every byte received, across connections. */
  raw = '';
  connectionCount = 0;
  readonly connectionTimes: number[] = [];
  successfulLogins = 0;
  failedLogins = 0;
  private readonly handlers = new Map<string, FakeHandler>();
  private readonly sockets = new Set<net.Socket>();
  private readonly live = new Set<FakeConnection>();
  private readonly server: net.Server;
  private waiters: Array<() => void> = [];

  private constructor(private readonly options: FakeAmiOptions) {
    this.server = net.createServer((socket) => this.accept(socket));
  }

  static async start(options: FakeAmiOptions): Promise<FakeAmiServer> {
    const fake = new FakeAmiServer(options);
    await new Promise<void>((resolve, reject) => {
      fake.server.once('error', reject);
      fake.server.listen(options.port ?? 0, '127.0.0.1', () => resolve());
    });
    return fake;
  }

  get port(): number {
    return (this.server.address() as net.AddressInfo).port;
  }

  on(action: string, handler: FakeHandler): void {
    this.handlers.set(action.toLowerCase(), handler);
  }

  /** Sends to every logged-in connection. */
  async broadcast(text: string): Promise<void> {
    await Promise.all([...this.live].filter((c) => c.loggedIn).map((c) => c.send(text)));
  }

  /** Drops every connection without a goodbye, like a crash or a network cut. */
  dropAll(): void {
    for (const socket of this.sockets) socket.destroy();
  }

  /** Resolves once `predicate` holds (checked after every request and connection). */
  async waitFor(predicate: () => boolean, timeoutMs = 3000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (!predicate()) {
      const left = deadline - Date.now();
      if (left <= 0) throw new Error('fake AMI server: condition not met in time');
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, Math.min(left, 50));
        this.waiters.push(() => {
          clearTimeout(timer);
          resolve();
        });
      });
    }
  }

  async close(): Promise<void> {
    this.dropAll();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private notify(): void {
    const waiters = this.waiters;
    this.waiters = [];
    for (const wake of waiters) wake();
  }

  private accept(socket: net.Socket): void {
    this.connectionCount += 1;
    this.connectionTimes.push(performance.now());
    this.sockets.add(socket);
    socket.setNoDelay(true);
    socket.on('error', () => {});
    socket.on('close', () => {
      this.sockets.delete(socket);
      this.live.delete(connection);
    });
    let queue = Promise.resolve();
    const connection: FakeConnection = {
      loggedIn: false,
      send: (text) => {
        queue = queue.then(() => this.write(socket, text));
        return queue;
      },
      end: () => {
        queue = queue.then(() => void socket.end());
      },
      destroy: () => socket.destroy(),
    };
    this.live.add(connection);
    this.notify();
    if (this.connectionCount <= (this.options.refuseFirst ?? 0)) {
      socket.destroy();
      return;
    }

    void connection.send(`${this.options.banner ?? 'Asterisk Call Manager/11.0.0'}\r\n`);
    let buffer = '';
    socket.setEncoding('utf8');
    socket.on('data', (chunk: string) => {
      this.raw += chunk;
      buffer += chunk;
      let end: number;
      while ((end = buffer.indexOf('\r\n\r\n')) !== -1) {
        const block = buffer.slice(0, end);
        buffer = buffer.slice(end + 4);
        const request: FakeRequest = {};
        for (const line of block.split('\r\n')) {
          const colon = line.indexOf(': ');
          request[line.slice(0, colon)] = line.slice(colon + 2);
        }
        this.requests.push(request);
        this.notify();
        void this.handle(request, connection);
      }
    });
  }

  private async handle(request: FakeRequest, connection: FakeConnection): Promise<void> {
    const action = (request.Action ?? '').toLowerCase();
    const id = request.ActionID ?? '';
    if (action === 'login') {
      if (request.Username === this.options.username && request.Secret === this.options.secret) {
        this.successfulLogins += 1;
        connection.loggedIn = true;
        // One write, as Asterisk's action_login appends FullyBooted right after the ack.
        await connection.send(
          wireMessage({ Response: 'Success', ActionID: id, Message: 'Authentication accepted' }) +
            wireMessage({ Event: 'FullyBooted', Privilege: 'system,all', Uptime: '5', LastReload: '5', Status: 'Fully Booted' }),
        );
      } else {
        // Asterisk sleeps 1 s before this reply; the client cannot tell, so the fake does not.
        this.failedLogins += 1;
        await connection.send(wireMessage({ Response: 'Error', ActionID: id, Message: 'Authentication failed' }));
        connection.end();
      }
      this.notify();
      return;
    }
    if (!connection.loggedIn) {
      await connection.send(wireMessage({ Response: 'Error', ActionID: id, Message: 'Permission denied' }));
      connection.end();
      return;
    }
    if (action === 'logoff') {
      await connection.send(wireMessage({ Response: 'Goodbye', ActionID: id, Message: 'Thanks for all the fish.' }));
      connection.end();
      return;
    }
    const handler = this.handlers.get(action);
    if (handler) {
      await handler(request, connection);
      return;
    }
    await connection.send(
      wireMessage({
        Response: 'Error',
        ActionID: id,
        Message: `Invalid/unknown command: ${request.Action}. Use Action: ListCommands to show available commands.`,
      }),
    );
  }

  private async write(socket: net.Socket, text: string): Promise<void> {
    if (socket.destroyed) return;
    if (this.chunkSize === null) {
      socket.write(text);
      return;
    }
    const bytes = Buffer.from(text, 'utf8');
    for (let offset = 0; offset < bytes.length; offset += this.chunkSize) {
      if (socket.destroyed) return;
      socket.write(bytes.subarray(offset, offset + this.chunkSize));
      // Let each piece leave as its own segment instead of being coalesced with the next.
      await new Promise<void>((resolve) => setImmediate(resolve));
    }
  }
}
