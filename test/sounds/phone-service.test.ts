import { EventEmitter } from 'node:events';
import { describe, expect, it } from 'vitest';
import type { Database } from '../../src/db/client.js';
import { createLogger } from '../../src/logger.js';
import type { PhoneAriRequests } from '../../src/sounds/phone/ari-rest.js';
import { PromptPhoneService } from '../../src/sounds/phone/service.js';

/**
 * The prompt-call service with Asterisk faked at its two seams (the event
 * connection and the REST requests): what the stand-in cannot show, a
 * socket lost while Asterisk keeps running, and how subscribers are let go.
 */
function setup() {
  const ari = Object.assign(new EventEmitter(), { connected: () => true });
  const done: string[] = [];
  const channels = ['pbx-prompt-call-left-over', '1733.7', 'pbx-blacklist-1'];
  const requests: PhoneAriRequests = {
    originate: async (input) => void done.push(`originate ${input.endpoint} ${input.channelId}`),
    play: async () => undefined,
    stopPlayback: async () => undefined,
    record: async () => undefined,
    hangup: async (id) => void done.push(`hangup ${id}`),
    channelIds: async () => [...channels],
    storedRecordings: async () => ['pbx-prompt-rec-left-over', 'someone-elses'],
    downloadStoredRecording: async () => undefined,
    deleteStoredRecording: async (name) => void done.push(`delete ${name}`),
  };
  const prisma = {
    prompt: { findMany: async () => [], findUnique: async () => ({ id: 'p1', name: 'hello' }) },
    extension: { findUnique: async () => ({ enabled: true }) },
  };
  const service = new PromptPhoneService({ db: { prisma } as unknown as Database, ari, requests, app: 'pbx', soundsDir: '/srv/sounds', log: createLogger('silent') });
  return { ari, done, channels, service };
}

describe('PromptPhoneService', () => {
  it('after a (re)connect hangs up its own channels and deletes its own recordings that no call owns, and nothing else', async () => {
    const { ari, done } = setup();
    ari.emit('connected');
    await new Promise((r) => setTimeout(r, 20));
    expect(done).toEqual(['hangup pbx-prompt-call-left-over', 'delete pbx-prompt-rec-left-over']);
  });

  it('a call being placed is not swept', async () => {
    const { ari, done, channels, service } = setup();
    const call = await service.playOnExtension({ promptId: 'p1', extension: '101' });
    const channelId = `pbx-prompt-call-${call.id}`;
    expect(done).toEqual([`originate PJSIP/101 ${channelId}`]);
    channels.push(channelId);
    ari.emit('connected');
    await new Promise((r) => setTimeout(r, 20));
    expect(done).toEqual([`originate PJSIP/101 ${channelId}`, 'hangup pbx-prompt-call-left-over', 'delete pbx-prompt-rec-left-over']);
  });

  it('watch: the call now, each change, the end; a watcher that leaves is let go at once', async () => {
    const { ari, service } = setup();
    const call = await service.playOnExtension({ promptId: 'p1', extension: '101' });
    const channel = { id: `pbx-prompt-call-${call.id}` };

    const leaving = service.watch(call.id);
    expect((await leaving.next()).value).toMatchObject({ state: 'RINGING' });
    const pending = leaving.next();
    await leaving.return!();
    expect(await pending).toEqual({ value: undefined, done: true });

    const staying = service.watch(call.id);
    const states: string[] = [];
    const collected = (async () => {
      for await (const c of staying) states.push(`${c.state}${c.failure ? ` ${c.failure}` : ''}`);
    })();
    await new Promise((r) => setTimeout(r, 10));
    ari.emit('event', { type: 'ChannelDestroyed', cause: 17, cause_txt: 'User busy', channel });
    await collected;
    expect(states).toEqual(['RINGING', 'FAILED BUSY']);
    expect(service.get(call.id)).toMatchObject({ state: 'FAILED', failureReason: 'extension 101 is busy' });
    expect(await service.watch('unknown').next()).toEqual({ value: undefined, done: true });
  });
});
