import { resolve } from 'node:path';
import { z } from 'zod';

/** Every setting the server reads from its environment, with validated defaults (listed in the README). */
const envSchema = z.object({
  PORT: z.coerce.number().int().min(0).max(65535).default(4000),
  HOST: z.string().default('127.0.0.1'),
  DATA_DIR: z.string().default('./data'),
  DATABASE_URL: z.string().optional(),
  ADMIN_PASSWORD: z.string().min(8, 'ADMIN_PASSWORD must have at least 8 characters').optional(),
  TOKEN_SECRET: z.string().min(32, 'TOKEN_SECRET must have at least 32 characters').optional(),
  ACCESS_TOKEN_TTL_SECONDS: z.coerce.number().int().min(30).default(900),
  REFRESH_TOKEN_TTL_SECONDS: z.coerce.number().int().min(300).default(30 * 24 * 3600),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  LOGIN_SLOW_AFTER: z.coerce.number().int().min(1).default(3),
  LOGIN_LOCK_AFTER: z.coerce.number().int().min(1).default(10),
  LOGIN_IP_LOCK_AFTER: z.coerce.number().int().min(1).default(50),
  LOGIN_LOCK_SECONDS: z.coerce.number().int().min(1).default(900),
  LOGIN_MAX_DELAY_MS: z.coerce.number().int().min(0).default(4000),
  MAX_IP_EXTENSIONS: z.coerce.number().int().min(1).default(5000),
  TRUST_PROXY: z.enum(['true', 'false']).default('false'),
});

export type Config = {
  port: number;
  host: string;
  dataDir: string;
  database: { provider: 'sqlite'; file: string; url: string } | { provider: 'postgres'; url: string };
  adminPassword?: string;
  tokenSecret?: string;
  accessTokenTtlSeconds: number;
  refreshTokenTtlSeconds: number;
  logLevel: z.infer<typeof envSchema>['LOG_LEVEL'];
  login: { slowAfter: number; lockAfter: number; ipLockAfter: number; lockSeconds: number; maxDelayMs: number };
  maxIpExtensions: number;
  trustProxy: boolean;
};

export class ConfigError extends Error {}

export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const parsed = envSchema.safeParse(env);
  if (!parsed.success) {
    const lines = parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`);
    throw new ConfigError(`Invalid configuration:\n  ${lines.join('\n  ')}`);
  }
  const e = parsed.data;
  const dataDir = resolve(e.DATA_DIR);
  return {
    port: e.PORT,
    host: e.HOST,
    dataDir,
    database: databaseFrom(e.DATABASE_URL, dataDir),
    adminPassword: e.ADMIN_PASSWORD,
    tokenSecret: e.TOKEN_SECRET,
    accessTokenTtlSeconds: e.ACCESS_TOKEN_TTL_SECONDS,
    refreshTokenTtlSeconds: e.REFRESH_TOKEN_TTL_SECONDS,
    logLevel: e.LOG_LEVEL,
    login: {
      slowAfter: e.LOGIN_SLOW_AFTER,
      lockAfter: e.LOGIN_LOCK_AFTER,
      ipLockAfter: e.LOGIN_IP_LOCK_AFTER,
      lockSeconds: e.LOGIN_LOCK_SECONDS,
      maxDelayMs: e.LOGIN_MAX_DELAY_MS,
    },
    maxIpExtensions: e.MAX_IP_EXTENSIONS,
    trustProxy: e.TRUST_PROXY === 'true',
  };
}

function databaseFrom(url: string | undefined, dataDir: string): Config['database'] {
  if (!url) {
    const file = resolve(dataDir, 'pbx.db');
    return { provider: 'sqlite', file, url: `file:${file}` };
  }
  if (/^postgres(ql)?:\/\//.test(url)) return { provider: 'postgres', url };
  if (url.startsWith('file:')) {
    const file = resolve(url.slice('file:'.length));
    return { provider: 'sqlite', file, url: `file:${file}` };
  }
  throw new ConfigError('Invalid configuration:\n  DATABASE_URL: must start with file: (SQLite) or postgres:// (PostgreSQL)');
}
