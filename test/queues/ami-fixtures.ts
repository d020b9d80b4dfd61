import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { QueueConfig } from '../../src/queues/live/state.js';

/** The AMI traffic of app_queue recorded from Asterisk 22 (test/pbx/fixtures/ami-queues/README.md). */
export const QUEUE_FIXTURES_DIR = path.resolve(fileURLToPath(new URL('../pbx/fixtures/ami-queues', import.meta.url)));

export type Message = Record<string, string>;

function fieldsOf(block: string): Message {
  const message: Message = {};
  for (const line of block.split('\n')) {
    const colon = line.indexOf(':');
    if (colon > 0) message[line.slice(0, colon)] = line.slice(colon + 1).replace(/^ /, '');
  }
  return message;
}

const blocks = (text: string) =>
  text
    .split('\n\n')
    .map((b) => b.replace(/^\n+|\n+$/g, ''))
    .filter((b) => b !== '');

/** The recorded events, step by step: the events after each `### <label>` line up to the next one (`registered`: those before the first). */
export function readSteps(): { label: string; events: Message[]; wire: string[] }[] {
  const text = readFileSync(path.join(QUEUE_FIXTURES_DIR, 'events.txt'), 'utf8')
    .split('\n')
    .filter((line) => !line.startsWith('# '))
    .join('\n');
  const steps = [{ label: 'registered', events: [] as Message[], wire: [] as string[] }];
  for (const block of blocks(text)) {
    if (block.startsWith('### ')) steps.push({ label: block.slice(4).split(':')[0]!, events: [], wire: [] });
    else {
      steps.at(-1)!.events.push(fieldsOf(block));
      steps.at(-1)!.wire.push(`${block.replace(/\n/g, '\r\n')}\r\n\r\n`);
    }
  }
  return steps;
}

/** A recorded request and its answer (`listing-*` or `action-*`). */
export function readRecorded(file: string): { request: Message; messages: Message[]; wireFor(actionId: string): string } {
  const text = readFileSync(path.join(QUEUE_FIXTURES_DIR, file), 'utf8');
  const [requestPart, responsePart] = text.split('# response\n');
  if (requestPart === undefined || responsePart === undefined) throw new Error(`${file}: no "# response" section`);
  const request = fieldsOf(requestPart.replace('# request\n', '').trim());
  const recordedId = request.ActionID ?? '';
  return {
    request,
    messages: blocks(responsePart).map(fieldsOf),
    wireFor: (id) => responsePart.split(`ActionID: ${recordedId}\n`).join(`ActionID: ${id}\n`).replace(/\n/g, '\r\n'),
  };
}

/** The events of a recorded listing, as AmiClient.list() gives them (without the response and the completing event). */
export function readListing(moment: string, action = 'QueueStatus'): Message[] {
  return readRecorded(`listing-${moment}-${action}.txt`).messages.filter((m) => m.Event && m.EventList?.toLowerCase() !== 'complete');
}

/** The file of a recorded action answer, by the moment it was recorded at. */
export function actionFile(moment: string): string {
  const file = readdirSync(QUEUE_FIXTURES_DIR).find((name) => name.startsWith(`action-${moment}-`));
  if (!file) throw new Error(`no recorded action ${moment}`);
  return file;
}

/** The stored queues of the recording: queue-q1 (static 201, dynamic 202) and queue-q2 (dynamic 202); `support` is not ours. */
export const RECORDED_QUEUES: QueueConfig[] = [
  {
    id: 'q1',
    name: 'Sales',
    number: '6001',
    agents: [
      { extensionId: 'ext-201', number: '201', kind: 'STATIC' },
      { extensionId: 'ext-202', number: '202', kind: 'DYNAMIC' },
    ],
  },
  { id: 'q2', name: 'Support', number: '6002', agents: [{ extensionId: 'ext-202', number: '202', kind: 'DYNAMIC' }] },
];
