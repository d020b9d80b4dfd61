import { describe, expect, it } from 'vitest';
import { domains } from '../../../src/domains/index.js';
import { assertOneWizard, objectSection, renderSorcery } from '../../../src/pbx/objects/wizards.js';
import type { PushedObject } from '../../../src/pbx/objects/types.js';
import { RenderError } from '../../../src/pbx/render/text.js';
import type { PbxSnapshot } from '../../../src/pbx/render/snapshot.js';

const contributions = domains.domains.flatMap((d) => (d.objects ? [d.objects] : []));
const endpoint = (id: string): PushedObject => ({
  configClass: 'res_pjsip',
  type: 'endpoint',
  id,
  fields: [
    ['allow', 'ulaw'],
    ['language', ''],
  ],
  owner: { domain: 'extensions', id: 'x' },
});

describe('one wizard per object id', () => {
  it('refuses a configuration in which an id is a section of pjsip.conf and also pushed', () => {
    const files = new Map([['pjsip.conf', '[transport-udp]\ntype=transport\n\n[101]\ntype=endpoint\ncontext=from-provider\n']]);
    expect(() => assertOneWizard(files, contributions, [endpoint('101')])).toThrow(RenderError);
    expect(() => assertOneWizard(files, contributions, [endpoint('101')])).toThrow(/endpoint 101 is both a section of pjsip\.conf and a pushed object/);
    expect(() => assertOneWizard(files, contributions, [endpoint('102')])).not.toThrow();
  });

  it('sorcery.conf reads each pushed type from its file, then astdb, a cached type from a full memory cache first; none when objects are not pushed', () => {
    const snapshot = { connection: { pushObjects: true } } as unknown as PbxSnapshot;
    const [[name, text]] = renderSorcery(
      contributions.map((c) => ({ ...c, cachedTypes: ['endpoint'] })),
      snapshot,
    ) as [[string, string]];
    expect(name).toBe('sorcery.conf');
    expect(text).toContain(
      '[res_pjsip]\n' +
        ['auth', 'aor'].map((type) => `${type}=config,pjsip.conf,criteria=type=${type}\n${type}=astdb,pbx-objects/res_pjsip\n`).join('') +
        'endpoint/cache=memory_cache,full_backend_cache=yes,expire_on_reload=yes\nendpoint=config,pjsip.conf,criteria=type=endpoint\nendpoint=astdb,pbx-objects/res_pjsip\n',
    );
    expect(text).toContain('[general]\nupdate_or_create_on_update_miss=yes\n');
    expect(renderSorcery(contributions, { connection: {} } as unknown as PbxSnapshot)).toEqual([]);
  });

  it('without ARI an object is a section of its file, empty options left out', () => {
    expect(objectSection(endpoint('101'))).toBe('[101]\ntype=endpoint\nallow=ulaw\n');
  });
});
