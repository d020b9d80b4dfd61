/** What the sound library accepts (F-4.4.1–F-4.4.3). */
export const soundLimits = {
  /** Largest file accepted for conversion, uploaded or recorded. */
  maxFileBytes: 50 * 1024 * 1024,
  /** Longest prompt (IVR and custom prompts). */
  maxPromptMs: 10 * 60 * 1000,
  /** Longest music-on-hold file. */
  maxMohFileMs: 30 * 60 * 1000,
  /** Files in one music-on-hold class (their play-order prefix has 4 digits). */
  maxMohFilesPerClass: 500,
  /** How long a signed download URL stays good. */
  downloadUrlSeconds: 10 * 60,
} as const;

/**
 * The largest request body the HTTP server reads (yoga's maxRequestBodySize,
 * 25 MB by default): the largest sound file plus room for the operation and
 * the multipart framing, so any file the library could take gets through to
 * be answered with a typed error, and nothing much larger is read at all.
 */
export const maxMultipartBodyBytes = soundLimits.maxFileBytes + 1024 * 1024;

export function mebibytes(bytes: number): string {
  return `${Math.round((bytes / 1024 / 1024) * 10) / 10} MiB`;
}

export function minutes(ms: number): string {
  return `${Math.round(ms / 60_000)} minutes`;
}
