import { describe, expect, it } from 'vitest';
import { lintDialplan, lintDialplanInSlices, parseDialplan, type NumberExpectation } from '../../../src/pbx/lint/index.js';
import { createLookup } from '../../../src/pbx/lint/lookup.js';
import { checkExpectations, checkExpectationsInSlices } from '../../../src/pbx/lint/reachability.js';

/** 400 extensions that dial, two numbers that reach nothing, and a Goto to a context that does not exist. */
function dialplan(): { files: Map<string, string>; expectations: NumberExpectation[] } {
  const lines = ['[internal]'];
  const expectations: NumberExpectation[] = [];
  for (let i = 0; i < 400; i++) {
    const number = String(1000 + i);
    lines.push(`exten => ${number},1,Dial(PJSIP/${number},30)`);
    expectations.push({ number, context: 'internal', reaches: { app: 'Dial' }, owner: `extension ${number}` });
  }
  lines.push('exten => 2000,1,Goto(nowhere,s,1)');
  expectations.push({ number: '3000', context: 'internal', reaches: { app: 'Dial' }, owner: 'extension 3000' });
  expectations.push({ number: '3001', context: 'internal', reaches: { app: 'Dial' }, owner: 'extension 3001' });
  return { files: new Map([['extensions.conf', lines.join('\n')]]), expectations };
}

/** Counts the turns the event loop takes while `work` runs. */
async function turnsDuring<T>(work: () => Promise<T>): Promise<{ value: T; turns: number }> {
  let turns = 0;
  let running = true;
  const spin = () => {
    if (!running) return;
    turns += 1;
    setImmediate(spin);
  };
  setImmediate(spin);
  const value = await work();
  running = false;
  return { value, turns };
}

describe('the dialplan check in slices', () => {
  it('finds what the check in one go finds', async () => {
    const { files, expectations } = dialplan();
    const whole = lintDialplan(files, expectations);
    expect(whole.map((i) => i.code).sort()).toEqual(['UNKNOWN_TARGET', 'UNREACHABLE_NUMBER', 'UNREACHABLE_NUMBER']);
    expect(await lintDialplanInSlices(files, expectations)).toEqual(whole);
  });

  it('hands the event loop back between slices of numbers', async () => {
    const { files, expectations } = dialplan();
    const lookup = createLookup(parseDialplan(files));
    const expected = checkExpectations(lookup, expectations);
    // Slices of no length: a turn after every number.
    const { value, turns } = await turnsDuring(() => checkExpectationsInSlices(lookup, expectations, new Map(), 0));
    expect(value).toEqual(expected);
    expect(turns).toBeGreaterThanOrEqual(expectations.length - 1);
    // The whole check also lets the loop turn between the structure and the numbers.
    expect((await turnsDuring(() => lintDialplanInSlices(files, expectations))).turns).toBeGreaterThanOrEqual(1);
  });
});
