import type { z } from 'zod';
import type { Tx } from '../db/client.js';
import type { Referrer } from '../errors.js';
import type { NumberExpectation } from '../pbx/lint/types.js';
import type { PushedObject } from '../pbx/objects/types.js';
import type { PbxSnapshot } from '../pbx/render/snapshot.js';
import type { NumberingPlan } from '../settings/schemas.js';
import type { SettingsStore } from '../settings/store.js';
import type { DomainRegistry } from './registry.js';

/**
 * What the core needs from a domain (extensions, departments, feature codes
 * and every later feature). A domain describes itself in its own folder with
 * one DomainModule and is registered with one line in src/domains/index.ts;
 * the core loops over the registry instead of naming kinds.
 */
export type DomainModule = {
  /** Unique name, e.g. `extensions`. */
  name: string;
  /**
   * Internal-call rights it offers (F-4.3.3), e.g. `allowExtensions`: each is a
   * Boolean of every dial permission, and grants the contexts of its
   * `dialplan.includes` that name it.
   */
  rights?: RightSpec[];
  /** Kinds of dialable numbers it owns (D5). */
  numberKinds?: NumberKindSpec[];
  /** Kinds of Destination it offers (a kind arrives with its feature). */
  destinations?: DestinationKindSpec[];
  /** What it stores that points at objects of other domains. */
  referrers?: ReferrerSpec[];
  /** Labels of the Destination slots it stores, e.g. `{ noAnswer: 'sends unanswered calls there' }`. */
  destinationSlots?: Record<string, string>;
  /** Its slice of the one consistent snapshot (D2), read inside the snapshot's transaction. */
  readSnapshot?(tx: Tx, context: DomainContext): Promise<Partial<PbxSnapshot>>;
  /** Its parts of Asterisk configuration files (pure). */
  config?: ConfigContribution[];
  /** Its objects pushed into Asterisk through ARI one by one (D3), instead of a file. */
  objects?: ObjectContribution;
  /** Its dialplan: contexts, and the contexts the internal context includes (pure). */
  dialplan?: DialplanContribution;
  /** What its numbers and codes must reach in the dialplan, for the check before applying (D4). */
  expectations?(snapshot: PbxSnapshot, registry: DomainRegistry): NumberExpectation[];
  /** Its steps of inbound routing: each trunk's inbound context runs them by `order` (the plan is in src/inbound/order.ts). */
  inboundSteps?: InboundStep[];
  /**
   * The astdb families its dialplan keeps one key per extension number in (e.g. `DND/<number>`):
   * they move with a renumbered extension and go with a deleted one (src/extensions/number-keyed-state.ts).
   */
  numberKeyedFamilies?: NumberKeyedFamily[];
};

/** An astdb family whose keys are extension numbers; `holds` says what, for the log. */
export type NumberKeyedFamily = { family: string; holds: string };

/**
 * A step of inbound routing (src/inbound/order.ts): by default a Gosub into
 * `context` at s,1, which returns to let the call go on, or ends the call or
 * jumps away to decide it. The domain that registers a step renders its context.
 */
export type InboundStep = {
  /** The place in the fixed plan: 5 call record, 10 blacklist, 20 anonymous callers, 30 office pause, 40 DID route. */
  order: number;
  context: string;
  description: string;
  /** Its lines in a trunk's inbound context (pure); default `Gosub(<context>,s,1)`. None: the step is left out (e.g. a switch is off). */
  lines?(snapshot: PbxSnapshot): string[];
};

/** An internal-call right of dial permissions: `name` is its GraphQL Boolean field on DialPermission. */
export type RightSpec = { name: string; description: string };

export type DomainContext = { settings: SettingsStore };

/** A kind of dialable number and how its owners are named in clash errors. */
export type NumberKindSpec = {
  /** Stored as DialableNumber.ownerKind, e.g. `EXTENSION`. */
  kind: string;
  noun: string;
  /** The numbering-plan range its numbers come from; null when it has none. */
  range: keyof NumberingPlan | null;
  /** Owner labels by id, e.g. `extension 101 (Alice)`; ids that are gone are left out. */
  describe(tx: Tx, ids: string[]): Promise<Map<string, string>>;
};

