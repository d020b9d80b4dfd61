import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { GraphQLError } from 'graphql';
import { createYoga, type GraphiQLOptions, type YogaServerInstance } from 'graphql-yoga';
import { useServer } from 'graphql-ws/use/ws';
import { WebSocketServer, type WebSocket } from 'ws';
import { createLoaders, type Context } from '../resolvers/context.js';
import { schema } from '../resolvers/schema.js';
import type { Services } from '../services.js';
import { authenticate, checkCredential } from './authenticate.js';
import { CredentialWatch, watchedEventStreams } from './credential-watch.js';
import { subscriptionOperationEnd } from './operation-end.js';
import { isGraphQLError, maskErrorFor } from './error-masking.js';
import { auditPlugin, credentialLimitPlugin, limitsPlugin, variablePageCostPlugin } from './plugins.js';
import { introspectionAccessPlugin } from './introspection-access.js';
import { serveSoundLibrary } from '../sounds/http.js';
import { serveVoicemail } from '../voicemail/http.js';
import { serveRecordings } from '../records/http.js';
import { serveMetrics } from '../metrics/http.js';
import { metricsPlugin } from '../metrics/plugin.js';
import { sharedSubscriptionExecution, subscriptionSocket } from './shared-subscriptions.js';
import { compiledExecution } from './compiled-execution.js';
import { ByteBodyResponse } from './byte-bodies.js';
import { maxMultipartBodyBytes } from '../sounds/limits.js';
import { maxJsonBodyBytes, requestGuards } from './request-guards.js';
import { maxSubscriptionsPerConnection, SocketSessions } from './socket-sessions.js';

/** What the transport gives the context: the HTTP request, or for graphql-ws the upgrade request and connection params. */
type ServerContext = { req: IncomingMessage; res?: ServerResponse; connectionParams?: Record<string, unknown> };

function clientIp(req: IncomingMessage, trustProxy: boolean): string {
  if (trustProxy) {
    const forwarded = req.headers['x-forwarded-for'];
    const first = (Array.isArray(forwarded) ? forwarded[0] : forwarded)?.split(',')[0]?.trim();
    if (first) return first;
  }
  return req.socket.remoteAddress?.replace(/^::ffff:/, '') ?? 'unknown';
}

/** CORS only for the configured origins; any other cross-origin request gets no CORS headers at all. */
function corsFor(allowedOrigins: string[]) {
  return (request: Request) => {
    const origin = request.headers.get('origin');
    return origin && allowedOrigins.includes(origin) ? { origin } : false;
  };
}

type Readiness = { ready: boolean; body: { status: 'ready' | 'not ready'; database: string; bus: string; asterisk: string } };

/** Ready while the database and the event bus answer; Asterisk is reported but may be away (the server works without it). */
async function readiness(services: Services): Promise<Readiness> {
  const database = (await databaseAnswers(services)) ? 'ok' : 'unreachable';
  const bus = services.bus.healthy() ? 'ok' : 'unreachable';
  const ready = database === 'ok' && bus === 'ok';
  return { ready, body: { status: ready ? 'ready' : 'not ready', database, bus, asterisk: asteriskState(services) } };
}

async function databaseAnswers(services: Services): Promise<boolean> {
  try {
    await services.db.prisma.$queryRawUnsafe('SELECT 1');
    return true;
  } catch {
    return false;
  }
}

function asteriskState(services: Services): 'connected' | 'disconnected' | 'not configured' {
  if (!services.config.asterisk.ariUrl) return 'not configured';
  return services.live.asteriskConnected ? 'connected' : 'disconnected';
}

/**
 * GraphiQL as the package installed with the server bundles it (@graphql-yoga/render-graphiql):
 * yoga's own page loads its scripts from a CDN into the page where administrators paste their
 * tokens. The bundle (9 MB of script) is loaded and rendered the first time the page is asked for.
 */
let graphiqlHtml: Promise<string> | null = null;
const graphiqlPage = (options: GraphiQLOptions): Promise<string> => (graphiqlHtml ??= import('@graphql-yoga/render-graphiql').then((bundle) => bundle.renderGraphiQL(options)));

