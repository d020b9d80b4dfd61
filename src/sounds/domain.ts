import type { DomainModule } from '../domains/types.js';
import { renderMusicOnHold } from './config.js';
import { soundKinds } from './contract.js';
import { extensionsUsingMohClasses } from './refs.js';
import { readSoundSlice } from './snapshot.js';

/**
 * The sound library (F-4.4.1–F-4.4.3): prompts that IVRs, queues and
 * settings play, and the music-on-hold classes of musiconhold.conf.
 * Extensions name a class (Extension.mohClass): the referrer below keeps a
 * class they use from being deleted (the extensions domain stores the name;
 * the class is ours).
 */
export const soundsDomain: DomainModule = {
  name: 'sounds',
  referrers: [{ target: soundKinds.mohClass, find: (tx, ids, change) => (change === 'delete' ? extensionsUsingMohClasses(tx, ids) : Promise.resolve([])) }],
  readSnapshot: (tx) => readSoundSlice(tx),
  config: [{ file: 'musiconhold.conf', order: 0, render: renderMusicOnHold }],
};
