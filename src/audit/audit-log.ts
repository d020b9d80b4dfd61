import type { PrismaClient } from '../db/client.js';
import type { Logger } from '../logger.js';

export type AuditRecord = {
  time: Date;
  ip: string | null;
  username: string | null;
  role: string | null;
  operation: string;
  operationName: string | null;
  outcome: string;
  durationMs: number;
  input: string;
};

/** The audit log of F-7.9.1: one row per executed mutation field, written whatever the outcome. */
export class AuditLog {
  constructor(
    private readonly prisma: PrismaClient,
    private readonly log: Logger,
  ) {}

  async write(records: AuditRecord[]): Promise<void> {
    if (!records.length) return;
    try {
      await this.prisma.auditEntry.createMany({ data: records });
    } catch (error) {
      // The audit must not turn a done change into a failed response; it is logged instead.
      this.log.error({ err: error, operations: records.map((r) => r.operation) }, 'audit log write failed');
    }
  }
}
