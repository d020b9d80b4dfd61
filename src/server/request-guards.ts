import type { Plugin } from 'graphql-yoga';

/** The largest body of a request that is not an upload: documents and their variables (an upload is multipart). */
export const maxJsonBodyBytes = 2 * 1024 * 1024;

/** Content types a browser sends across origins without asking first (CORS "simple" requests). */
const simpleContentTypes = new Set(['application/x-www-form-urlencoded', 'multipart/form-data', 'text/plain']);

/** Headers a browser sends across origins only after a preflight the server answers (our CORS allows none by default). */
const preflightedHeaders = ['authorization', 'x-graphql-yoga-csrf', 'apollo-require-preflight'];

/**
 * Refusals before a request body is read:
 * - a POST of a simple content type (a form or multipart) without a header that needs a preflight: any web
 *   page could send it from a browser (a login form posted at this server locks the account it names);
 * - a body that is not an upload and says it is larger than `maxJsonBodyBytes` (uploads have their own
 *   limit, and need a token).
 */
export function requestGuards(): Plugin {
  return {
    onRequest({ request, endResponse, fetchAPI }) {
      if (request.method !== 'POST') return;
      const refuse = (status: number, code: string, message: string) =>
        endResponse(new fetchAPI.Response(JSON.stringify({ errors: [{ message, extensions: { code } }] }), { status, headers: { 'content-type': 'application/json; charset=utf-8' } }));
      const type = (request.headers.get('content-type') ?? '').split(';')[0]!.trim().toLowerCase();
      if (simpleContentTypes.has(type) && !preflightedHeaders.some((name) => request.headers.has(name))) {
        return refuse(403, 'CSRF', `A ${type} request needs an Authorization header (or x-graphql-yoga-csrf): without one any web page could send it`);
      }
      const length = Number(request.headers.get('content-length'));
      if (type !== 'multipart/form-data' && length > maxJsonBodyBytes) {
        return refuse(413, 'BODY_TOO_LARGE', `The request body is ${length} bytes; at most ${maxJsonBodyBytes} unless it is an upload (multipart)`);
      }
    },
  };
}
