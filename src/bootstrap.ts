import type { PrismaClient } from './db/client.js';
import type { Logger } from './logger.js';
import { hashPassword, randomToken } from './auth/passwords.js';
import { DEFAULT_DIAL_PERMISSION } from './dial-permissions/context.js';

export { DEFAULT_DIAL_PERMISSION };

/** The Setting row that says the default dial rule was created once: deleting the rule does not bring it back. */
export const DIAL_OUT_MARKER = 'bootstrap.dialOut';

/**
 * First start on an empty database: the built-in `admin` account with the
 * password from ADMIN_PASSWORD, or a generated one printed once; the
 * default dial permission DialPlan1 (F-4.3.3, every right); and, once, the
 * default dial rule DialOut (prefix 9, pattern X., no trunks yet: F-2.3.e)
 * in DialPlan1. Nothing else happens on later starts.
 */
export async function bootstrap(prisma: PrismaClient, adminPassword: string | undefined, log: Logger, print: (line: string) => void = console.log): Promise<void> {
  const permission = await prisma.dialPermission.upsert({ where: { name: DEFAULT_DIAL_PERMISSION }, create: { name: DEFAULT_DIAL_PERMISSION, builtIn: true }, update: {} });
  await prisma.$transaction(async (tx) => {
    if (await tx.setting.findUnique({ where: { key: DIAL_OUT_MARKER } })) return;
    await tx.setting.create({ data: { key: DIAL_OUT_MARKER, value: 'created' } });
    if (await tx.dialRule.findUnique({ where: { name: 'DialOut' } })) return;
    const rule = await tx.dialRule.create({ data: { name: 'DialOut', entries: { create: [{ position: 0, prefix: '9', pattern: 'X.' }] } } });
    const position = await tx.dialPermissionRule.count({ where: { permissionId: permission.id } });
    await tx.dialPermissionRule.create({ data: { permissionId: permission.id, ruleId: rule.id, position } });
  });
  if ((await prisma.account.count()) > 0) return;
  const password = adminPassword ?? randomToken(15);
  await prisma.account.create({ data: { username: 'admin', passwordHash: await hashPassword(password), role: 'ADMIN', builtIn: true } });
  if (adminPassword) {
    log.info('created the admin account with the password from ADMIN_PASSWORD');
  } else {
    log.warn('created the admin account with a generated password (printed once, on its own lines)');
    print(`\n  Administrator login: admin / ${password}\n  This password is shown only now. Change it with the updateAccount mutation.\n`);
  }
}
