import type { Tx } from '../db/client.js';

export type SecuritySlice = {
  /** Networks (as stored) of the SIP bans in force when the snapshot was read, in address order. */
  sipBans: string[];
};

declare module '../pbx/render/snapshot.js' {
  interface PbxSnapshot {
    /** Intrusion protection and the IP blacklist (F-7.7.2, F-7.7.3); absent reads as no bans (snapshots made by hand in tests). */
    security?: SecuritySlice;
  }
}

/** Bans in force now; an expired row still waiting for the sweep is left out. */
export async function readSecuritySlice(tx: Tx, now = new Date()): Promise<{ security: SecuritySlice }> {
  const rows = await tx.ipBan.findMany({
    where: { service: 'SIP', OR: [{ expiresAt: null }, { expiresAt: { gt: now } }] },
    select: { address: true },
    orderBy: { address: 'asc' },
  });
  return { security: { sipBans: rows.map((r) => r.address) } };
}
