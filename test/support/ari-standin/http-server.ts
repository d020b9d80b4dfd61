import http, { type IncomingMessage, type ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import { WebSocketServer, type WebSocket } from 'ws';
import type { EventSession } from './applications.js';
import { ariError, htmlErrorPage, rawHttpResponse, writeAriResponse, writeHtmlError, type AriResponse } from './http-responses.js';
import { OPERATIONS, type RestOperationId } from './operations.js';
import { createRestHandlers, type RestHandler } from './rest-handlers.js';
import { createRouter } from './router.js';
import type { StandinRuntime } from './runtime.js';
import { apiDeclaration, isDocumentedResource, resourceListing } from './swagger-docs.js';

/**
 * While Asterisk boots, /ari is first unknown to the HTTP server (res_ari not
 * loaded: an HTML 404), then ARI answers `503 Asterisk not booted`.
 */
export type BootPhase = 'ari-not-loaded' | 'not-booted' | 'booted';

const ARI_PREFIX = '/ari/';
const AUTH_REALM = 'Asterisk REST Interface';
const NOT_FOUND_TEXT = 'The requested URL was not found on this server.';

/** Asterisk's ast_true(). */
const isTrue = (value: string | null): boolean => value !== null && /^(yes|true|y|t|1|on)$/i.test(value.trim());

export class AriHttpServer {
  private server: http.Server | undefined;
  private readonly sockets = new Set<Socket>();
  private readonly webSockets = new WebSocketServer({
    noServer: true,
    handleProtocols: (protocols) => (protocols.has('ari') ? 'ari' : false),
  });
  private readonly route = createRouter(OPERATIONS);
  private readonly handlers: Record<RestOperationId, RestHandler>;
  private readonly serverName: string;
  private phase: BootPhase = 'booted';
  private bootTimers: NodeJS.Timeout[] = [];
  private bootWaiters: (() => void)[] = [];

  constructor(private readonly runtime: StandinRuntime) {
    this.handlers = createRestHandlers(runtime);
    this.serverName = `Asterisk/${runtime.options.version}`;
  }

  get bootPhase(): BootPhase {
    return this.phase;
  }

  get listening(): boolean {
    return this.server !== undefined;
  }

  async listen(port: number): Promise<number> {
    const server = http.createServer((req, res) => {
      this.handleRequest(req, res).catch((error: unknown) => {
        writeAriResponse(res, ariError(500, `ARI stand-in failure: ${String(error)}`), this.serverName);
      });
    });
    server.on('connection', (socket) => {
      this.sockets.add(socket);
      socket.on('close', () => this.sockets.delete(socket));
    });
    server.on('upgrade', (req: IncomingMessage, socket: Socket, head: Buffer) => this.handleUpgrade(req, socket, head));
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, '127.0.0.1', () => {
        server.off('error', reject);
        resolve();
      });
    });
    this.server = server;
    this.startBoot();
    const address = server.address();
    if (address === null || typeof address === 'string') throw new Error('ARI stand-in: no TCP address');
    return address.port;
  }

  /** Like a killed Asterisk: every connection is cut without a close handshake. */
  async stopAbruptly(): Promise<void> {
    const server = this.server;
    if (!server) return;
    this.server = undefined;
    for (const timer of this.bootTimers) clearTimeout(timer);
    this.bootTimers = [];
    for (const socket of this.sockets) socket.destroy();
    this.sockets.clear();
    this.runtime.applications.clear();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  whenBooted(): Promise<void> {
    if (this.phase === 'booted') return Promise.resolve();
    return new Promise((resolve) => this.bootWaiters.push(resolve));
  }

  private startBoot(): void {
    const phases = this.runtime.options.bootPhases;
    if (!phases) {
      this.setPhase('booted');
      return;
    }
    this.setPhase('ari-not-loaded');
    this.bootTimers.push(
      setTimeout(() => {
        this.setPhase('not-booted');
        this.bootTimers.push(setTimeout(() => this.setPhase('booted'), phases.notBootedMs));
      }, phases.notLoadedMs),
    );
  }

  private setPhase(phase: BootPhase): void {
    this.phase = phase;
    if (phase !== 'booted') return;
    const waiters = this.bootWaiters;
    this.bootWaiters = [];
    for (const wake of waiters) wake();
  }

  private async handleRequest(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://stand-in');
    if (!url.pathname.startsWith(ARI_PREFIX) || this.phase === 'ari-not-loaded') {
      writeHtmlError(res, 404, 'Not Found', NOT_FOUND_TEXT, this.serverName);
      return;
    }
    const gate = this.admissionError(req, url);
    if (gate) {
      writeAriResponse(res, gate, this.serverName);
      return;
    }
    const body = await readBody(req);
    const response = await this.respond(req, url, body);
    if (response === 'upgrade-required') {
      writeHtmlError(res, 426, 'Upgrade Required', '', this.serverName);
      return;
    }
    writeAriResponse(res, response, this.serverName);
  }

  /** Authentication, then boot state: the checks ast_ari_invoke makes before routing. */
  private admissionError(req: IncomingMessage, url: URL): AriResponse | undefined {
    if (!this.authenticated(req, url)) {
      return {
        ...ariError(401, 'Authentication required'),
        headers: { 'WWW-Authenticate': `Basic realm="${AUTH_REALM}"` },
      };
    }
    if (this.phase === 'not-booted') return ariError(503, 'Asterisk not booted');
    return undefined;
  }

  private async respond(req: IncomingMessage, url: URL, body: string): Promise<AriResponse | 'upgrade-required'> {
    const uri = url.pathname.slice(ARI_PREFIX.length);
    if (uri.endsWith('/')) return ariError(404, `ARI URLs do not end with a slash. Try /ari/${uri.slice(0, -1)}`);
    if (uri.startsWith('api-docs/')) {
      return req.method === 'GET' ? this.apiDocs(uri.slice('api-docs/'.length), req) : ariError(405, 'Unsupported method');
    }
    const segments = decodeSegments(uri);
    const match = segments && this.route(req.method ?? 'GET', segments);
    if (!match || match.kind === 'not-found') return ariError(404, 'Resource not found');
    if (match.kind === 'method-not-allowed') {
      return { ...ariError(405, 'Invalid method'), headers: { Allow: ['OPTIONS', ...match.allow].join(',') } };
    }
    if (match.operation.upgrade) return 'upgrade-required';
    let parsedBody: Record<string, unknown> | undefined;
    // ast_http_get_json reads a body only when it is declared JSON; any other is ignored.
    if (body.trim() && isJson(req.headers['content-type'])) {
      try {
        const value: unknown = JSON.parse(body);
        parsedBody = typeof value === 'object' && value !== null ? (value as Record<string, unknown>) : undefined;
      } catch {
        return ariError(400, 'Error parsing request body');
      }
    }
    const handler = this.handlers[match.operation.id as RestOperationId];
    return handler({ pathVars: match.pathVars, query: url.searchParams, body: parsedBody });
  }

  private apiDocs(file: string, req: IncomingMessage): AriResponse {
    const host = req.headers.host;
    const basePath = host ? `http://${host}/ari` : undefined;
    if (file === 'resources.json') return { status: 200, body: resourceListing(basePath ?? '') };
    const resource = file.endsWith('.json') ? file.slice(0, -'.json'.length) : '';
    if (!isDocumentedResource(resource)) return ariError(404, 'Resource not found');
    return { status: 200, body: apiDeclaration(resource, basePath ?? '') };
  }

  private authenticated(req: IncomingMessage, url: URL): boolean {
    const header = req.headers.authorization;
    let credentials: string | null;
    if (header?.startsWith('Basic ')) {
      credentials = Buffer.from(header.slice('Basic '.length), 'base64').toString('utf8');
    } else {
      credentials = url.searchParams.get('api_key');
    }
    if (credentials === null) return false;
    const colon = credentials.indexOf(':');
    if (colon < 0) return false;
    const { username, password } = this.runtime.options;
    return credentials.slice(0, colon) === username && credentials.slice(colon + 1) === password;
  }

  private handleUpgrade(req: IncomingMessage, socket: Socket, head: Buffer): void {
    const url = new URL(req.url ?? '/', 'http://stand-in');
    const refuseJson = (response: AriResponse): void => {
      const reason = response.reason ?? http.STATUS_CODES[response.status] ?? '';
      socket.end(rawHttpResponse(response.status, reason, 'application/json', JSON.stringify(response.body), this.serverName, response.headers));
    };
    const refuseHtml = (status: number, title: string, text: string): void => {
      socket.end(rawHttpResponse(status, title, 'text/html', htmlErrorPage(status, title, text, this.serverName), this.serverName));
    };

    if (!url.pathname.startsWith(ARI_PREFIX) || this.phase === 'ari-not-loaded') {
      refuseHtml(404, 'Not Found', NOT_FOUND_TEXT);
      return;
    }
    const gate = this.admissionError(req, url);
    if (gate) {
      refuseJson(gate);
      return;
    }
    const match = this.route('GET', decodeSegments(url.pathname.slice(ARI_PREFIX.length)) ?? []);
    if (match.kind !== 'matched' || !match.operation.upgrade) {
      refuseJson(ariError(404, 'Resource not found'));
      return;
    }
    const apps = url.searchParams.get('app');
    if (!apps) {
      refuseHtml(400, 'Bad Request', 'HTTP request is missing param: [app]');
      return;
    }
    const appNames = apps.split(',').map((name) => name.trim());
    if (appNames.some((name) => name === '')) {
      refuseHtml(500, 'Internal Server Error', 'Stasis app registration failed');
      return;
    }
    const subscribeAll = isTrue(url.searchParams.get('subscribeAll'));
    this.webSockets.handleUpgrade(req, socket, head, (ws) => this.attachEventSocket(ws, appNames, subscribeAll));
  }

  private attachEventSocket(ws: WebSocket, apps: string[], subscribeAll: boolean): void {
    const session: EventSession = {
      apps,
      subscribeAll,
      send: (text) => {
        if (ws.readyState === ws.OPEN) ws.send(text);
      },
    };
    this.runtime.applications.attach(session);
    ws.on('close', () => this.runtime.applications.detach(session));
    ws.on('error', () => this.runtime.applications.detach(session));
  }
}

/** Content-Type without parameters, compared as Asterisk does. */
function isJson(contentType: string | undefined): boolean {
  return (contentType ?? '').split(';')[0]?.toLowerCase() === 'application/json';
}

/** Splits an ARI path and decodes each segment on its own, so `PJSIP%2F100` stays one segment. */
function decodeSegments(uri: string): string[] | undefined {
  const segments: string[] = [];
  for (const raw of uri.split('/')) {
    if (raw === '') break;
    try {
      segments.push(decodeURIComponent(raw));
    } catch {
      return undefined;
    }
  }
  return segments;
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}
