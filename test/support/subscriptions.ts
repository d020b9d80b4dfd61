import { createClient, type Client } from 'graphql-ws';
import WebSocket from 'ws';

/** A graphql-ws subscription whose results are collected, with a wait for the one a test expects. */
export function subscribe(graphqlUrl: string, token: string, query: string, variables: Record<string, unknown> = {}) {
  const client: Client = createClient({
    url: graphqlUrl.replace(/^http/, 'ws'),
    webSocketImpl: WebSocket,
    connectionParams: token ? { authorization: `Bearer ${token}` } : {},
    retryAttempts: 0,
  });
  const results: any[] = [];
  const errors: unknown[] = [];
  const waiters: { test: (r: any) => boolean; resolve: (r: any) => void }[] = [];
  const dispose = client.subscribe(
    { query, variables },
    {
      next: (result) => {
        results.push(result);
        for (const w of [...waiters]) {
          if (w.test(result)) {
            waiters.splice(waiters.indexOf(w), 1);
            w.resolve(result);
          }
        }
      },
      error: (e) => errors.push(e),
      complete: () => undefined,
    },
  );
  return {
    results,
    errors,
    /** Resolves with the first result (already received or coming) that passes `test`. */
    waitFor(test: (result: any) => boolean, timeoutMs = 5000): Promise<any> {
      const seen = results.find(test);
      if (seen) return Promise.resolve(seen);
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`no matching result within ${timeoutMs} ms; got ${JSON.stringify(results.slice(-5))} errors ${JSON.stringify(errors)}`)), timeoutMs);
        waiters.push({ test, resolve: (r) => (clearTimeout(timer), resolve(r)) });
      });
    },
    async close() {
      dispose();
      await client.dispose();
    },
  };
}

export async function until(check: () => boolean | Promise<boolean>, timeoutMs = 5000, what = 'condition'): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await check()) return;
    await new Promise((r) => setTimeout(r, 20));
  }
  throw new Error(`timed out waiting for ${what}`);
}
