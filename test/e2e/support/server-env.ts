import type { PbxPorts } from './ports.js';

/**
 * What our server is told about an Asterisk on `ports`: where to write its
 * configuration, how to reach ARI and AMI (as the `pbx` user with these
 * passwords) and, when given, where Asterisk keeps its spool and log folders.
 */
export function asteriskServerEnv(ports: PbxPorts, etcDir: string, passwords: { ari: string; ami: string }, dirs?: { spoolDir: string; logDir: string }): Record<string, string> {
  return {
    ASTERISK_CONFIG_DIR: etcDir,
    ARI_URL: `http://127.0.0.1:${ports.http}`,
    ARI_USERNAME: 'pbx',
    ARI_PASSWORD: passwords.ari,
    AMI_HOST: '127.0.0.1',
    AMI_PORT: String(ports.ami),
    AMI_USERNAME: 'pbx',
    AMI_PASSWORD: passwords.ami,
    ...(dirs ? { ASTERISK_SPOOL_DIR: dirs.spoolDir, ASTERISK_LOG_DIR: dirs.logDir } : {}),
  };
}
