import type { Tx } from '../db/client.js';
import { findDepartmentId } from '../destinations/refs.js';
import type { DomainModule } from '../domains/types.js';
import { coreContexts, digits } from '../pbx/render/dialplan-text.js';
import { departmentContexts, departmentDialplan } from './config.js';
import { readDepartmentSlice } from './snapshot.js';

async function describeDepartments(tx: Tx, ids: string[]): Promise<Map<string, string>> {
  const rows = await tx.department.findMany({ where: { id: { in: ids } }, select: { id: true, number: true, name: true } });
  return new Map(rows.map((r) => [r.id, `department ${r.number} (${r.name})`]));
}

/** Departments (F-4.1.1). */
export const departmentsDomain: DomainModule = {
  name: 'departments',
  rights: [{ name: 'allowDepartments', description: 'May call departments (F-4.3.3 部门)' }],
  numberKinds: [{ kind: 'DEPARTMENT', noun: 'department', range: 'departmentRange', describe: describeDepartments }],
  destinations: [
    {
      type: 'DEPARTMENT',
      description: 'Ring the members of a department',
      target: { kind: 'object', objectKind: 'DEPARTMENT', graphqlType: 'Department', noun: 'department', find: findDepartmentId },
      dialplanTarget: (d) => `Goto(${departmentContexts.departments},${digits(d.number!, 'department')},1)`,
    },
  ],
  destinationSlots: { noAnswer: 'sends unanswered calls there' },
  readSnapshot: (tx) => readDepartmentSlice(tx),
  dialplan: { includes: [{ context: departmentContexts.departments, right: 'allowDepartments' }], contexts: departmentDialplan },
  expectations: (snapshot) =>
    snapshot.departments.map((d) => ({ number: d.number, context: coreContexts.internal, reaches: { context: departmentContexts.department(d.number) }, owner: `department ${d.number}` })),
};
