import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { authenticate } from '../server/authenticate.js';
import type { Services } from '../services.js';
import { recordingDownloadPrefix, recordingSubject } from './downloads.js';
import type { RecordingFile } from './recordings.js';

const downloadPath = /^\/recordings\/([A-Za-z0-9]{1,64})\.[A-Za-z0-9]{1,8}$/;

/**
 * `GET /recordings/<id>.<ext>`: a call recording's audio (F-5.1.1), to the
 * holder of its signed download URL (`?token=`, from Recording.downloadUrl)
 * or of a Bearer token (access token or API key) with recordings:read, or
 * of the extension user whose call it is. Byte ranges are served, so a
 * player can seek. True when it answered the request.
 */
export function serveRecordings(services: Services, req: IncomingMessage, res: ServerResponse): boolean {
  if (!req.url?.startsWith(recordingDownloadPrefix)) return false;
  serve(services, req, res).catch((err: unknown) => {
    services.log.error({ err }, 'recording download failed');
    if (!res.headersSent) send(res, 500, 'the recording could not be read');
    else res.destroy();
  });
  return true;
}

async function serve(services: Services, req: IncomingMessage, res: ServerResponse): Promise<void> {
  if (req.method !== 'GET' && req.method !== 'HEAD') return send(res, 405, 'use GET', { allow: 'GET, HEAD' });
  const url = new URL(req.url ?? '/', 'http://localhost');
  const match = downloadPath.exec(url.pathname);
  if (!match) return send(res, 404, 'no such recording');
  const id = match[1]!;
  const access = await accessOf(services, req, url.searchParams.get('token'), id);
  if ('status' in access) return send(res, access.status, access.message, access.status === 401 ? { 'www-authenticate': 'Bearer' } : {});
  const file = access.file;
  const size = (await stat(file.path).catch(() => null))?.size;
  if (size === undefined) return send(res, 404, 'the recording file is gone');
  const range = byteRange(req.headers.range, size);
  if (range === 'unsatisfiable') return send(res, 416, 'the range is outside the file', { 'content-range': `bytes */${size}` });
  const headers = {
    'content-type': file.contentType,
    'accept-ranges': 'bytes',
    'content-disposition': `inline; filename="${file.fileName.replace(/[^\x20-\x7e]|["\\]/g, '_')}"`,
    'cache-control': 'private, no-store',
    'x-content-type-options': 'nosniff',
  };
  if (range) res.writeHead(206, { ...headers, 'content-length': String(range.end - range.start + 1), 'content-range': `bytes ${range.start}-${range.end}/${size}` });
  else res.writeHead(200, { ...headers, 'content-length': String(size) });
  if (req.method === 'HEAD') return void res.end();
  const stream = createReadStream(file.path, range ?? { start: 0, end: Math.max(0, size - 1) });
  stream.on('error', () => res.destroy());
  stream.pipe(res);
}

type Access = { file: RecordingFile } | { status: 401 | 403 | 404; message: string };

async function accessOf(services: Services, req: IncomingMessage, token: string | null, id: string): Promise<Access> {
  const authorization = req.headers.authorization;
  if (authorization) {
    const principal = await authenticate(services, authorization);
    if (!principal) return { status: 401, message: 'the Bearer token is not valid' };
    const file = await services.records.recordings.fileFor(id, principal);
    // Someone else's recording answers like one that does not exist.
    return file ? { file } : { status: 404, message: 'no such recording' };
  }
  if (!token) return { status: 401, message: 'a signed download URL (downloadUrl) or a Bearer token is needed' };
  const signedFor = await services.records.recordings.downloads.verify(token);
  if (!signedFor) return { status: 401, message: 'the download URL has expired or is not valid' };
  if (signedFor !== recordingSubject(id)) return { status: 403, message: 'the download URL is for another recording' };
  const file = await services.records.recordings.fileFor(id, 'signed');
  return file ? { file } : { status: 404, message: 'no such recording' };
}

/** One `bytes=` range of a Range header, null for the whole file (no header, or one we do not serve: several ranges). */
export function byteRange(header: string | undefined, size: number): { start: number; end: number } | null | 'unsatisfiable' {
  const m = header ? /^bytes=(\d*)-(\d*)$/.exec(header.trim()) : null;
  if (!m || (!m[1] && !m[2])) return null;
  let start: number;
  let end: number;
  if (!m[1]) {
    const suffix = Number(m[2]);
    if (suffix === 0) return 'unsatisfiable';
    start = Math.max(0, size - suffix);
    end = size - 1;
  } else {
    start = Number(m[1]);
    end = m[2] ? Math.min(Number(m[2]), size - 1) : size - 1;
  }
  if (start >= size || start > end) return 'unsatisfiable';
  return { start, end };
}

function send(res: ServerResponse, status: number, message: string, headers: Record<string, string> = {}): void {
  res.writeHead(status, { 'content-type': 'application/json', ...headers }).end(JSON.stringify({ error: message }));
}
