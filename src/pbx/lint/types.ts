import type { ExtensionName } from './patterns.js';

export type LintCode = 'UNKNOWN_TARGET' | 'UNREACHABLE_NUMBER' | 'SHADOWED_PATTERN' | 'DUPLICATE_PRIORITY' | 'SYNTAX';

export type LintIssue = {
  code: LintCode;
  file: string;
  line: number;
  context?: string;
  extension?: string;
  message: string;
};

export type NumberExpectation = {
  number: string;
  context: string;
  /**
   * What the number must reach: `{ app: 'Dial' }` (the landing priority runs Dial),
   * `{ context: 'ivr-0600' }` (the call enters that context) or `{ step: 'Goto(pbx-departments,0400,1)' }`
   * (the call runs exactly this step, e.g. the one that sends it to a Destination, and the place the step
   * jumps to exists). When several are given, all must hold at one step.
   */
  reaches: { app?: string; context?: string; step?: string };
  /** Who owns the number, e.g. "extension 101"; quoted in messages. */
  owner: string;
  /**
   * The number reaches its feature through a call-time lookup: the path must look `key` up in the realtime
   * `family` (a `Set(HASH(...)=${REALTIME_HASH(family,column,key)})` step), the lookup tables must hold its row,
   * and the conditions after it, decided with that row, must lead to `reaches`.
   */
  lookup?: { family: string; key: string };
};

/** A row a realtime lookup returns: column → value, every value a string as Asterisk reads it. */
export type LookupRow = Readonly<Record<string, string>>;

/** The rows Asterisk's realtime lookups find at call time, by family, for the check (D4). */
export type LookupTables = ReadonlyMap<string, readonly LookupRow[]>;

export type SourceRef = { file: string; line: number };

export type DialplanStep = {
  priority: number;
  label?: string;
  /** Application name as written (matched case-insensitively, as Asterisk does). */
  app: string;
  /** Raw application data, between the first '(' and the last ')'. */
  args: string;
  ref: SourceRef;
};

export type DialplanExtension = {
  /** The name as Asterisk stores it (blanks removed, caller-id part split off). */
  name: string;
  /** Caller-id match (`exten => 101/555,...`); such an extension only answers some callers. */
  cid?: string;
  compiled: ExtensionName;
  context: string;
  /** Priorities in ascending order; the hint is kept apart. */
  steps: DialplanStep[];
  byPriority: Map<number, DialplanStep>;
  byLabel: Map<string, DialplanStep>;
  hint?: DialplanStep;
  ref: SourceRef;
};

export type IncludeRef = {
  context: string;
  /** `include => ctx,09:00-17:00,...`: only active at some times. */
  timed: boolean;
  ref: SourceRef;
};

export type DialplanContext = {
  name: string;
  /** Where each `[name]` section of this context starts (a context may be split over sections). */
  refs: SourceRef[];
  /** All extensions in Asterisk's search order (explicit names first, then patterns by specificity). */
  extensions: DialplanExtension[];
  /** Explicit extensions by their comparison key, caller-id variants first. */
  explicitByKey: Map<string, DialplanExtension[]>;
  /** Pattern extensions in search order. */
  patterns: DialplanExtension[];
  includes: IncludeRef[];
};

export type Dialplan = {
  rootFile: string;
  contexts: Map<string, DialplanContext>;
  /** SYNTAX and DUPLICATE_PRIORITY findings made while reading. */
  issues: LintIssue[];
};
