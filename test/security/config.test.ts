import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { domains } from '../../src/domains/index.js';
import type { PbxSnapshot } from '../../src/pbx/render/snapshot.js';
import { BANS_ACL, renderBansAcl } from '../../src/security/config.js';
import { expectGolden } from '../support/golden.js';

const GOLDEN = join(fileURLToPath(new URL('.', import.meta.url)), 'golden');
const snapshot = (sipBans: string[]) => ({ security: { sipBans } }) as unknown as PbxSnapshot;

/** `key=value` lines of the section named `name` (the file's own reading, independent of the renderer). */
function sectionLines(text: string, name: string): string[] {
  const lines = text.split('\n');
  const start = lines.indexOf(`[${name}]`);
  if (start < 0) return [];
  const end = lines.findIndex((l, i) => i > start && l.startsWith('['));
  return lines.slice(start + 1, end < 0 ? undefined : end).filter((l) => l.includes('='));
}

describe('pjsip.conf: the bans as a res_pjsip_acl object', () => {
  it('renders one deny per ban, hosts as /32 or /128, in one type=acl section', () => {
    const { parts, warnings } = renderBansAcl(snapshot(['198.51.100.0/24', '2001:db8::/64', '2001:db8:1::7', '203.0.113.7']));
    expect(warnings).toEqual([]);
    expectGolden(GOLDEN, 'bans', new Map([['pjsip.conf.part', parts.join('\n')]]));
    expect(sectionLines(parts.join('\n'), BANS_ACL)).toEqual(['type=acl', 'deny=198.51.100.0/24', 'deny=2001:db8::/64', 'deny=2001:db8:1::7/128', 'deny=203.0.113.7/32']);
  });

  it('renders nothing without bans: no ACL object, nothing refused', () => {
    expect(renderBansAcl(snapshot([]))).toEqual({ parts: [], warnings: [] });
    expect(renderBansAcl({} as PbxSnapshot)).toEqual({ parts: [], warnings: [] });
  });

  it('no stored value can add a line or an option: what is not an address is left out with a warning', () => {
    const hostile = ['203.0.113.7\ndeny=0.0.0.0/0', '203.0.113.8,0.0.0.0/0', '203.0.113.9;comment', '[evil]', 'permit=0.0.0.0/0', '0.0.0.0/0\r\n[x]', '203.0.113.10/24'];
    const { parts, warnings } = renderBansAcl(snapshot([...hostile, '192.0.2.1']));
    const text = parts.join('\n');
    expect(sectionLines(text, BANS_ACL)).toEqual(['type=acl', 'deny=192.0.2.1/32']);
    expect(text.split('\n').filter((l) => l.startsWith('['))).toEqual([`[${BANS_ACL}]`]);
    expect(warnings).toHaveLength(hostile.length);
    expect(warnings[0]).toContain('is not an address or network and is not enforced');
  });

  it("leaves out a stored ban that holds this host's own address (127.0.0.1, ::1), with a warning", () => {
    const { parts, warnings } = renderBansAcl(snapshot(['127.0.0.1/32', '127.0.0.0/8', '::1/128', '127.0.0.66/32']));
    expect(sectionLines(parts.join('\n'), BANS_ACL)).toEqual(['type=acl', 'deny=127.0.0.66/32']);
    expect(warnings).toEqual([
      "IP ban 127.0.0.1 holds 127.0.0.1, this host's own address, and is not enforced",
      "IP ban 127.0.0.0/8 holds 127.0.0.1, this host's own address, and is not enforced",
      "IP ban ::1 holds ::1, this host's own address, and is not enforced",
    ]);
  });

  it('is registered as the security domain and goes after the endpoints in pjsip.conf', () => {
    const security = domains.domains.find((d) => d.name === 'security');
    expect(security?.config?.map((c) => [c.file, c.order])).toEqual([['pjsip.conf', 90]]);
  });
});
