import { GraphQLError, type ExecutionResult } from 'graphql';
import type { Plugin } from 'graphql-yoga';
import { NotAuthenticatedError } from '../errors.js';
import type { Logger } from '../logger.js';
import type { Context } from '../resolvers/context.js';

type Holder = { authorization: string; end(): void };

/**
 * The credentials that long-lived operations run with: graphql-ws connections and SSE subscriptions.
 *
 * An operation's context is made when it starts, so a token revoked afterwards (logout, a new
 * password, the account or API key deleted) or expired would keep it delivering. Every `recheckMs`
 * each watched credential is checked again, and the holders of one that no longer authenticates are
 * ended (each in its transport's way). A credential is checked once per sweep however many hold it.
 */
export class CredentialWatch {
  private readonly holders = new Set<Holder>();
  private readonly timer: NodeJS.Timeout;
  private sweeping = false;

  constructor(
    private readonly authenticates: (authorization: string) => Promise<boolean>,
    private readonly log: Logger,
    recheckMs: number,
  ) {
    this.timer = setInterval(() => void this.sweep(), recheckMs).unref();
  }

  /** Watches `authorization` for a holder; `end` is called once, when it no longer authenticates. Returns the unwatch. */
  watch(authorization: string, end: () => void): () => void {
    const holder = { authorization, end };
    this.holders.add(holder);
    return () => void this.holders.delete(holder);
  }

  /** Checks every watched credential again; ends the holders of those it no longer lets in. */
  async sweep(): Promise<void> {
    if (this.sweeping) return;
    this.sweeping = true;
    try {
      const checked = new Map<string, boolean | null>();
      for (const holder of [...this.holders]) {
        let valid = checked.get(holder.authorization);
        if (valid === undefined) {
          try {
            valid = await this.authenticates(holder.authorization);
          } catch (err) {
            // The database may be away for a moment: the credential is checked again next time.
            this.log.warn({ err }, 'could not check the credential of a subscription');
            valid = null;
          }
          checked.set(holder.authorization, valid);
        }
        if (valid === false && this.holders.delete(holder)) holder.end();
      }
    } finally {
      this.sweeping = false;
    }
  }

  stop(): void {
    clearInterval(this.timer);
  }
}

/**
 * Watches the credential of each subscription over SSE (`Accept: text/event-stream`): once it no
 * longer authenticates, the stream sends one last result, an UNAUTHENTICATED error, and ends.
 * (graphql-ws connections are watched by socket-sessions.ts; their contexts have no `request`.)
 */
export function watchedEventStreams(credentials: CredentialWatch): Plugin<Context> {
  return {
    onSubscribe({ args }) {
      const ctx = args.contextValue as Context & { request?: Request };
      const authorization = ctx.request?.headers.get('authorization');
      if (!authorization || !ctx.principal) return;
      return {
        onSubscribeResult({ result, setResult }) {
          if (Symbol.asyncIterator in result) setResult(endedWhenRevoked(result, (end) => credentials.watch(authorization, end)));
        },
      };
    },
  };
}

const revokedResult: IteratorResult<ExecutionResult> = {
  value: { errors: [new GraphQLError(new NotAuthenticatedError('the credential is no longer valid: it was revoked or has expired').message, { extensions: { code: 'UNAUTHENTICATED' } })] },
  done: false,
};

/**
 * `source`, ended with `revokedResult` once `watch` calls its end. Written as an iterator rather than
 * an async generator, which would put off its own `return()` (the client went away) until the
 * source's next event. Ending `source` ends the operation, and with it the sources it waits on
 * (operation-end.ts).
 */
function endedWhenRevoked(source: AsyncIterable<ExecutionResult>, watch: (end: () => void) => () => void): AsyncIterableIterator<ExecutionResult> {
  const iterator = source[Symbol.asyncIterator]();
  const finished: IteratorResult<ExecutionResult> = { value: undefined, done: true };
  let state: 'open' | 'revoked' | 'done' = 'open';
  let waiting: ((result: IteratorResult<ExecutionResult>) => void) | null = null;
  const unwatch = watch(() => {
    if (state !== 'open') return;
    iterator.return?.().catch(() => undefined);
    if (waiting) {
      state = 'done';
      waiting(revokedResult);
      waiting = null;
    } else state = 'revoked';
  });
  return {
    [Symbol.asyncIterator]() {
      return this;
    },
    next() {
      if (state === 'revoked') {
        state = 'done';
        return Promise.resolve(revokedResult);
      }
      if (state === 'done') return Promise.resolve(finished);
      return new Promise((resolve, reject) => {
        waiting = resolve;
        iterator.next().then(
          (result) => {
            waiting = null;
            if (result.done) {
              state = 'done';
              unwatch();
            }
            resolve(result);
          },
          (error: unknown) => {
            waiting = null;
            state = 'done';
            unwatch();
            reject(error instanceof Error ? error : new Error(String(error)));
          },
        );
      });
    },
    async return() {
      state = 'done';
      unwatch();
      await iterator.return?.();
      return finished;
    },
  };
}
