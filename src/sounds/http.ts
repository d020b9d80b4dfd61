import { createReadStream } from 'node:fs';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { can } from '../auth/permissions.js';
import { authenticate } from '../server/authenticate.js';
import type { Services } from '../services.js';
import { subject, type SoundObject } from './downloads.js';
import { mebibytes, maxMultipartBodyBytes } from './limits.js';

const downloadPath = /^\/sounds\/(prompts|moh-files)\/([A-Za-z0-9]{1,64})\.wav$/;

/**
 * The sound library's part of the HTTP server: `GET /sounds/prompts/<id>.wav`
 * and `GET /sounds/moh-files/<id>.wav` stream the stored 8 kHz WAV, to the
 * holder of the file's signed download URL (`?token=`, from `downloadUrl`)
 * or of a Bearer token (access token or API key) with settings:read; and
 * multipart requests (uploads) larger than the library takes are refused
 * before they are read. True when it answered the request.
 */
export function serveSoundLibrary(services: Services, req: IncomingMessage, res: ServerResponse): boolean {
  if (req.url?.startsWith('/sounds/')) {
    serveDownload(services, req, res).catch((err: unknown) => {
      services.log.error({ err }, 'sound download failed');
      if (!res.headersSent) send(res, 500, 'the file could not be read');
      else res.destroy();
    });
    return true;
  }
  return refuseOversizedUpload(req, res);
}

async function serveDownload(services: Services, req: IncomingMessage, res: ServerResponse): Promise<void> {
  if (req.method !== 'GET' && req.method !== 'HEAD') return send(res, 405, 'use GET', { allow: 'GET, HEAD' });
  const url = new URL(req.url ?? '/', 'http://localhost');
  const match = downloadPath.exec(url.pathname);
  if (!match) return send(res, 404, 'no such file');
  const object: SoundObject = { kind: match[1] === 'prompts' ? 'prompt' : 'moh', id: match[2]! };
  const refused = await refusal(services, req, url.searchParams.get('token'), object);
  if (refused) return send(res, refused.status, refused.message, refused.status === 401 ? { 'www-authenticate': 'Bearer' } : {});
  const file = await services.sounds.downloadFile(object);
  if (!file) return send(res, 404, 'no such file');
  res.writeHead(200, {
    'content-type': 'audio/wav',
    'content-length': String(file.sizeBytes),
    'content-disposition': contentDisposition(file.fileName),
    'cache-control': 'private, no-store',
    'x-content-type-options': 'nosniff',
  });
  if (req.method === 'HEAD') return void res.end();
  const stream = createReadStream(file.path);
  stream.on('error', () => res.destroy());
  stream.pipe(res);
}

/** Why the request may not have the file (401: no or bad credentials, 403: not for this caller or this file), or null. */
async function refusal(services: Services, req: IncomingMessage, token: string | null, object: SoundObject): Promise<{ status: 401 | 403; message: string } | null> {
  const authorization = req.headers.authorization;
  if (authorization) {
    const principal = await authenticate(services, authorization);
    if (!principal) return { status: 401, message: 'the Bearer token is not valid' };
    return can(principal, 'settings:read') ? null : { status: 403, message: 'not permitted: the sound library needs settings:read' };
  }
  if (!token) return { status: 401, message: 'a signed download URL (downloadUrl) or a Bearer token is needed' };
  const signedFor = await services.sounds.downloads.verify(token);
  if (!signedFor) return { status: 401, message: 'the download URL has expired or is not valid' };
  return signedFor === subject(object) ? null : { status: 403, message: 'the download URL is for another file' };
}

/** A multipart request whose Content-Length is over the limit, answered with the limit before a byte is read (yoga's maxRequestBodySize stops one without a length while reading). */
function refuseOversizedUpload(req: IncomingMessage, res: ServerResponse): boolean {
  if (req.method !== 'POST' || !/^multipart\/form-data/i.test(req.headers['content-type'] ?? '')) return false;
  const length = Number(req.headers['content-length']);
  if (!(length > maxMultipartBodyBytes)) return false;
  graphqlRefusal(res, 413, 'REQUEST_ENTITY_TOO_LARGE', `the request has ${mebibytes(length)}; uploads may have at most ${mebibytes(maxMultipartBodyBytes)}`);
  return true;
}

function graphqlRefusal(res: ServerResponse, status: number, code: string, message: string): void {
  res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify({ errors: [{ message, extensions: { code } }] }));
}

function send(res: ServerResponse, status: number, message: string, headers: Record<string, string> = {}): void {
  res.writeHead(status, { 'content-type': 'application/json', ...headers }).end(JSON.stringify({ error: message }));
}

/** `inline` with the name: an ASCII fallback and the UTF-8 form (RFC 6266) for names in other scripts. */
function contentDisposition(fileName: string): string {
  const ascii = fileName.replace(/[^\x20-\x7e]/g, '_').replace(/["\\]/g, '_');
  const encoded = encodeURIComponent(fileName).replace(/['()*!]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
  return `inline; filename="${ascii}"; filename*=UTF-8''${encoded}`;
}
