import type { IncomingMessage, ServerResponse } from 'node:http';
import { can } from '../auth/permissions.js';
import { authenticate } from '../server/authenticate.js';
import type { Services } from '../services.js';

/**
 * GET /metrics in Prometheus' text format, for a Bearer token (an API key
 * suits a scraper) that may read the settings. Answers whether it handled the request.
 */
export function serveMetrics(services: Services, req: IncomingMessage, res: ServerResponse): boolean {
  const path = (req.url ?? '').split('?')[0];
  if (path !== '/metrics') return false;
  void (async () => {
    try {
      if (req.method !== 'GET' && req.method !== 'HEAD') {
        res.writeHead(405, { allow: 'GET, HEAD' }).end();
        return;
      }
      const principal = await authenticate(services, req.headers.authorization);
      if (!principal) {
        res.writeHead(401, { 'www-authenticate': 'Bearer', 'content-type': 'text/plain' }).end('A Bearer token (access token or API key) with settings:read is needed\n');
        return;
      }
      if (!can(principal, 'settings:read')) {
        res.writeHead(403, { 'content-type': 'text/plain' }).end('settings:read is needed\n');
        return;
      }
      const text = await services.metrics.text();
      res.writeHead(200, { 'content-type': services.metrics.contentType }).end(req.method === 'HEAD' ? undefined : text);
    } catch (error) {
      services.log.error({ err: error }, 'serving /metrics failed');
      if (!res.headersSent) res.writeHead(500, { 'content-type': 'text/plain' }).end('metrics are not available\n');
    }
  })();
  return true;
}
