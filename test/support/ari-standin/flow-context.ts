import type { AriEvent } from './ari-events.js';
import type { PbxState } from './pbx-state.js';

/** What the scenario flows need: the state they change and where their events go. */
export interface FlowContext {
  readonly state: PbxState;
  emit(event: AriEvent): void;
  /** Host part of the request URI the phones dial, reported as SIPDOMAIN. */
  readonly sipDomain: string;
}
