import { describe, expect, it } from 'vitest';
import { render } from '../../../src/pbx/render/index.js';
import { lintRendered } from '../../../src/pbx/lint-rendered.js';
import { largeSnapshot, smallSnapshot } from '../fixtures/snapshots.js';

describe('the rendered dialplan passes the dialplan check (D4)', () => {
  it('small fixture', () => {
    expect(lintRendered(render(smallSnapshot()))).toEqual([]);
  });
  it('large fixture: 4,000 extensions, 100 departments', () => {
    const started = performance.now();
    const issues = lintRendered(render(largeSnapshot()));
    console.log(`render + lint of 4,000 extensions: ${(performance.now() - started).toFixed(0)} ms`);
    expect(issues).toEqual([]);
  });
  it('catches a broken target if the renderer ever produced one', () => {
    const result = render(smallSnapshot());
    const broken = result.files.get('extensions.conf')!.replace('Goto(pbx-departments,0400,1)', 'Goto(pbx-departments,0499,1)');
    const issues = lintRendered({ ...result, files: new Map([['extensions.conf', broken]]) });
    expect(issues.map((i) => i.code)).toContain('UNKNOWN_TARGET');
    expect(issues.find((i) => i.code === 'UNKNOWN_TARGET')!.message).toContain('0499');
  });
});
