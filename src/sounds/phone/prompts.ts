/**
 * What the person recording a prompt hears: Asterisk's own English prompts,
 * all shipped by Debian's asterisk-core-sounds-en (the same words voicemail
 * uses when a greeting is recorded, so the dialogue is a familiar one).
 */
export const guide = {
  /** "Please leave your message after the tone. When done, hang up, or press the pound key." */
  instructions: 'sound:vm-intro',
  /** "Press 1 to accept this recording. Press 2 to listen to it. Press 3 to re-record your message." */
  review: 'sound:vm-review',
  /** "Please try again." (nothing was recorded) */
  tryAgain: 'sound:please-try-again',
  /** "Your message has been saved." */
  saved: 'sound:vm-msgsaved',
  /** The error tone (the recording could not be stored). */
  failed: 'sound:beeperr',
  /** "Goodbye." */
  goodbye: 'sound:vm-goodbye',
} as const;

/** The keys of the review menu (vm-review). */
export const reviewKeys = { accept: '1', listen: '2', reRecord: '3' } as const;

/** A stored recording of Asterisk played back (`recording:` media, from its spool's recording folder). */
export const storedRecordingMedia = (name: string) => `recording:${name}`;

/** A file played by absolute path without extension: verified on Asterisk 22 that `sound:` takes absolute paths. */
export const fileMedia = (pathWithoutExtension: string) => `sound:${pathWithoutExtension}`;
