import type { Database, Tx } from '../db/client.js';
import { resolveDestination, type DestinationInput, type StoredDestination } from '../destinations/destination.js';
import { deleteDestinations, loadDestinations, saveDestination } from '../destinations/store.js';
import { ConflictError, ValidationError } from '../errors.js';
import type { EventBus } from '../events/bus.js';
import type { ConfigChanges } from '../events/changes.js';
import type { Logger } from '../logger.js';
import type { AriEvent } from '../pbx/ari/types.js';
import { officePauseDevice } from './config.js';
import { officePauseOwner } from './snapshot.js';

/** Office pause as the API and the bus see it (JSON: it may cross Redis). */
export type OfficePauseState = {
  active: boolean;
  /** False while a change asked through the API has not reached Asterisk yet (not connected). */
  applied: boolean;
  destination: StoredDestination | null;
  /** When the state or the destination last changed; null: never. */
  updatedAt: string | null;
};

/** The last state known, kept in the Setting `officePause` so it is known without Asterisk. */
type Stored = { active: boolean; pending: boolean };
const SETTING_KEY = 'officePause';

/** What the service needs of the ARI connection (src/pbx/ari/connection.ts). */
export type OfficePauseAri = {
  connected(): boolean;
  getDeviceState(name: string): Promise<string>;
  setCustomDeviceState(name: string, state: string): Promise<void>;
  on(event: 'event', listener: (event: AriEvent) => void): unknown;
  on(event: 'connected', listener: () => void): unknown;
};

const deviceState = (active: boolean) => (active ? 'INUSE' : 'NOT_INUSE');
const knownStates = new Set(['INUSE', 'NOT_INUSE']);

/**
 * Office pause (F-4.2.4.a): while on, every inbound call goes to its
 * destination. The switch itself is Asterisk's custom device state
 * `Custom:officepause`, which phones change with *81 / *081 and the dialplan
 * reads, so it works while this server is away. This service changes it
 * through ARI, follows it from DeviceStateChanged events, and keeps the last
 * known state in a Setting.
 *
 * On every (re)connect Asterisk's state wins (phones may have changed it
 * while we were away; Asterisk keeps it in its astdb over restarts), except
 * when a change asked through the API could not reach Asterisk yet
 * (`applied: false`) or Asterisk has no state at all (a new astdb): then ours
 * is set on Asterisk.
 */
export class OfficePauseService {
  constructor(
    private readonly deps: {
      db: Database;
      changes: ConfigChanges;
      bus: EventBus;
      log: Logger;
      /** Connected only on the instance that holds the Asterisk lease. */
      ari: OfficePauseAri | null;
    },
  ) {
    const { ari, log } = deps;
    ari?.on('event', (event) => {
      if (event.type !== 'DeviceStateChanged') return;
      const { name, state } = (event as Extract<AriEvent, { type: 'DeviceStateChanged' }>).device_state;
      if (name === officePauseDevice && knownStates.has(state))
        void this.fromAsterisk(state === 'INUSE').catch((err: unknown) => log.error({ err }, 'office pause: recording the state Asterisk reported failed'));
    });
    ari?.on('connected', () => void this.reconcile().catch((err: unknown) => log.warn({ err }, 'office pause: reconciling with Asterisk failed; retried at the next connect')));
    // A change made on an instance without the ARI connection reaches the one holding it through the bus.
    void (async () => {
      for await (const state of deps.bus.subscribe('officePause')) {
        if (!state.applied && ari?.connected()) await this.pushPending().catch((err: unknown) => log.warn({ err }, 'office pause: setting the state on Asterisk failed'));
      }
    })();
  }

  async state(): Promise<OfficePauseState> {
    const prisma = this.deps.db.prisma;
    const row = await prisma.setting.findUnique({ where: { key: SETTING_KEY } });
    const destination = (await loadDestinations(prisma, officePauseOwner.kind, [officePauseOwner.id])).get(officePauseOwner.id)?.get(officePauseOwner.slot) ?? null;
    const stored = parseStored(row?.value);
    return { active: stored.active, applied: !stored.pending, destination, updatedAt: row ? row.updatedAt.toISOString() : null };
  }

