/** Asterisk prints event and snapshot times as `2026-11-26T07:05:55.124+0000`. */
export function ariTimestamp(at: Date = new Date()): string {
  return at.toISOString().replace('Z', '+0000');
}

export function unixSeconds(at: Date = new Date()): number {
  return Math.floor(at.getTime() / 1000);
}