/**
 * A kind of Destination ("where a call goes"). Its target is an object of
 * some kind (found by number or global ID), a text (an external number), or
 * nothing (hang up). Parameters are per kind, with defaults.
 */
export type DestinationKindSpec = {
  type: string;
  description: string;
  target: DestinationTarget;
  /** Per-kind parameters (e.g. the voicemail greeting); each must have a default. */
  parameters?: z.ZodObject;
  /** The dialplan step that sends a call there (pure). */
  dialplanTarget(destination: RenderDestination): string;
};

export type DestinationTarget =
  | {
      kind: 'object';
      /** The object kind stored as the reference, e.g. `EXTENSION`: also its number kind when it has a number. */
      objectKind: string;
      /** The GraphQL type of the target object, for its global ID. */
      graphqlType: string;
      noun: string;
      /** The id of the object the input names (a number or a Relay global ID), or null. */
      find(tx: Tx, ref: string): Promise<string | null>;
      /** Why the object cannot take such calls now (e.g. its voicemail is off), or null. Checked on write and whenever the object changes. */
      unusable?(tx: Tx, id: string): Promise<string | null>;
    }
  | { kind: 'text'; pattern: RegExp; rule: string }
  | { kind: 'none' };

/** A destination as the renderer sees it: the kind, the number (or text) it goes to, and its parameters. */
export type RenderDestination = {
  type: string;
  number: string | null;
  /** The target object's id, for kinds whose objects have no number (e.g. a time rule). */
  targetId?: string | null;
  parameters?: Record<string, unknown>;
};

/** Changes to an object that referrers may refuse. */
export type ReferenceChange = 'delete' | 'renumber' | 'update';

/** Something that points at objects of `target`; `find` names the referrers that a change would break. */
export type ReferrerSpec = {
  target: string;
  find(tx: Tx, ids: string[], change: ReferenceChange, context: DomainContext): Promise<Referrer[]>;
};

/**
 * Objects a domain pushes through ARI's dynamic configuration (src/pbx/objects):
 * a change to one of its rows is applied by reading, rendering and pushing
 * that row's objects alone. Without ARI (files only) they are written as
 * sections of `file`, so every object lives in exactly one place.
 */
export type ObjectContribution = {
  configClass: string;
  /** Its object types in push order (an endpoint after the auth and aor it names); deletes go in reverse. */
  types: string[];
  /** Types Asterisk lists whole for its own bookkeeping: kept in a memory cache in front of astdb (see wizards.ts). */
  cachedTypes?: string[];
  /**
   * Types whose copy in Asterisk lists live state among its options (an aor's
   * `contact` lists its registrations): after an update, the stored object is
   * written again from the pushed fields (see src/pbx/objects/restore.ts).
   */
  restoredTypes?: string[];
  /** The file its objects are sections of when they are not pushed, and their order there. */
  file: string;
  order: number;
  render(snapshot: PbxSnapshot): { objects: PushedObject[]; warnings?: string[] };
  /** What render() needs to render the objects of these rows only (with the settings, which the core reads). */
  readSlice(tx: Tx, ids: string[], context: DomainContext): Promise<Partial<PbxSnapshot>>;
};

/** A part of a configuration file; parts of one file are joined in their order (lower first). */
export type ConfigContribution = {
  file: string;
  order: number;
  render(snapshot: PbxSnapshot): { parts: string[]; warnings?: string[] };
};

export type DialplanContribution = {
  /**
   * Contexts phones may dial, in order, each with the right (of some domain's
   * `rights`) that grants it: a dial permission's context includes those it
   * grants; pbx-internal includes them all (destinations, the check).
   */
  includes?: { context: string; right: string }[];
  /** The text of its contexts. */
  contexts(snapshot: PbxSnapshot, registry: DomainRegistry): string[];
  /** What Asterisk will do differently from what was asked, for the apply report. */
  warnings?(snapshot: PbxSnapshot, registry: DomainRegistry): string[];
  /** The rows its contexts look up at call time (realtime families, by name), computed by the rules of the views Asterisk reads: the check follows them (D4). */
  lookups?(snapshot: PbxSnapshot): Record<string, Record<string, string>[]>;
};
