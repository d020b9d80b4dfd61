import type { Tx } from '../db/client.js';
import { decodeGlobalId } from '../destinations/refs.js';

/** The id of the object named by its global ID (of `typename`) or its name, or null. */
async function findByNameOrId(ref: string, typename: string, byId: (id: string) => Promise<{ id: string } | null>, byName: (name: string) => Promise<{ id: string } | null>): Promise<string | null> {
  const global = decodeGlobalId(ref);
  if (global?.type === typename) return (await byId(global.id))?.id ?? null;
  return (await byName(ref))?.id ?? null;
}

export const findTimeRuleId = (tx: Tx, ref: string) =>
  findByNameOrId(
    ref,
    'TimeRule',
    (id) => tx.timeRule.findUnique({ where: { id }, select: { id: true } }),
    (name) => tx.timeRule.findUnique({ where: { name }, select: { id: true } }),
  );

export const findWorkScheduleId = (tx: Tx, ref: string) =>
  findByNameOrId(
    ref,
    'WorkSchedule',
    (id) => tx.workSchedule.findUnique({ where: { id }, select: { id: true } }),
    (name) => tx.workSchedule.findUnique({ where: { name }, select: { id: true } }),
  );

export const findHolidayId = (tx: Tx, ref: string) =>
  findByNameOrId(
    ref,
    'Holiday',
    (id) => tx.holiday.findUnique({ where: { id }, select: { id: true } }),
    (name) => tx.holiday.findUnique({ where: { name }, select: { id: true } }),
  );
