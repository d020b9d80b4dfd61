import type { PromptCategory } from '../contract.js';

/** What a call to an extension is for: recording a new prompt, or playing one. */
export type PromptPhoneCallKind = 'RECORD' | 'PLAY';

/**
 * Where the call is. RINGING → ANSWERED → (RECORD) RECORDING ⇄ REVIEWING →
 * SAVING → SAVED, or (PLAY) PLAYING → PLAYED; FAILED from anywhere.
 * SAVED, PLAYED and FAILED are final.
 */
export type PromptPhoneCallState = 'RINGING' | 'ANSWERED' | 'RECORDING' | 'REVIEWING' | 'SAVING' | 'SAVED' | 'PLAYING' | 'PLAYED' | 'FAILED';

export const finalStates: readonly PromptPhoneCallState[] = ['SAVED', 'PLAYED', 'FAILED'];

export type PromptPhoneCallFailure =
  'NO_ANSWER' | 'BUSY' | 'UNREACHABLE' | 'HUNG_UP' | 'NOTHING_RECORDED' | 'SAVE_FAILED' | 'PLAYBACK_FAILED' | 'ASTERISK_DISCONNECTED' | 'ASTERISK_ERROR' | 'TIMED_OUT';

/** One call as the API shows it (plain data, a copy for every reader). */
export type PromptPhoneCall = {
  id: string;
  kind: PromptPhoneCallKind;
  state: PromptPhoneCallState;
  /** The extension number called. */
  extension: string;
  /** The prompt's name: the one to record, or the one played. */
  promptName: string;
  /** RECORD: the category the new prompt gets; PLAY: null. */
  category: PromptCategory | null;
  /** RECORD: the new prompt once SAVED; PLAY: the prompt played. */
  promptId: string | null;
  failure: PromptPhoneCallFailure | null;
  failureReason: string | null;
  /** How long the recording that was saved lasts (RECORD, once SAVED). */
  recordedMs: number | null;
  startedAt: string;
  updatedAt: string;
};

export function isFinal(call: Pick<PromptPhoneCall, 'state'>): boolean {
  return finalStates.includes(call.state);
}
