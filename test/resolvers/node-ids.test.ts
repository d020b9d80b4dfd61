import { encodeGlobalID } from '@pothos/plugin-relay';
import { isObjectType } from 'graphql';
import { describe, expect, it } from 'vitest';
import { rolePermissions, type Principal } from '../../src/auth/permissions.js';
import { schema } from '../../src/resolvers/schema.js';

const nodeTypes = Object.values(schema.getTypeMap()).filter((type) => isObjectType(type) && type.getInterfaces().some((i) => i.name === 'Node'));

describe('the id of a node', () => {
  it('is the relay global ID of its type, computed at once (no promise per object of a list)', () => {
    expect(nodeTypes.length).toBeGreaterThan(20);
    for (const type of nodeTypes) {
      if (!isObjectType(type)) continue;
      const resolve = type.getFields().id!.resolve!;
      // An admin's context: types with authorisation before each field check it first (synchronously).
      const principal: Principal = { kind: 'account', id: 'a', username: 'admin', role: 'ADMIN', sessionId: 's', permissions: new Set(rolePermissions.ADMIN), extensionId: null };
      const id = resolve({ id: 'row-1' }, {}, { principal }, { parentType: type, fieldName: 'id', path: { key: 'id' } } as never);
      expect(id, type.name).toBe(encodeGlobalID(type.name, 'row-1'));
    }
  });
});
