import { appendFileSync, mkdirSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import path from 'node:path';

/**
 * Opt-in AMI recorder for the e2e harness (PBX_E2E_RECORD_AMI=<dir>): its own
 * raw AMI connection to our PBX's Asterisk, independent of src/pbx/ami. Every
 * message Asterisk sends is written as it came, except that CRLF line ends
 * become LF (test/pbx/ami/fake-trunk-asterisk.ts turns them back):
 * - `<dir>/events.txt`: every event, with a `### <label>` line where a scenario begins;
 * - `<dir>/action-<label>-<Action>[-<arg>].txt`: `# request` with the request sent,
 *   `# response` with the response and the events of its listing.
 * Fixtures are cut from these files (test/pbx/fixtures/ami-trunks/README.md).
 */
export type AmiRecorder = {
  /** Writes a marker line into the event log. */
  mark(label: string): void;
  /** Sends each action, waits for its listing to complete, writes request and response. */
  snapshot(label: string, actions: Record<string, string>[]): Promise<void>;
  stop(): Promise<void>;
};

export async function startAmiRecorder(options: { dir: string; port: number; username: string; secret: string; host?: string }): Promise<AmiRecorder> {
  mkdirSync(options.dir, { recursive: true });
  const eventsFile = path.join(options.dir, 'events.txt');
  writeFileSync(eventsFile, '');
  const socket = net.connect(options.port, options.host ?? '127.0.0.1');
  socket.setEncoding('utf8');
  let buffer = '';
  let bannerSeen = false;
  let sequence = 0;
  /** Responses collected per ActionID: raw LF text of each message. */
  const pending = new Map<string, { messages: string[]; done: (messages: string[]) => void; list: boolean }>();

  const actionIdOf = (block: string) => /^ActionID: (.*)$/m.exec(block)?.[1];
  const onMessage = (block: string) => {
    const id = actionIdOf(block);
    const waiting = id !== undefined ? pending.get(id) : undefined;
    if (waiting) {
      waiting.messages.push(block);
      const ends = !waiting.list || /^Response: Error$/m.test(block) || /^EventList: Complete$/im.test(block) || (waiting.messages.length === 1 && !/^EventList: start$/im.test(block));
      if (ends) {
        pending.delete(id!);
        waiting.done(waiting.messages);
      }
      return;
    }
    if (/^Event: /m.test(block)) appendFileSync(eventsFile, `${block}\n\n`);
  };

  socket.on('data', (chunk: string) => {
    buffer += chunk.replace(/\r\n/g, '\n');
    if (!bannerSeen) {
      const end = buffer.indexOf('\n');
      if (end === -1) return;
      writeFileSync(path.join(options.dir, 'banner.txt'), `${buffer.slice(0, end)}\n`);
      buffer = buffer.slice(end + 1);
      bannerSeen = true;
    }
    for (let end = buffer.indexOf('\n\n'); end !== -1; end = buffer.indexOf('\n\n')) {
      const block = buffer.slice(0, end);
      buffer = buffer.slice(end + 2);
      if (block.trim() !== '') onMessage(block.replace(/^\n+/, ''));
    }
  });

  const send = (fields: Record<string, string>, list: boolean): Promise<string[]> => {
    const id = `rec-${++sequence}`;
    const request = { ...fields, ActionID: id };
    return new Promise<string[]>((resolve, reject) => {
      const timer = setTimeout(() => {
        pending.delete(id);
        reject(new Error(`AMI recorder: no complete answer to ${fields.Action} within 10 s`));
      }, 10_000);
      pending.set(id, {
        messages: [],
        list,
        done: (messages) => {
          clearTimeout(timer);
          resolve(messages);
        },
      });
      socket.write(
        `${Object.entries(request)
          .map(([k, v]) => `${k}: ${v}\r\n`)
          .join('')}\r\n`,
      );
    });
  };

  await new Promise<void>((resolve, reject) => {
    socket.once('connect', resolve);
    socket.once('error', reject);
  });
  const login = await send({ Action: 'Login', Username: options.username, Secret: options.secret, Events: 'on' }, false);
  if (!/^Response: Success$/m.test(login[0] ?? '')) throw new Error(`AMI recorder: login refused: ${login[0]}`);

  const safe = (text: string) => text.replace(/[^A-Za-z0-9_.-]+/g, '-');
  return {
    mark(label) {
      appendFileSync(eventsFile, `### ${label} (${new Date().toISOString()})\n\n`);
    },
    async snapshot(label, actions) {
      for (const action of actions) {
        const { Action: name, ...args } = action;
        const messages = await send(action, true).catch((e: Error) => [`# failed: ${e.message}`]);
        const requestText = Object.entries({ ...action, ActionID: `rec-${sequence}` })
          .map(([k, v]) => `${k}: ${v}`)
          .join('\n');
        const file = `action-${safe(label)}-${name}${Object.values(args).length ? `-${safe(Object.values(args).join('-'))}` : ''}.txt`;
        writeFileSync(path.join(options.dir, file), `# request\n${requestText}\n\n# response\n${messages.map((m) => `${m}\n\n`).join('')}`);
      }
    },
    async stop() {
      await send({ Action: 'Logoff' }, false).catch(() => undefined);
      socket.destroy();
    },
  };
}
