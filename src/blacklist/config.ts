import { inboundContexts } from '../inbound/contract.js';
import { context, exten, label } from '../pbx/render/dialplan-text.js';
import type { PbxSnapshot } from '../pbx/render/snapshot.js';
import { RenderError } from '../pbx/render/text.js';
import { listedNumberPattern } from './service.js';

declare module '../pbx/render/snapshot.js' {
  interface PbxSnapshot {
    /** The numbers on the blacklist (F-4.2.6), sorted; absent: none. */
    blacklist?: string[];
  }
}

export const blacklistContexts = {
  /** Gosub s,1 from every trunk's inbound context: refuses a listed caller, else returns. */
  check: inboundContexts.blacklist,
  /** The listed numbers as literal extensions; never included, so never dialled. */
  numbers: 'pbx-blacklist-numbers',
  /** The feature codes *75, *075 + number, *76 (F-4.7.e), under the right allowFeatureCodes. */
  codes: 'pbx-blacklist-codes',
} as const;

/** What the phone's request says to this server's ARI application (first Stasis() argument). */
export const stasisActions = { add: 'blacklist-add', remove: 'blacklist-remove' } as const;

/** The AstDB family of the last external caller of each extension (written in pbx-dial-extension). */
export const lastCallerFamily = 'pbx-lastcaller';

/** The characters of a number the dialplan hands on: FILTER() keeps only these, so no caller ID can become a pattern, an argument or an expression. */
export const numberFilter = '0-9*#+';

/**
 * The blacklist check (F-4.2.6): the caller's number (digits, *, # and + only)
 * is looked up among literal extensions with DIALPLAN_EXISTS; a listed
 * caller hears busy for a moment and is hung up with cause 21 (call
 * rejected), anyone else returns to the inbound steps.
 */
function checkContext(): string {
  return context(blacklistContexts.check, [
    exten('s', [
      `GotoIf(\${DIALPLAN_EXISTS(${blacklistContexts.numbers},\${FILTER(${numberFilter},\${CALLERID(num)})},1)}?refuse)`,
      'Return()',
      label('refuse', 'NoOp(Caller on the blacklist)'),
      'Busy(2)',
      'Hangup(21)',
    ]),
  ]);
}

function numbersContext(numbers: string[]): string {
  return context(
    blacklistContexts.numbers,
    numbers.map((n) => {
      if (!listedNumberPattern.test(n)) throw new RenderError(`blacklist: ${JSON.stringify(n)} is not a number`);
      return exten(n, ['NoOp()']);
    }),
  );
}

const codePattern = /^[0-9*#]{1,10}$/;
function code(value: string | undefined, key: string): string {
  if (!value || !codePattern.test(value)) throw new RenderError(`feature code ${key}: ${JSON.stringify(value)} is not a code`);
  return value;
}

function appName(snapshot: PbxSnapshot): string {
  const app = snapshot.connection.ariApp ?? 'pbx';
  if (!/^[A-Za-z0-9_-]{1,32}$/.test(app)) throw new RenderError(`ARI application ${JSON.stringify(app)} cannot be named in the dialplan`);
  return app;
}

/**
 * The blacklist codes (F-4.7.e). The list lives in this server's database,
 * so each code hands its number to this server's ARI application with
 * Stasis(); the application stores it, plays a beep (or says it failed) and
 * hangs up. When the server is not connected, Stasis() returns at once and
 * the caller hears that it failed. The extension is CHANNEL(endpoint).
 */
function codesContext(snapshot: PbxSnapshot): string {
  const c = snapshot.featureCodes;
  const app = appName(snapshot);
  const me = '${CHANNEL(endpoint)}';
  const failed = [label('failed', 'Playback(beeperr)'), 'Hangup()'];
  const remove = code(c.blacklistRemove, 'blacklistRemove');
  return context(blacklistContexts.codes, [
    exten(code(c.blacklistAdd, 'blacklistAdd'), [
      'Answer()',
      'Read(PBX_BLNUM,enter-num-blacklist,32,,1,10)',
      `Set(PBX_BLNUM=\${FILTER(${numberFilter},\${PBX_BLNUM})})`,
      'GotoIf($["${PBX_BLNUM}" = ""]?failed)',
      `Stasis(${app},${stasisActions.add},\${PBX_BLNUM},${me})`,
      ...failed,
    ]),
    exten(`_${remove}X.`, ['Answer()', `Set(PBX_BLNUM=\${FILTER(${numberFilter},\${EXTEN:${remove.length}})})`, `Stasis(${app},${stasisActions.remove},\${PBX_BLNUM},${me})`, ...failed]),
    exten(code(c.blacklistLastCaller, 'blacklistLastCaller'), [
      'Answer()',
      `Set(PBX_BLNUM=\${FILTER(${numberFilter},\${DB(${lastCallerFamily}/${me})})})`,
      'GotoIf($["${PBX_BLNUM}" = ""]?failed)',
      `Stasis(${app},${stasisActions.add},\${PBX_BLNUM},${me})`,
      ...failed,
    ]),
  ]);
}

export function blacklistDialplan(snapshot: PbxSnapshot): string[] {
  return [checkContext(), numbersContext(snapshot.blacklist ?? []), codesContext(snapshot)];
}

export function blacklistExpectations(snapshot: PbxSnapshot) {
  const c = snapshot.featureCodes;
  return [
    { number: c.blacklistAdd!, reaches: { app: 'Answer' }, owner: 'feature code blacklistAdd' },
    { number: `${c.blacklistRemove}5551234`, reaches: { app: 'Answer' }, owner: 'feature code blacklistRemove' },
    { number: c.blacklistLastCaller!, reaches: { app: 'Answer' }, owner: 'feature code blacklistLastCaller' },
  ];
}
