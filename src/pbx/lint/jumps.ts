import { splitFirst, splitTop } from './app-args.js';
import type { DialplanStep } from './types.js';

/**
 * Where a dialplan step can send the call, read the way each application reads
 * its data in Asterisk 22 (pbx_builtins.c, app_stack.c, app_dial.c, core_local.c).
 */

/** `[[context,]exten,]priority`; an empty or missing part means "where the channel is now". */
export type GotoLocation = { context?: string; exten?: string; priority: string };

export type Jump =
  /** `text` is the location as written, for messages. */
  | { kind: 'location'; location: GotoLocation; text: string }
  /** Local/exten@context: the channel starts at priority 1 there. */
  | { kind: 'local'; context: string; exten: string; text: string }
  | { kind: 'malformed'; reason: string };

/** pbx_parseable_goto(): split on the first three commas; one part is a priority, two are exten,priority. */
export function parseLocation(text: string): GotoLocation | undefined {
  const [first = '', second, third] = splitTop(text, ',');
  let location: GotoLocation;
  if (second === undefined) location = { priority: first };
  else if (third === undefined) location = { exten: first, priority: second };
  else location = { context: first, exten: second, priority: third };
  if (!location.context) delete location.context;
  if (!location.exten) delete location.exten;
  return location.priority ? location : undefined;
}

function locationJump(text: string, app: string): Jump {
  const location = parseLocation(text);
  if (!location) return { kind: 'malformed', reason: `${app} target "${text}" has no priority or label` };
  return { kind: 'location', location, text };
}

/** Gosub's "[[context,]exten,]priority(args)": the label ends at the first '('. */
function gosubLabel(text: string): string {
  return splitFirst(text, '(')?.[0] ?? text;
}

/** GotoIf / GotoIfTime: "condition?iftrue:iffalse", either branch may be empty. */
function conditionalBranches(args: string, app: string, labelOf: (branch: string) => string = (b) => b, parens = false): Jump[] {
  const split = splitFirst(args, '?', { parens });
  if (!split) return [{ kind: 'malformed', reason: `${app} without "?" never jumps` }];
  const [ifTrue, ifFalse = ''] = splitFirst(split[1], ':', { parens }) ?? [split[1], ''];
  return [ifTrue, ifFalse].filter((branch) => branch !== '').map((branch) => locationJump(labelOf(branch), app));
}

function localChannels(args: string): Jump[] {
  const devices = splitTop(args, ',', { parens: true })[0] ?? '';
  const jumps: Jump[] = [];
  for (const device of splitTop(devices, '&')) {
    const trimmed = device.trim();
    if (!/^local\//i.test(trimmed)) continue;
    const parts = splitTop(trimmed.slice('local/'.length), '/');
    const target = parts.length > 1 ? parts.slice(0, -1).join('/') : parts[0]!;
    const [exten, context = 'default'] = splitFirst(target, '@') ?? [target];
    jumps.push({ kind: 'local', exten, context, text: trimmed });
  }
  return jumps;
}

export function jumpsOf(step: DialplanStep): Jump[] {
  const app = step.app.toLowerCase();
  switch (app) {
    case 'goto':
      return [locationJump(step.args, step.app)];
    case 'gotoif':
    case 'gotoiftime':
      return conditionalBranches(step.args, step.app);
    case 'gosub':
      return [locationJump(gosubLabel(step.args), step.app)];
    case 'gosubif':
      return conditionalBranches(step.args, step.app, gosubLabel, true);
    case 'dial':
    case 'page':
      return localChannels(step.args);
    default:
      return [];
  }
}
