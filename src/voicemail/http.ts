import type { IncomingMessage, ServerResponse } from 'node:http';
import { can, type Principal } from '../auth/permissions.js';
import { authenticate } from '../server/authenticate.js';
import type { Services } from '../services.js';
import { downloadSubject } from './downloads.js';

const downloadPath = /^\/voicemail\/([0-9]{1,20})\/([0-9A-Za-z-]{1,64})\.wav$/;

/**
 * Voicemail's part of the HTTP server: `GET /voicemail/<mailbox>/<message id>.wav`
 * streams the message's WAV recording to the holder of its signed download
 * URL (`?token=`, from `downloadUrl`) or of a Bearer token (access token or
 * API key) that may read the mailbox: voicemail:read, or the extension user
 * of that mailbox. The message is looked up by its id in the mailbox's
 * folders, so nothing in the path names a file. True when it answered.
 */
export function serveVoicemail(services: Services, req: IncomingMessage, res: ServerResponse): boolean {
  if (!req.url?.startsWith('/voicemail/')) return false;
  serveDownload(services, req, res).catch((err: unknown) => {
    services.log.error({ err }, 'voicemail download failed');
    if (!res.headersSent) send(res, 500, 'the recording could not be read');
    else res.destroy();
  });
  return true;
}

async function serveDownload(services: Services, req: IncomingMessage, res: ServerResponse): Promise<void> {
  if (req.method !== 'GET' && req.method !== 'HEAD') return send(res, 405, 'use GET', { allow: 'GET, HEAD' });
  const url = new URL(req.url ?? '/', 'http://localhost');
  const match = downloadPath.exec(url.pathname);
  if (!match) return send(res, 404, 'no such message');
  const [mailbox, msgId] = [match[1]!, match[2]!];
  const refused = await refusal(services, req, url.searchParams.get('token'), mailbox, msgId);
  if (refused) return send(res, refused.status, refused.message, refused.status === 401 ? { 'www-authenticate': 'Bearer' } : {});
  const audio = await services.voicemail.service.openAudio(mailbox, msgId);
  if (!audio) return send(res, 404, 'no such message');
  try {
    res.writeHead(200, {
      'content-type': 'audio/wav',
      'content-length': String(audio.sizeBytes),
      'content-disposition': `inline; filename="${audio.fileName}"`,
      'cache-control': 'private, no-store',
      'x-content-type-options': 'nosniff',
    });
    if (req.method === 'HEAD') return void res.end();
    // The handle was opened before Asterisk could renumber the folder: the stream reads that message whatever its name becomes.
    const stream = audio.handle.createReadStream({ autoClose: false, end: Math.max(0, audio.sizeBytes - 1) });
    await new Promise<void>((resolve) => {
      stream.on('error', () => (res.destroy(), resolve()));
      res.on('close', () => resolve());
      stream.pipe(res);
    });
  } finally {
    await audio.handle.close().catch(() => undefined);
  }
}

/** Why the request may not have the recording (401: no or bad credentials, 403: not for this caller or this message), or null. */
async function refusal(services: Services, req: IncomingMessage, token: string | null, mailbox: string, msgId: string): Promise<{ status: 401 | 403; message: string } | null> {
  const authorization = req.headers.authorization;
  if (authorization) {
    const principal = await authenticate(services, authorization);
    if (!principal) return { status: 401, message: 'the Bearer token is not valid' };
    return mayRead(principal, mailbox) ? null : { status: 403, message: 'not permitted: voicemail:read, or the extension user of this mailbox' };
  }
  if (!token) return { status: 401, message: 'a signed download URL (downloadUrl) or a Bearer token is needed' };
  const signedFor = await services.voicemail.downloads.verify(token);
  if (!signedFor) return { status: 401, message: 'the download URL has expired or is not valid' };
  return signedFor === downloadSubject({ mailbox, msgId }) ? null : { status: 403, message: 'the download URL is for another message' };
}

function mayRead(principal: Principal, mailbox: string): boolean {
  return principal.kind === 'extension' ? principal.username === mailbox : can(principal, 'voicemail:read');
}

function send(res: ServerResponse, status: number, message: string, headers: Record<string, string> = {}): void {
  res.writeHead(status, { 'content-type': 'application/json', ...headers }).end(JSON.stringify({ error: message }));
}
