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
  REFRESH_TOKEN_TTL_SECONDS: z.coerce
    .number()
    .int()
    .min(300)
    .default(30 * 24 * 3600),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  LOGIN_SLOW_AFTER: z.coerce.number().int().min(1).default(3),
  LOGIN_LOCK_AFTER: z.coerce.number().int().min(1).default(10),
  LOGIN_IP_LOCK_AFTER: z.coerce.number().int().min(1).default(50),
  LOGIN_LOCK_SECONDS: z.coerce.number().int().min(1).default(900),
  LOGIN_MAX_DELAY_MS: z.coerce.number().int().min(0).default(4000),
  MAX_IP_EXTENSIONS: z.coerce.number().int().min(1).default(5000),
  TRUST_PROXY: z.enum(['true', 'false']).default('false'),
  ASTERISK_CONFIG_DIR: z.string().optional(),
  SOUNDS_DIR: z.string().optional(),
  ASTERISK_SPOOL_DIR: z.string().default('/var/spool/asterisk'),
  ASTERISK_LOG_DIR: z.string().default('/var/log/asterisk'),
  ARI_URL: z.string().url('ARI_URL must be a URL such as http://127.0.0.1:8088').optional(),
  ARI_USERNAME: z
    .string()
    .regex(/^[A-Za-z0-9_-]{1,32}$/, 'ARI_USERNAME: letters, digits, _ and -')
    .default('pbx'),
  ARI_PASSWORD: z
    .string()
    .regex(/^[A-Za-z0-9!#$%&()*+./:<=>?@^_{|}~-]{8,64}$/, 'ARI_PASSWORD: 8–64 printable characters without ; [ ] , " \\ or spaces')
    .optional(),
  ARI_APP: z
    .string()
    .regex(/^[A-Za-z0-9_-]{1,32}$/)
    .default('pbx'),
  AMI_HOST: z.string().default('127.0.0.1'),
  AMI_PORT: z.coerce.number().int().min(1).max(65535).default(5038),
  AMI_USERNAME: z
    .string()
    .regex(/^[A-Za-z0-9_-]{1,32}$/, 'AMI_USERNAME: letters, digits, _ and -')
    .default('pbx'),
  AMI_PASSWORD: z
    .string()
    .regex(/^[A-Za-z0-9!#$%&()*+./:<=>?@^_{|}~-]{8,64}$/, 'AMI_PASSWORD: 8–64 printable characters without ; [ ] , " \\ or spaces')
    .optional(),
  REDIS_URL: z.string().optional(),
  APPLY_DEBOUNCE_MS: z.coerce.number().int().min(0).max(60_000).default(0),
  LEASE_TTL_MS: z.coerce.number().int().min(300).max(300_000).default(15_000),
  SUBSCRIPTION_RECHECK_MS: z.coerce.number().int().min(100).max(3_600_000).default(30_000),
  CORS_ORIGINS: z
    .string()
    .default('')
    .refine((value) => originList(value).every(isOrigin), 'CORS_ORIGINS must be comma-separated origins such as https://app.example.com (scheme, host and port; no path)'),
  WEBHOOK_ALLOW_PRIVATE: z.enum(['true', 'false']).default('false'),
  WEBHOOK_TIMEOUT_MS: z.coerce.number().int().min(100).max(120_000).default(10_000),
  WEBHOOK_RETRY_SCHEDULE: z
    .string()
    .default('5,300,1800,7200,18000,36000,36000')
    .refine((v) => retrySchedule(v) !== null, 'WEBHOOK_RETRY_SCHEDULE: comma-separated seconds, e.g. 5,300,1800'),
  WEBHOOK_RETENTION_DAYS: z.coerce.number().min(0.001).max(3650).default(7),
});

export type Config = {
  port: number;
  host: string;
  dataDir: string;
  /** The sound library's files (prompts, music on hold), converted for Asterisk, which must be able to read them at the same path. */
  soundsDir: string;
  database: { provider: 'sqlite'; file: string; url: string } | { provider: 'postgres'; url: string };
  adminPassword?: string;
  tokenSecret?: string;
  accessTokenTtlSeconds: number;
  refreshTokenTtlSeconds: number;
  logLevel: z.infer<typeof envSchema>['LOG_LEVEL'];
  login: { slowAfter: number; lockAfter: number; ipLockAfter: number; lockSeconds: number; maxDelayMs: number };
  maxIpExtensions: number;
  trustProxy: boolean;
  asterisk: {
    configDir: string;
    /** Asterisk's astspooldir: voicemail/<context>/<box>/, monitor/ (call recordings); read and written by this server on the same machine */
    spoolDir: string;
    /** Asterisk's astlogdir: cdr-custom/ holds the call records Asterisk writes, which this server imports */
    logDir: string;
    /** Where this server reaches ARI; null: no Asterisk, files are rendered and written only. */
    ariUrl: string | null;
    ariUsername: string;
    ariPassword?: string;
    ariApp: string;
    amiHost: string;
    amiPort: number;
    amiUsername: string;
    amiPassword?: string;
  };
  redisUrl?: string;
  applyDebounceMs: number;
  leaseTtlMs: number;
  /** How often the credential of each graphql-ws connection is checked again (a revoked or expired one closes it). */
  subscriptionRecheckMs: number;
  /** Origins whose browser pages may call the API (CORS); none: no cross-origin page may. */
  corsOrigins: string[];
  /** Outgoing webhooks: whether receivers on loopback/private addresses are allowed, the request timeout, the delays between attempts, how long settled events are kept. */
  webhooks: { allowPrivate: boolean; timeoutMs: number; retryDelaysMs: number[]; retentionMs: number };
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
    soundsDir: resolve(e.SOUNDS_DIR ?? resolve(dataDir, 'sounds')),
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
    asterisk: {
      configDir: resolve(e.ASTERISK_CONFIG_DIR ?? resolve(dataDir, 'asterisk')),
      spoolDir: resolve(e.ASTERISK_SPOOL_DIR),
      logDir: resolve(e.ASTERISK_LOG_DIR),
      ariUrl: e.ARI_URL ?? null,
      ariUsername: e.ARI_USERNAME,
      ariPassword: e.ARI_PASSWORD,
      ariApp: e.ARI_APP,
      amiHost: e.AMI_HOST,
      amiPort: e.AMI_PORT,
      amiUsername: e.AMI_USERNAME,
      amiPassword: e.AMI_PASSWORD,
    },
    redisUrl: e.REDIS_URL || undefined,
    applyDebounceMs: e.APPLY_DEBOUNCE_MS,
    leaseTtlMs: e.LEASE_TTL_MS,
    subscriptionRecheckMs: e.SUBSCRIPTION_RECHECK_MS,
    corsOrigins: originList(e.CORS_ORIGINS),
    webhooks: {
      allowPrivate: e.WEBHOOK_ALLOW_PRIVATE === 'true',
      timeoutMs: e.WEBHOOK_TIMEOUT_MS,
      retryDelaysMs: retrySchedule(e.WEBHOOK_RETRY_SCHEDULE)!,
      retentionMs: e.WEBHOOK_RETENTION_DAYS * 86_400_000,
    },
  };
}

/** Seconds between webhook attempts, e.g. "5,300,1800" (fractions allowed), in milliseconds; null when malformed. */
function retrySchedule(value: string): number[] | null {
  const delays = value.split(',').map((s) => Number(s.trim()));
  return delays.length > 0 && delays.length <= 50 && delays.every((d) => Number.isFinite(d) && d >= 0 && d <= 7 * 86_400) ? delays.map((d) => Math.round(d * 1000)) : null;
}

function originList(value: string): string[] {
  return value
    .split(',')
    .map((origin) => origin.trim())
    .filter(Boolean);
}

/** Exactly what a browser sends in `Origin`, e.g. https://app.example.com:8443. */
function isOrigin(value: string): boolean {
  try {
    const url = new URL(value);
    return (url.protocol === 'http:' || url.protocol === 'https:') && url.origin === value;
  } catch {
    return false;
  }
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
