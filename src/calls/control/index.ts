import type { PrismaClient } from '../../db/client.js';
import type { Logger } from '../../logger.js';
import type { CallDirectory } from '../contract.js';
import type { ControlAmi, ControlAri, ControlExtensions } from './ports.js';
import { CallControlService } from './service.js';

export { CallControlService } from './service.js';
export { callControlDomain } from './domain.js';

/** The extensions as call control reads them: one row by number, with its dial permission's name. */
export function prismaExtensions(prisma: PrismaClient): ControlExtensions {
  return {
    async find(number) {
      const row = await prisma.extension.findUnique({ where: { number }, select: { number: true, enabled: true, mohClass: true, dialPermission: { select: { name: true } } } });
      return row && { number: row.number, enabled: row.enabled, mohClass: row.mohClass, dialPermission: row.dialPermission.name };
    },
  };
}

/** Call control of one server: the live call directory, ARI and AMI of the instance (connected where it holds the Asterisk lease). */
export function createCallControl(deps: { prisma: PrismaClient; calls: CallDirectory; ari: ControlAri | null; ami: ControlAmi | null; log: Logger }): CallControlService {
  return new CallControlService({ calls: deps.calls, ari: deps.ari, ami: deps.ami, extensions: prismaExtensions(deps.prisma), log: deps.log });
}
