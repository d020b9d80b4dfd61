import { digits } from '../pbx/render/dialplan-text.js';
import { realtimeFamilies } from '../pbx/render/realtime.js';
import type { PbxSnapshot } from '../pbx/render/snapshot.js';
import { extensionWhitelist } from '../whitelists/config.js';

/**
 * A row of the extension lookup (realtime family pbx_extension, view
 * pbx_extension_lookup of schema/migrations/<provider>/0012) as the dialplan
 * reads it at call time: every value a string, as Asterisk's realtime
 * drivers return them.
 */
export type ExtensionLookupRow = {
  number: string;
  /** '1' or '0' */
  enabled: string;
  /** '1' with voicemail on, else '0' */
  voicemail: string;
  /** The recording mode: OFF, INBOUND, OUTBOUND or BOTH. */
  recording: string;
  /** '1' when it may also register over IAX2, else '0' */
  iax2: string;
  /** The id of its INBOUND whitelist (who may call it), '' for none. */
  whitelist: string;
  /** As a caller: the id of its OUTBOUND whitelist (what it may dial), '' for none. */
  whitelist_out: string;
  /** As a caller: its outbound caller IDs. */
  cid1: string;
  cid2: string;
};

const flag = (on: boolean) => (on ? '1' : '0');

/** The rows the view returns for the snapshot's extensions, by the view's rules: the dialplan check (D4) follows these. */
export function extensionLookupRows(snapshot: PbxSnapshot): ExtensionLookupRow[] {
  return snapshot.extensions.map((e) => {
    const list = extensionWhitelist(snapshot, e);
    return {
      number: e.number,
      enabled: flag(e.enabled),
      voicemail: flag(e.voicemailEnabled),
      recording: e.recording,
      iax2: flag(e.iax2Enabled),
      whitelist: list?.direction === 'INBOUND' ? list.id : '',
      whitelist_out: list?.direction === 'OUTBOUND' ? list.id : '',
      cid1: e.outboundCallerId1,
      cid2: e.outboundCallerId2,
    };
  });
}

const family = realtimeFamilies.extension.family;
/** The channel hash a lookup fills: ${HASH(PBX_EXT,<column>)}. */
const rowHash = 'PBX_EXT';

/** The call-time lookup of an extension and how the dialplan reads it. */
export const extensionLookup = {
  family,
  /** Reads the row of `number` (a literal or a variable such as ${EXTEN}) into the hash. */
  step: (number: string) => `Set(HASH(${rowHash})=\${REALTIME_HASH(${family},number,${number})})`,
  field: (column: keyof ExtensionLookupRow) => `\${HASH(${rowHash},${column})}`,
  /** '1' while the extension exists and is enabled: one column of one lookup, e.g. for the operator. */
  enabled: (number: string) => `\${REALTIME_FIELD(${family},number,${digits(number, 'extension')},enabled)}`,
};