  /** Turns office pause on or off: on Asterisk at once when connected, else when it connects (`applied: false` until then). */
  async setActive(active: boolean): Promise<OfficePauseState> {
    await this.deps.db.prisma.$transaction(async (tx) => {
      if (active && !(await this.hasDestination(tx)))
        throw ValidationError.single(['active'], 'set the office-pause destination (setOfficePauseDestination) before turning office pause on', 'REQUIRED');
      await writeStored(tx, { active, pending: true });
    });
    if (this.deps.ari?.connected()) {
      await this.pushPending().catch((err: unknown) => this.deps.log.warn({ err }, 'office pause: setting the state on Asterisk failed; it is set when Asterisk connects again'));
    }
    return this.publish();
  }

  /** Sets where inbound calls go while office pause is on; null removes it (refused while office pause is on). */
  async setDestination(input: DestinationInput | null): Promise<OfficePauseState> {
    await this.deps.db.prisma.$transaction(async (tx) => {
      const current = parseStored((await tx.setting.findUnique({ where: { key: SETTING_KEY } }))?.value);
      if (input) {
        await saveDestination(tx, officePauseOwner, await resolveDestination(tx, input, ['destination']));
      } else {
        if (current.active) throw new ConflictError('Office pause is on: turn it off before removing its destination', ['destination']);
        await deleteDestinations(tx, officePauseOwner.kind, [officePauseOwner.id]);
      }
      await writeStored(tx, current);
    });
    this.deps.changes.notify('office pause destination');
    return this.publish();
  }

  private async hasDestination(tx: Tx): Promise<boolean> {
    return (await tx.destination.count({ where: { ownerKind: officePauseOwner.kind, ownerId: officePauseOwner.id, slot: officePauseOwner.slot } })) > 0;
  }

  /** Sets a change asked through the API on Asterisk, unless it is there already. */
  private async pushPending(): Promise<void> {
    const ari = this.deps.ari;
    const stored = await this.read();
    if (!ari || !stored.pending) return;
    await ari.setCustomDeviceState(officePauseDevice, deviceState(stored.active));
    await this.markApplied(stored.active);
  }

  /** A phone (or our own change) switched it: Asterisk's state is recorded. */
  private async fromAsterisk(active: boolean): Promise<void> {
    const stored = await this.read();
    if (stored.active === active && !stored.pending) return;
    await this.deps.db.prisma.$transaction((tx) => writeStored(tx, { active, pending: false }));
    await this.publish();
  }

  /** After a (re)connect: Asterisk's state wins, except a pending change of ours or no state on Asterisk. */
  private async reconcile(): Promise<void> {
    const ari = this.deps.ari;
    if (!ari) return;
    const asterisk = await ari.getDeviceState(officePauseDevice);
    const stored = await this.read();
    if (stored.pending || !knownStates.has(asterisk)) {
      await ari.setCustomDeviceState(officePauseDevice, deviceState(stored.active));
      await this.markApplied(stored.active);
      await this.publish();
      return;
    }
    const active = asterisk === 'INUSE';
    if (active !== stored.active) {
      this.deps.log.info({ active }, 'office pause: taking the state Asterisk has (changed while this server was away)');
      await this.fromAsterisk(active);
    }
  }

  /** Clears `pending` unless the state changed again meanwhile. */
  private async markApplied(active: boolean): Promise<void> {
    await this.deps.db.prisma.$transaction(async (tx) => {
      const stored = parseStored((await tx.setting.findUnique({ where: { key: SETTING_KEY } }))?.value);
      if (stored.active === active && stored.pending) await writeStored(tx, { active, pending: false });
    });
  }

  private async read(): Promise<Stored> {
    return parseStored((await this.deps.db.prisma.setting.findUnique({ where: { key: SETTING_KEY } }))?.value);
  }

  private async publish(): Promise<OfficePauseState> {
    const state = await this.state();
    this.deps.bus.publish('officePause', state);
    return state;
  }
}

async function writeStored(tx: Tx, value: Stored): Promise<void> {
  const text = JSON.stringify(value);
  await tx.setting.upsert({ where: { key: SETTING_KEY }, create: { key: SETTING_KEY, value: text }, update: { value: text } });
}

function parseStored(text: string | undefined): Stored {
  if (!text) return { active: false, pending: false };
  try {
    const value = JSON.parse(text) as Partial<Stored>;
    return { active: value.active === true, pending: value.pending === true };
  } catch {
    return { active: false, pending: false };
  }
}
