import type { PrismaClient } from './db/client.js';
import type { Logger } from './logger.js';
import { hashPassword, randomToken } from './auth/passwords.js';

export const DEFAULT_DIAL_PERMISSION = 'DialPlan1';

/**
 * First start on an empty database: the built-in `admin` account with the
 * password from ADMIN_PASSWORD, or a generated one printed once; and the
 * default dial permission DialPlan1 (F-4.3.3). Nothing happens on later starts.
 */
export async function bootstrap(prisma: PrismaClient, adminPassword: string | undefined, log: Logger, print: (line: string) => void = console.log): Promise<void> {
  await prisma.dialPermission.upsert({ where: { name: DEFAULT_DIAL_PERMISSION }, create: { name: DEFAULT_DIAL_PERMISSION, builtIn: true }, update: {} });
  if ((await prisma.account.count()) > 0) return;
  const password = adminPassword ?? randomToken(15);
  await prisma.account.create({ data: { username: 'admin', passwordHash: await hashPassword(password), role: 'ADMIN', builtIn: true } });
  if (adminPassword) {
    log.info('created the admin account with the password from ADMIN_PASSWORD');
  } else {
    log.warn('created the admin account with a generated password (printed once below)');
    print(`\n  Administrator login: admin / ${password}\n  This password is shown only now. Change it with the updateAccount mutation.\n`);
  }
}
