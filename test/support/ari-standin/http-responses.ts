import { STATUS_CODES, type ServerResponse } from 'node:http';

/** A response as ARI's handlers build it: status, optional reason phrase, JSON body. */
export interface AriResponse {
  status: number;
  /** Asterisk sometimes uses its own phrases, e.g. `400 Invalid Reason`. */
  reason?: string;
  /** JSON, or a Buffer sent as it is (a stored recording's file) with the Content-Type of `headers`. */
  body?: unknown;
  headers?: Readonly<Record<string, string>>;
}

export const ok = (body: unknown): AriResponse => ({ status: 200, body });
export const noContent = (): AriResponse => ({ status: 204 });

export function ariError(status: number, message: string, reason?: string): AriResponse {
  return { status, body: { message }, ...(reason ? { reason } : {}) };
}

/** What ast_ari_response_alloc_failed sends: the one error body without `message`. */
export const allocationFailed = (): AriResponse => ({ status: 500, body: { error: 'Allocation failed' } });

export function writeAriResponse(res: ServerResponse, response: AriResponse, serverName: string): void {
  const binary = Buffer.isBuffer(response.body);
  const payload = binary ? (response.body as Buffer) : response.body === undefined ? '' : JSON.stringify(response.body);
  res.statusCode = response.status;
  res.statusMessage = response.reason ?? STATUS_CODES[response.status] ?? '';
  res.setHeader('Server', serverName);
  res.setHeader('Cache-Control', 'no-cache, no-store');
  for (const [name, value] of Object.entries(response.headers ?? {})) res.setHeader(name, value);
  if (payload.length && !binary) res.setHeader('Content-Type', 'application/json');
  res.setHeader('Content-Length', Buffer.byteLength(payload));
  res.end(payload);
}

/** main/http.c's ast_http_error page, used before ARI takes over (e.g. res_ari not loaded yet). */
export function htmlErrorPage(status: number, title: string, text: string, serverName: string): string {
  return (
    '<!DOCTYPE HTML PUBLIC "-//IETF//DTD HTML 2.0//EN">\r\n' +
    `<html><head>\r\n<title>${status} ${title}</title>\r\n</head><body>\r\n` +
    `<h1>${title}</h1>\r\n<p>${text}</p>\r\n<hr />\r\n<address>${serverName}</address>\r\n</body></html>\r\n`
  );
}

export function writeHtmlError(res: ServerResponse, status: number, title: string, text: string, serverName: string): void {
  const page = htmlErrorPage(status, title, text, serverName);
  res.statusCode = status;
  res.statusMessage = title;
  res.setHeader('Server', serverName);
  res.setHeader('Content-Type', 'text/html');
  res.setHeader('Content-Length', Buffer.byteLength(page));
  res.end(page);
}

/** A complete HTTP/1.1 response for a refused WebSocket upgrade, written straight to the socket. */
export function rawHttpResponse(status: number, reason: string, contentType: string, body: string, serverName: string, extraHeaders: Readonly<Record<string, string>> = {}): string {
  const headers = {
    Server: serverName,
    'Content-Type': contentType,
    'Content-Length': String(Buffer.byteLength(body)),
    Connection: 'close',
    ...extraHeaders,
  };
  const headerLines = Object.entries(headers).map(([name, value]) => `${name}: ${value}\r\n`);
  return `HTTP/1.1 ${status} ${reason}\r\n${headerLines.join('')}\r\n${body}`;
}
