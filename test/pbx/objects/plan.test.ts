import { describe, expect, it } from 'vitest';
import { planObjects, type AppliedObject } from '../../../src/pbx/objects/plan.js';
import { fingerprint, objectKey, type PushedObject } from '../../../src/pbx/objects/types.js';

const typeOrder = new Map([['res_pjsip', ['auth', 'aor', 'endpoint']]]);
const owner = (id: string) => ({ domain: 'extensions', id });

function extension(n: string, id: string, extra: [string, string][] = []): PushedObject[] {
  return [
    { configClass: 'res_pjsip', type: 'auth', id: `${n}-auth`, fields: [['password', `p${n}`]], owner: owner(id) },
    { configClass: 'res_pjsip', type: 'aor', id: n, fields: [['max_contacts', '1']], owner: owner(id) },
    { configClass: 'res_pjsip', type: 'endpoint', id: n, fields: [['allow', 'ulaw'], ...extra], appendOnly: ['acl'], owner: owner(id) },
  ];
}

/** What Asterisk holds after pushing these objects (as this process would remember it). */
function applied(objects: PushedObject[], known = true): Map<string, AppliedObject & { owner?: string }> {
  return new Map(objects.map((o) => [objectKey(o), { key: objectKey(o), fingerprint: fingerprint(o.fields), ...(known ? { object: o, owner: `extensions/${o.owner.id}` } : {}) }]));
}

const describeSteps = (steps: ReturnType<typeof planObjects>) => steps.map((s) => `${s.op} ${s.op === 'delete' ? s.key : objectKey(s.object)}`);

describe('planning object pushes', () => {
  it('creates the auth and aor before the endpoint that names them; one owner goes first, whole, then the others type by type', () => {
    const steps = planObjects([...extension('101', 'a'), ...extension('102', 'b'), ...extension('103', 'c')], new Map(), { owners: null, typeOrder });
    expect(describeSteps(steps)).toEqual([
      'put res_pjsip/auth/101-auth',
      'put res_pjsip/aor/101',
      'put res_pjsip/endpoint/101',
      'put res_pjsip/auth/102-auth',
      'put res_pjsip/auth/103-auth',
      'put res_pjsip/aor/102',
      'put res_pjsip/aor/103',
      'put res_pjsip/endpoint/102',
      'put res_pjsip/endpoint/103',
    ]);
  });

  it('the owner that goes first is the one of the first put of the last type: an update of aors alone leads with an aor', () => {
    const before = [...extension('101', 'a'), ...extension('102', 'b')];
    const changed = [...extension('101', 'a'), ...extension('102', 'b')].map((o) =>
      o.type === 'aor' || (o.type === 'auth' && o.id === '102-auth') ? { ...o, fields: [['x', 'changed']] as [string, string][] } : o,
    );
    const steps = planObjects(changed, applied(before), { owners: null, typeOrder });
    expect(describeSteps(steps)).toEqual(['put res_pjsip/aor/101', 'put res_pjsip/auth/102-auth', 'put res_pjsip/aor/102']);
  });

  it('pushes only what differs, and deletes an endpoint before its auth and aor', () => {
    const before = [...extension('101', 'a'), ...extension('102', 'b')];
    const changed = extension('101', 'a');
    changed[0]!.fields = [['password', 'new']];
    const steps = planObjects(changed, applied(before), { owners: null, typeOrder });
    expect(describeSteps(steps)).toEqual(['delete res_pjsip/endpoint/102', 'delete res_pjsip/aor/102', 'delete res_pjsip/auth/102-auth', 'put res_pjsip/auth/101-auth']);
  });

  it('leaves objects of other rows alone when scoped to some owners', () => {
    const before = [...extension('101', 'a'), ...extension('102', 'b')];
    const steps = planObjects([], applied(before), { owners: new Set(['extensions/a']), typeOrder });
    expect(describeSteps(steps)).toEqual(['delete res_pjsip/endpoint/101', 'delete res_pjsip/aor/101', 'delete res_pjsip/auth/101-auth']);
  });

  it('never sends an unchanged append-only option again, and recreates the object when it changes or is unknown', () => {
    const before = extension('101', 'a', [['acl', 'pbx-acl-1']]);
    const renamed = extension('101', 'a', [['acl', 'pbx-acl-1']]);
    renamed[2]!.fields = [
      ['allow', 'alaw'],
      ['acl', 'pbx-acl-1'],
    ];
    const [update] = planObjects(renamed, applied(before), { owners: null, typeOrder });
    expect(update).toMatchObject({ op: 'put', fields: [['allow', 'alaw']] });

    const otherAcl = extension('101', 'a', [['acl', 'pbx-acl-2']]);
    expect(describeSteps(planObjects(otherAcl, applied(before), { owners: null, typeOrder }))).toEqual(['recreate res_pjsip/endpoint/101']);
    // Known only by fingerprint (read from astdb after a restart): what the old object held is unknown.
    expect(describeSteps(planObjects(renamed, applied(before, false), { owners: null, typeOrder }))).toEqual(['recreate res_pjsip/endpoint/101']);
  });
});
