import { dialplanExpectations, renderDialplan } from './dialplan.js';
import { renderPjsip } from './pjsip.js';
import type { PbxSnapshot } from './snapshot.js';
import { renderAri, renderFeatures, renderHttp, renderManager, renderModules, renderMusicOnHold, renderRtp } from './system.js';
import { renderVoicemail } from './voicemail.js';
import { renderIax } from './iax.js';

export type { PbxSnapshot } from './snapshot.js';
export { RenderError } from './text.js';

export type RenderResult = {
  /** File name (relative to the Asterisk configuration directory) → content. */
  files: Map<string, string>;
  /** Things Asterisk will do differently from what was asked, for the apply report. */
  warnings: string[];
  /** What each dialable number must reach in the dialplan, for the check before applying (D4). */
  expectations: ReturnType<typeof dialplanExpectations>;
};

/** The Asterisk configuration for a snapshot (D2): pure and deterministic, files in a stable order. */
export function render(snapshot: PbxSnapshot): RenderResult {
  const pjsip = renderPjsip(snapshot);
  const files = new Map<string, string>([
    ['ari.conf', renderAri(snapshot)],
    ['extensions.conf', renderDialplan(snapshot)],
    ['features.conf', renderFeatures()],
    ['http.conf', renderHttp(snapshot)],
    ['iax.conf', renderIax(snapshot)],
    ['manager.conf', renderManager(snapshot)],
    ['modules.conf', renderModules()],
    ['musiconhold.conf', renderMusicOnHold()],
    ['pjsip.conf', pjsip.text],
    ['rtp.conf', renderRtp(snapshot)],
    ['voicemail.conf', renderVoicemail(snapshot)],
  ]);
  return { files, warnings: pjsip.warnings, expectations: dialplanExpectations(snapshot) };
}

/** Which Asterisk module reloads each file (through ARI, D3). */
export const reloadModules: Record<string, string> = {
  'ari.conf': 'res_ari.so',
  'extensions.conf': 'pbx_config.so',
  'features.conf': 'features',
  'http.conf': 'http',
  'iax.conf': 'chan_iax2.so',
  'manager.conf': 'manager',
  'modules.conf': '',
  'musiconhold.conf': 'res_musiconhold.so',
  'pjsip.conf': 'res_pjsip.so',
  'rtp.conf': 'res_rtp_asterisk.so',
  'voicemail.conf': 'app_voicemail.so',
};
