import { listedNumberPattern } from '../blacklist/service.js';
import { context, exten } from '../pbx/render/dialplan-text.js';
import type { PbxSnapshot } from '../pbx/render/snapshot.js';
import { RenderError } from '../pbx/render/text.js';
import type { WhitelistDirection } from './service.js';

/** A whitelist as the renderer sees it (F-4.5.10). */
export type SnapshotWhitelist = { id: string; name: string; direction: WhitelistDirection; numbers: string[] };

declare module '../pbx/render/snapshot.js' {
  interface PbxSnapshot {
    /** Every whitelist, by name; absent: none. */
    whitelists?: SnapshotWhitelist[];
  }
}

/** The channel variable an extension's endpoint sets when it links to an OUTBOUND whitelist: that list's id. */
export const outboundWhitelistVariable = 'PBX_WHITELIST_OUT';

/** Whitelist ids name contexts and go into set_var and Gosub arguments: checked before they do. */
export function whitelistId(id: string): string {
  if (!/^[A-Za-z0-9_-]{1,64}$/.test(id)) throw new RenderError(`whitelist id ${JSON.stringify(id)} cannot name a dialplan context`);
  return id;
}

/** The prefix of the lookup contexts; `${prefix}<id>` holds a list's numbers as literal extensions, never included, so never dialled. */
export const whitelistContextPrefix = 'pbx-whitelist-';
export const whitelistContext = (id: string) => `${whitelistContextPrefix}${whitelistId(id)}`;

/** The whitelist an extension links to, or null. */
export function extensionWhitelist(snapshot: PbxSnapshot, ext: { whitelist: string }): SnapshotWhitelist | null {
  if (!ext.whitelist) return null;
  const list = (snapshot.whitelists ?? []).find((w) => w.name === ext.whitelist);
  if (!list) throw new RenderError(`whitelist ${JSON.stringify(ext.whitelist)} of an extension does not exist`);
  return list;
}

export function whitelistDialplan(snapshot: PbxSnapshot): string[] {
  return (snapshot.whitelists ?? []).map((list) =>
    context(
      whitelistContext(list.id),
      list.numbers.map((n) => {
        if (!listedNumberPattern.test(n)) throw new RenderError(`whitelist ${list.name}: a number is not digits, * and # with an optional leading +`);
        return exten(n, ['NoOp()']);
      }),
    ),
  );
}

export function whitelistWarnings(snapshot: PbxSnapshot): string[] {
  return (snapshot.whitelists ?? [])
    .filter((w) => !w.numbers.length && snapshot.extensions.some((e) => e.enabled && e.whitelist === w.name))
    .map((w) => `whitelist ${w.name} has no numbers: ${w.direction === 'INBOUND' ? 'no caller reaches' : 'no outside number can be dialled from'} the extensions linked to it`);
}
