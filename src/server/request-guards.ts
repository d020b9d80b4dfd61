import type { Plugin } from 'graphql-yoga';

/** The largest body of a request that is not an upload: documents and their variables (an upload is multipart). */
export const maxJsonBodyBytes = 2 * 1024 * 1024;

/** Content types a browser sends across origins without asking first (CORS "simple" requests). */
const simpleContentTypes = new Set(['application/x-www-form-urlencoded', 'multipart/form-data', 'text/plain']);

/** Headers a browser sends across origins only after a preflight the server answers (our CORS allows none by default). */
const preflightedHeaders = ['authorization', 'x-graphql-yoga-csrf', 'apollo-require-preflight'];

/** Uploads read at once: each may hold up to the upload limit in memory until its operation has run. */
export const maxConcurrentUploads = 4;

/**
 * Refusals before a request body is read:
 * - a POST of a simple content type (a form or multipart) without a header that needs a preflight: any web
 *   page could send it from a browser (a login form posted at this server locks the account it names);
 * - a body that is not an upload and says it is larger than `maxJsonBodyBytes` (uploads have their own limit),
 *   or does not say its length (sent in chunks);
 * - an upload without a credential that authenticates someone: its body would be read and held before any
 *   field could refuse it, so an anonymous client could fill the memory with uploads;
 * - an upload while `maxConcurrentUploads` others are being read or run (503, to be retried).
 */
export function requestGuards(authenticates: (authorization: string | null) => Promise<boolean>): Plugin {
  let uploads = 0;
  return {
    async onRequest({ request, endResponse, fetchAPI, serverContext }) {
      if (request.method !== 'POST') return;
      const refuse = (status: number, code: string, message: string) =>
        endResponse(new fetchAPI.Response(JSON.stringify({ errors: [{ message, extensions: { code } }] }), { status, headers: { 'content-type': 'application/json; charset=utf-8' } }));
      const type = (request.headers.get('content-type') ?? '').split(';')[0]!.trim().toLowerCase();
      if (simpleContentTypes.has(type) && !preflightedHeaders.some((name) => request.headers.has(name))) {
        return refuse(403, 'CSRF', `A ${type} request needs an Authorization header (or x-graphql-yoga-csrf): without one any web page could send it`);
      }
      const declared = request.headers.get('content-length');
      const length = Number(declared);
      if (type !== 'multipart/form-data' && length > maxJsonBodyBytes) {
        return refuse(413, 'BODY_TOO_LARGE', `The request body is ${length} bytes; at most ${maxJsonBodyBytes} unless it is an upload (multipart)`);
      }
      // A body sent in chunks says its length nowhere: only an upload's is counted as it arrives (the upload limit).
      if (type !== 'multipart/form-data' && declared === null && request.headers.has('transfer-encoding')) {
        return refuse(411, 'LENGTH_REQUIRED', `A request body that is not an upload (multipart) needs a Content-Length, of at most ${maxJsonBodyBytes} bytes`);
      }
      if (type === 'multipart/form-data') {
        if (!(await authenticates(request.headers.get('authorization')))) {
          return refuse(401, 'UNAUTHENTICATED', 'An upload needs an Authorization header with a valid access token or API key');
        }
        if (uploads >= maxConcurrentUploads) {
          return refuse(503, 'UPLOADS_BUSY', `At most ${maxConcurrentUploads} uploads are read at once: try again in a moment`);
        }
        // Counted until the answer is sent or the connection drops (a test server without a Node response counts nothing).
        const response = (serverContext as { res?: { once(event: 'close', listener: () => void): unknown } }).res;
        if (response) {
          uploads++;
          response.once('close', () => uploads--);
        }
      }
    },
  };
}
