import type { Config } from './config.js';
import type { Database } from './db/client.js';
import type { Logger } from './logger.js';
import { AccountService } from './auth/accounts.js';
import { ApiKeyService } from './auth/api-keys.js';
import { SessionService } from './auth/sessions.js';
import { LoginThrottle } from './auth/throttle.js';
import { loadTokenSecret, TokenSigner } from './auth/tokens.js';
import { AuditLog } from './audit/audit-log.js';
import { DepartmentService } from './departments/service.js';
import { ExtensionService } from './extensions/service.js';
import { SettingsService } from './settings/service.js';
import { SettingsStore } from './settings/store.js';

/** The domain services one server instance runs with. */
export type Services = ReturnType<typeof createServices>;

export function createServices(config: Config, db: Database, log: Logger) {
  const store = new SettingsStore({ system: { maxIpExtensions: config.maxIpExtensions } });
  const signer = new TokenSigner(loadTokenSecret(config.tokenSecret, config.dataDir), config.accessTokenTtlSeconds);
  return {
    config,
    db,
    log,
    settings: new SettingsService(db, store),
    extensions: new ExtensionService(db, store),
    departments: new DepartmentService(db, store),
    sessions: new SessionService(db.prisma, signer, new LoginThrottle(db.prisma, config.login), config.refreshTokenTtlSeconds),
    apiKeys: new ApiKeyService(db.prisma),
    accounts: new AccountService(db.prisma),
    auditLog: new AuditLog(db.prisma, log),
  };
}
