import { createWriteStream } from 'node:fs';
import { unlink } from 'node:fs/promises';
import { Readable, Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';

/** An ARI answer other than 2xx: its status and Asterisk's message (`{"message": …}`, or `{"error": …}` for a failed allocation). */
export class AriRequestError extends Error {
  override name = 'AriRequestError';
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

/** POST /channels/{id}/record options (channels.json). */
export type RecordOptions = {
  name: string;
  format: string;
  maxDurationSeconds: number;
  maxSilenceSeconds: number;
  beep: boolean;
  terminateOn: 'none' | 'any' | '*' | '#';
  ifExists: 'fail' | 'overwrite' | 'append';
};

/** The ARI requests a call to an extension needs, beside the event WebSocket that AriConnection holds. */
export type PhoneAriRequests = {
  /** POST /channels into a Stasis application; resolves once Asterisk has created the channel (it rings then). */
  originate(input: { endpoint: string; app: string; appArgs: string[]; channelId: string; callerId: string; timeoutSeconds: number }): Promise<void>;
  /** POST /channels/{id}/play of one or more media URIs as one playback. */
  play(channelId: string, media: string[], playbackId: string): Promise<void>;
  /** DELETE /playbacks/{id}; a playback that ended already is no error. */
  stopPlayback(playbackId: string): Promise<void>;
  record(channelId: string, options: RecordOptions): Promise<void>;
  /** DELETE /channels/{id}; a channel that is gone already is no error. */
  hangup(channelId: string): Promise<void>;
  /** GET /channels: the ids of the channels Asterisk has. */
  channelIds(): Promise<string[]>;
  /** GET /recordings/stored: the names of the stored recordings. */
  storedRecordings(): Promise<string[]>;
  /** GET /recordings/stored/{name}/file into `path` (at most `maxBytes`). */
  downloadStoredRecording(name: string, path: string, maxBytes: number): Promise<void>;
  /** DELETE /recordings/stored/{name}; one that is gone already is no error. */
  deleteStoredRecording(name: string): Promise<void>;
};

const requestTimeoutMs = 10_000;
const downloadTimeoutMs = 60_000;

/**
 * ARI's REST interface over plain HTTP: the requests of calls placed to an
 * extension (originate, play, record) and the stored recordings, whose file
 * comes back as audio, not JSON. Recordings are fetched through ARI so that
 * it works wherever Asterisk's spool is.
 */
export class AriRest implements PhoneAriRequests {
  private readonly authorization: string;

  constructor(private readonly options: { url: string; username: string; password: string }) {
    this.authorization = `Basic ${Buffer.from(`${options.username}:${options.password}`).toString('base64')}`;
  }

  async originate(input: { endpoint: string; app: string; appArgs: string[]; channelId: string; callerId: string; timeoutSeconds: number }): Promise<void> {
    await this.send('POST', '/channels', {
      endpoint: input.endpoint,
      app: input.app,
      appArgs: input.appArgs.join(','),
      channelId: input.channelId,
      callerId: input.callerId,
      timeout: String(input.timeoutSeconds),
    });
  }

  async play(channelId: string, media: string[], playbackId: string): Promise<void> {
    await this.send('POST', `/channels/${encodeURIComponent(channelId)}/play`, { media: media.join(','), playbackId });
  }

  async stopPlayback(playbackId: string): Promise<void> {
    await this.send('DELETE', `/playbacks/${encodeURIComponent(playbackId)}`, {}, [404]);
  }

  async record(channelId: string, options: RecordOptions): Promise<void> {
    await this.send('POST', `/channels/${encodeURIComponent(channelId)}/record`, {
      name: options.name,
      format: options.format,
      maxDurationSeconds: String(options.maxDurationSeconds),
      maxSilenceSeconds: String(options.maxSilenceSeconds),
      beep: String(options.beep),
      terminateOn: options.terminateOn,
      ifExists: options.ifExists,
    });
  }

  async hangup(channelId: string): Promise<void> {
    await this.send('DELETE', `/channels/${encodeURIComponent(channelId)}`, { reason: 'normal' }, [404]);
  }

  async channelIds(): Promise<string[]> {
    const channels = (await (await this.request('GET', '/channels')).json()) as { id: string }[];
    return channels.map((c) => c.id);
  }

  async storedRecordings(): Promise<string[]> {
    const recordings = (await (await this.request('GET', '/recordings/stored')).json()) as { name: string }[];
    return recordings.map((r) => r.name);
  }

  async downloadStoredRecording(name: string, path: string, maxBytes: number): Promise<void> {
    const response = await this.request('GET', `/recordings/stored/${encodeURIComponent(name)}/file`, {}, [], downloadTimeoutMs);
    if (!response.body) throw new AriRequestError(response.status, `recording ${name} came without a body`);
    let received = 0;
    const limit = new Transform({
      transform(chunk: Buffer, _encoding, done) {
        received += chunk.length;
        done(received > maxBytes ? new Error(`recording ${name} is larger than ${maxBytes} bytes`) : null, chunk);
      },
    });
    try {
      await pipeline(Readable.fromWeb(response.body as import('node:stream/web').ReadableStream), limit, createWriteStream(path));
    } catch (error) {
      await unlink(path).catch(() => undefined);
      throw error;
    }
  }

  async deleteStoredRecording(name: string): Promise<void> {
    await this.send('DELETE', `/recordings/stored/${encodeURIComponent(name)}`, {}, [404]);
  }

  /** A request whose answer has no body worth reading. */
  private async send(method: string, path: string, query: Record<string, string> = {}, tolerated: number[] = []): Promise<void> {
    const response = await this.request(method, path, query, tolerated);
    await response.body?.cancel();
  }

  private async request(method: string, path: string, query: Record<string, string> = {}, tolerated: number[] = [], timeoutMs = requestTimeoutMs): Promise<Response> {
    const search = new URLSearchParams(query).toString();
    const url = `${this.options.url.replace(/\/+$/, '')}/ari${path}${search ? `?${search}` : ''}`;
    const response = await fetch(url, { method, headers: { authorization: this.authorization }, signal: AbortSignal.timeout(timeoutMs) });
    if (response.ok || tolerated.includes(response.status)) return response;
    const text = await response.text().catch(() => '');
    throw new AriRequestError(response.status, `${method} ${path}: ${response.status} ${errorMessage(text) || response.statusText}`);
  }
}

function errorMessage(body: string): string {
  try {
    const parsed = JSON.parse(body) as { message?: unknown; error?: unknown };
    return String(parsed.message ?? parsed.error ?? '');
  } catch {
    return body.slice(0, 200);
  }
}