export type App = { server: Server; yoga: YogaServerInstance<ServerContext, Context>; url: string; close(): Promise<void> };

/** The HTTP server: GraphQL (with GraphiQL) at /graphql, graphql-ws on the same path, SSE, /healthz and /readyz. */
export async function startApp(services: Services, options: { port: number; host: string }): Promise<App> {
  const { config, log } = services;
  const buildContext = async (authorization: string | null | undefined, req: IncomingMessage): Promise<Context> => {
    const { principal, refusal } = await checkCredential(services, authorization);
    return {
      services,
      principal,
      credentialRefusal: refusal,
      operation: new AbortController(),
      ip: clientIp(req, config.trustProxy),
      outcomes: new Map(),
      loaders: createLoaders(services),
    };
  };

  const credentials = new CredentialWatch(async (authorization) => (await authenticate(services, authorization)) !== null, log, config.subscriptionRecheckMs);
  const yoga = createYoga<ServerContext, Context>({
    schema,
    graphqlEndpoint: '/graphql',
    graphiql: { subscriptionsProtocol: 'WS' },
    renderGraphiQL: graphiqlPage,
    landingPage: false,
    cors: corsFor(config.corsOrigins),
    logging: false,
    multipart: true,
    maxRequestBodySize: maxMultipartBodyBytes,
    fetchAPI: { Response: ByteBodyResponse },
    context: ({ request, req, connectionParams }) => buildContext(request?.headers.get('authorization') ?? authorizationOf(connectionParams), req),
    plugins: [
      requestGuards(async (authorization) => (await authenticate(services, authorization)) !== null),
      limitsPlugin(),
      variablePageCostPlugin(),
      credentialLimitPlugin(),
      introspectionAccessPlugin(),
      subscriptionOperationEnd(),
      watchedEventStreams(credentials),
      auditPlugin(),
      metricsPlugin(services.metrics),
      sharedSubscriptionExecution(),
      compiledExecution(log),
    ],
    maskedErrors: { maskError: maskErrorFor(log) },
  });

  const server = createServer(async (req, res) => {
    if (req.url === '/healthz') {
      res.writeHead(200, { 'content-type': 'application/json' }).end('{"status":"ok"}');
      return;
    }
    if (req.url === '/readyz') {
      const { ready, body } = await readiness(services);
      res.writeHead(ready ? 200 : 503, { 'content-type': 'application/json' }).end(JSON.stringify(body));
      return;
    }
    if (serveSoundLibrary(services, req, res)) return;
    if (serveVoicemail(services, req, res)) return;
    if (serveRecordings(services, req, res)) return;
    if (serveMetrics(services, req, res)) return;
    void yoga.handle(req, res, { req, res });
  });

  // Listening first: the WebSocket server would report a failure to listen as its own internal error.
  try {
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(options.port, options.host, () => {
        server.off('error', reject);
        resolve();
      });
    });
  } catch (error) {
    credentials.stop();
    throw new ListenError(options.host, options.port, error as NodeJS.ErrnoException);
  }

  // A message is a document and its variables, as a JSON body is (ws would take 100 MiB by default).
  const wsServer = new WebSocketServer({
    server,
    path: yoga.graphqlEndpoint,
    maxPayload: maxJsonBodyBytes,
    verifyClient: ({ origin, req }, done) => (mayOpenSocket(origin, req.headers.host, config.corsOrigins) ? done(true) : done(false, 403, 'Forbidden origin')),
  });
  const socketSessions = new SocketSessions(credentials);
  const wsCleanup = useServer<Record<string, unknown>, { request: IncomingMessage; socket: WebSocket }>(
    {
      execute: (args) => (args.rootValue as { execute: typeof import('graphql').execute }).execute(args),
      subscribe: (args) => (args.rootValue as { subscribe: typeof import('graphql').subscribe }).subscribe(args),
      // A credential that authenticates no one is refused when the connection opens: 4403, which clients retry asking
      // their connectionParams again (without one, the connection is anonymous and its subscriptions are refused one by one).
      onConnect: async (ctx) => {
        const authorization = authorizationOf(ctx.connectionParams);
        if (authorization === null) return true;
        const { refusal } = await checkCredential(services, authorization);
        if (refusal === null) return true;
        // graphql-ws would say only "Forbidden"; a close reason has at most 123 bytes.
        ctx.extra.socket.close(4403, `Forbidden: ${refusal}`.slice(0, 123));
        return false;
      },
      onSubscribe: async (ctx, id, params) => {
        const enveloped = yoga.getEnveloped({ req: ctx.extra.request, connectionParams: ctx.connectionParams, params } as never);
        // The token limit throws while parsing, the other limits are validation errors; the client gets every reason,
        // rebuilt so graphql-ws recognises it whichever copy of graphql raised it. `http` is yoga's, for HTTP answers only.
        const refusal = (error: unknown) => {
          const { http: _http, ...extensions } = isGraphQLError(error) ? error.extensions : {};
          return new GraphQLError((error as Error).message, { extensions });
        };
        let document;
        try {
          document = enveloped.parse(params.query);
          const errors = enveloped.validate(enveloped.schema, document);
          if (errors.length) return errors.map(refusal);
        } catch (error) {
          return [refusal(error)];
        }
        if (!socketSessions.start(ctx.extra.socket, id, authorizationOf(ctx.connectionParams))) {
          return [new GraphQLError(`At most ${maxSubscriptionsPerConnection} subscriptions at once on one connection`, { extensions: { code: 'SUBSCRIPTION_LIMIT' } })];
        }
        const contextValue = await enveloped.contextFactory();
        subscriptionSocket(contextValue, id, ctx.extra.socket, ctx.extra.request.socket);
        return {
          schema: enveloped.schema,
          operationName: params.operationName,
          document,
          variableValues: params.variables,
          contextValue,
          rootValue: { execute: enveloped.execute, subscribe: enveloped.subscribe },
        };
      },
      onComplete: (ctx, id) => socketSessions.end(ctx.extra.socket, id),
    },
    wsServer,
  );

  const address = server.address() as AddressInfo;
  const url = `http://${options.host.includes(':') ? `[${options.host}]` : options.host}:${address.port}`;
  log.info({ url: `${url}/graphql` }, 'GraphQL server listening');
  return {
    server,
    yoga,
    url,
    async close() {
      credentials.stop();
      await wsCleanup.dispose();
      await new Promise<void>((resolve) => wsServer.close(() => resolve()));
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/** The HTTP server could not listen where it was told to, said in words a person starting it can act on. */
export class ListenError extends Error {
  constructor(host: string, port: number, cause: NodeJS.ErrnoException) {
    const where = `${host}:${port}`;
    const why =
      cause.code === 'EADDRINUSE'
        ? `the address is in use: another program (or another copy of this server) listens there; stop it or set PORT`
        : cause.code === 'EACCES'
          ? `not permitted: ports below 1024 need privileges; set PORT`
          : cause.code === 'EADDRNOTAVAIL'
            ? `this machine has no address ${host}; set HOST`
            : cause.message;
    super(`Cannot listen on ${where}: ${why}`, { cause });
    this.name = 'ListenError';
  }
}

/**
 * A browser opens a WebSocket to any address and sends its page's origin, and no CORS rule applies to
 * sockets: without this check any web page could log in, guess passwords and lock accounts through one.
 * Clients that are not browsers send no origin; a page served by this server (GraphiQL) has its own host.
 */
export function mayOpenSocket(origin: string | undefined, host: string | undefined, allowedOrigins: readonly string[]): boolean {
  if (!origin) return true;
  if (allowedOrigins.includes(origin)) return true;
  try {
    return host !== undefined && new URL(origin).host === host;
  } catch {
    return false;
  }
}

/** The credential a graphql-ws client gives in its connectionParams, as an Authorization header. */
function authorizationOf(connectionParams: Readonly<Record<string, unknown>> | undefined): string | null {
  const authorization = connectionParams?.authorization ?? connectionParams?.Authorization;
  return typeof authorization === 'string' ? authorization : null;
}
