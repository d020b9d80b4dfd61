import http from 'node:http';
import https from 'node:https';
import type { LookupFunction } from 'node:net';
import { hostOf, vetHost, type ResolvedAddress, type Resolver } from './address-guard.js';

/** How much of a receiver's answer the delivery log keeps. */
export const RESPONSE_BODY_LIMIT = 1024;

export type SendRequest = {
  url: string;
  body: string;
  headers: Record<string, string>;
  timeoutMs: number;
  allowPrivate: boolean;
  /** Aborts the request (the server is stopping): the result says `aborted` and is not an attempt. */
  signal?: AbortSignal;
  resolve?: Resolver;
};

export type SendResult = {
  /** The receiver answered 2xx. */
  delivered: boolean;
  httpStatus: number | null;
  error: string | null;
  durationMs: number;
  /** The first 1 KiB of the answer */
  responseBody: string;
  aborted: boolean;
};

/**
 * One POST to a receiver, never throwing: whatever happens (refused address,
 * DNS failure, refused connection, TLS error, no answer within the timeout)
 * becomes the result. Redirects are not followed (a 3xx is a failure), so a
 * receiver cannot point the server elsewhere.
 */
export async function sendWebhook(request: SendRequest): Promise<SendResult> {
  const started = performance.now();
  const done = (r: Partial<SendResult>): SendResult => ({
    delivered: false,
    httpStatus: null,
    error: null,
    responseBody: '',
    aborted: false,
    ...r,
    durationMs: Math.round(performance.now() - started),
  });
  let url: URL;
  try {
    url = new URL(request.url);
  } catch {
    return done({ error: 'the URL is not valid' });
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') return done({ error: `${url.protocol} is not http or https` });

  const deadline = new AbortController();
  const timer = setTimeout(() => deadline.abort(new Error(`no answer within ${request.timeoutMs} ms`)), request.timeoutMs);
  const onStop = () => deadline.abort(Object.assign(new Error('aborted: the server is stopping'), { stopping: true }));
  request.signal?.addEventListener('abort', onStop, { once: true });
  if (request.signal?.aborted) onStop();
  try {
    const addresses = await abortable(vetHost(hostOf(url), request.allowPrivate, request.resolve), deadline.signal);
    const answer = await post(url, addresses, request, deadline.signal);
    return done({ ...answer, delivered: answer.httpStatus !== null && answer.httpStatus >= 200 && answer.httpStatus < 300 });
  } catch (error) {
    const reason = deadline.signal.aborted ? (deadline.signal.reason as Error & { stopping?: boolean }) : (error as Error);
    return done({ error: reason.message || String(reason), aborted: !!(reason as { stopping?: boolean }).stopping });
  } finally {
    clearTimeout(timer);
    request.signal?.removeEventListener('abort', onStop);
  }
}

function abortable<T>(work: Promise<T>, signal: AbortSignal): Promise<T> {
  if (signal.aborted) return Promise.reject(signal.reason as Error);
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(signal.reason as Error);
    signal.addEventListener('abort', onAbort, { once: true });
    work.then(resolve, reject).finally(() => signal.removeEventListener('abort', onAbort));
  });
}

/** Connects only to the addresses that were checked, whatever DNS says by now. */
function pinnedLookup(addresses: ResolvedAddress[]): LookupFunction {
  return (_hostname, options, callback) => {
    const family = options.family === 'IPv4' ? 4 : options.family === 'IPv6' ? 6 : options.family;
    const usable = family === 4 || family === 6 ? addresses.filter((a) => a.family === family) : addresses;
    if (!usable.length) return callback(Object.assign(new Error(`no IPv${String(family)} address`), { code: 'ENOTFOUND' }), '', 0);
    if (options.all) return (callback as unknown as (e: null, a: ResolvedAddress[]) => void)(null, usable);
    callback(null, usable[0]!.address, usable[0]!.family);
  };
}

/** The status and the first 1 KiB of the answer; a 2xx whose body does not finish in time still counts as answered. */
function post(url: URL, addresses: ResolvedAddress[], request: SendRequest, signal: AbortSignal): Promise<{ httpStatus: number; responseBody: string; error: string | null }> {
  return new Promise((resolve, reject) => {
    const transport = url.protocol === 'https:' ? https : http;
    const req = transport.request(url, {
      method: 'POST',
      agent: false,
      lookup: pinnedLookup(addresses),
      signal,
      headers: { ...request.headers, 'content-type': 'application/json', 'content-length': Buffer.byteLength(request.body), 'user-agent': 'headless-pbx-webhooks' },
    });
    req.on('error', reject);
    req.on('response', (res) => {
      const chunks: Buffer[] = [];
      let size = 0;
      let finished = false;
      const finish = (error: string | null) => {
        if (finished) return;
        finished = true;
        signal.removeEventListener('abort', onAbort);
        resolve({ httpStatus: res.statusCode ?? 0, responseBody: Buffer.concat(chunks).subarray(0, RESPONSE_BODY_LIMIT).toString('utf8'), error });
        res.destroy();
      };
      const onAbort = () => finish(`the answer's body did not finish: ${(signal.reason as Error).message}`);
      signal.addEventListener('abort', onAbort, { once: true });
      res.on('data', (chunk: Buffer) => {
        chunks.push(chunk);
        size += chunk.length;
        if (size >= RESPONSE_BODY_LIMIT) finish(null);
      });
      res.on('end', () => finish(null));
      res.on('error', (e) => finish(`reading the answer failed: ${e.message}`));
    });
    req.end(request.body);
  });
}
