/**
 * The dialplan extension names that together match exactly the numbers of an
 * inclusive range of equal-length numbers, and nothing else: `41`–`49` is
 * `_4[1-9]`, `100`–`299` is `_[1-2]XX`, `38`–`52` is `_3[8-9]`, `_4X`, `_5[0-2]`.
 * A range of one number is that number, written as it is.
 */
export function rangePatterns(start: string, end: string): string[] {
  if (!/^\d+$/.test(start) || start.length !== end.length || !/^\d+$/.test(end)) throw new Error(`not a range of equal-length numbers: ${start}–${end}`);
  if (start > end) throw new Error(`range ${start}–${end} is empty`);
  return split(start, end).map((name) => (/[XZN[]/.test(name) ? `_${name}` : name));
}

function split(low: string, high: string): string[] {
  if (low === high) return [low];
  let at = 0;
  while (low[at] === high[at]) at++;
  const prefix = low.slice(0, at);
  const restLength = low.length - at - 1;
  const zeros = '0'.repeat(restLength);
  const nines = '9'.repeat(restLength);
  let from = Number(low[at]);
  let to = Number(high[at]);
  const names: string[] = [];
  // A partial first block (e.g. 38–39 of 38–52) and a partial last block (50–52) are split further.
  if (low.slice(at + 1) !== zeros) {
    names.push(...split(low, `${prefix}${from}${nines}`));
    from += 1;
  }
  const last = high.slice(at + 1) !== nines ? split(`${prefix}${to}${zeros}`, high) : [];
  if (last.length) to -= 1;
  if (from <= to) names.push(`${prefix}${digitClass(from, to)}${'X'.repeat(restLength)}`);
  return [...names, ...last];
}

function digitClass(from: number, to: number): string {
  if (from === to) return String(from);
  if (from === 0 && to === 9) return 'X';
  return `[${from}-${to}]`;
}
