import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { expect } from 'vitest';
import type { TestServer } from '../../support/server.js';
import { until } from '../../support/subscriptions.js';
import { startAsterisk, installationOf, type Asterisk } from './asterisk.js';
import { startPhone, type Phone, type PhoneOptions } from './phone.js';
import { allocatePorts, freePort, freeUdpRange, type PbxPorts } from './ports.js';
import { asteriskServerEnv } from './server-env.js';

/**
 * The product under test on a real Asterisk: our server renders into the
 * directory Asterisk reads, applies each change by itself and watches it over
 * ARI/AMI; the helpers drive it through GraphQL as a user would and start
 * pjsua phones next to Asterisk.
 */
export type Product = {
  server: TestServer;
  pbx: Asterisk;
  ports: PbxPorts;
  /** A GraphQL request as the administrator; throws on errors. */
  gql<T = any>(query: string, variables?: Record<string, unknown>): Promise<T>;
  configuration(): Promise<any>;
  /** Runs a mutation and waits until the revision it caused has been applied to Asterisk. */
  mutateApplied<T = any>(field: string, query: string, variables?: Record<string, unknown>, outcomes?: RegExp): Promise<T>;
  createExtension(number: string, extra?: Record<string, unknown>): Promise<{ id: string }>;
  /** A phone registered (or registering) as `number` with the password createExtension gave it. */
  phone(number: string, options?: Partial<PhoneOptions>): Promise<Phone>;
  /** sip:<target>@ our PBX. */
  uri(target: string): string;
  logMark(): number;
  waitLog(pattern: RegExp, mark: number, timeoutMs?: number): Promise<RegExpExecArray>;
  /** Waits until Asterisk has no channel left. */
  idle(): Promise<void>;
  stop(): Promise<void>;
};

export const ERRORS = `__typename ... on Error { message } ... on ValidationError { issues { path message } }`;
export const ARI_PASSWORD = 'e2e-ari-secret';
export const AMI_PASSWORD = 'e2e-ami-secret';

/** An 8 kHz mono WAV the phones play into calls: the installation's own prompt. */
export function findPrompt(bin: string): string | undefined {
  const candidates = ['/usr/share/asterisk/sounds/en/hello-world.wav'];
  try {
    candidates.unshift(path.join(installationOf(bin).data, 'sounds/en/hello-world.wav'));
  } catch {
    /* no data directory: the fallback only */
  }
  return candidates.find((f) => existsSync(f));
}

export async function startProduct(bins: { asterisk: string; pjsua: string }, env: Record<string, string> = {}): Promise<Product> {
  const support = await import('../../support/server.js');
  const ports = await allocatePorts();
  // The pid in the name lets a later run remove it if this one is killed (sandbox.ts sweeps pbx-e2e-<pid>-*).
  const etcDir = mkdtempSync(path.join(tmpdir(), `pbx-e2e-${process.pid}-etc-`));
  const prompt = findPrompt(bins.asterisk);
  // Asterisk's spool and log folders, known before it starts: our server reads recordings, voicemail and call records there.
  const varDir = mkdtempSync(path.join(tmpdir(), `pbx-e2e-${process.pid}-var-`));
  const asteriskDirs = { spoolDir: path.join(varDir, 'spool'), logDir: path.join(varDir, 'log') };
  const server = await support.startTestServer({
    ...asteriskServerEnv(ports, etcDir, { ari: ARI_PASSWORD, ami: AMI_PASSWORD }, asteriskDirs),
    APPLY_DEBOUNCE_MS: '50',
    LOG_LEVEL: process.env.PBX_E2E_LOG ?? 'silent',
    ...env,
  });
  let pbx: Asterisk | null = null;
  const phones: Phone[] = [];

  const gql = async <T = any>(query: string, variables: Record<string, unknown> = {}): Promise<T> => {
    const r = await server.gql(query, variables, server.adminToken);
    if (r.errors?.length) throw new Error(`GraphQL errors: ${JSON.stringify(r.errors)}`);
    return r.data as T;
  };
  const configuration = async () =>
    (await gql(`{ pbxConfiguration { revision appliedRevision asteriskConnected lastApply { revision outcome error changedFiles reloadedModules warnings } } }`)).pbxConfiguration;

  const mutateApplied = async <T>(field: string, query: string, variables: Record<string, unknown> = {}, outcomes = /^(APPLIED|NO_CHANGES)$/): Promise<T> => {
    const before = (await configuration()).revision as number;
    const data = support.ok<T>(await server.gql(query, variables, server.adminToken), field);
    let last: any;
    await until(
      async () => {
        last = await configuration();
        return last.revision > before && last.appliedRevision === last.revision && last.lastApply?.revision === last.revision;
      },
      15_000,
      `the apply of ${field}`,
    ).catch((e) => {
      throw new Error(`${(e as Error).message}: ${JSON.stringify(last)}`);
    });
    expect(last.lastApply.outcome, JSON.stringify(last.lastApply)).toMatch(outcomes);
    return data;
  };

  const stop = async () => {
    await Promise.all(phones.map((p) => p.stop()));
    await server.stop();
    await pbx?.stop();
    if (process.env.PBX_E2E_KEEP !== '1') for (const dir of [etcDir, varDir]) rmSync(dir, { recursive: true, force: true });
  };

  try {
    // The SIP ports and the RTP range, through GraphQL, before Asterisk boots: the rendered files carry them.
    await mutateApplied(
      'updateSipSettings',
      `mutation($input: SipSettingsInput!) { updateSipSettings(input: $input) { ${ERRORS} ... on MutationUpdateSipSettingsSuccess { data { udpPort } } } }`,
      { input: { udpPort: ports.sipUdp, tcpPort: ports.sipTcp, rtpPortStart: ports.rtpStart, rtpPortEnd: ports.rtpEnd } },
      /^WRITTEN_NOT_RELOADED$/,
    );
    pbx = await startAsterisk({ bin: bins.asterisk, etcDir, ports, ...asteriskDirs });
    await until(async () => (await configuration()).asteriskConnected, 30_000, 'our server connected to Asterisk (ARI)');
  } catch (error) {
    await stop();
    throw error;
  }
  const asterisk = pbx;
  const logSince = (mark: number) => asterisk.logLines().slice(mark).join('\n');

  return {
    server,
    pbx: asterisk,
    ports,
    gql,
    configuration,
    mutateApplied,
    async createExtension(number, extra = {}) {
      return mutateApplied<{ id: string }>(
        'createExtension',
        `mutation($input: CreateExtensionInput!) { createExtension(input: $input) { ${ERRORS} ... on MutationCreateExtensionSuccess { data { id number } } } }`,
        { input: { number, name: `User ${number}`, password: `Secret-${number}`, ...extra } },
      );
    },
    async phone(number, options = {}) {
      const p = startPhone({
        bin: bins.pjsua,
        username: number,
        password: `Secret-${number}`,
        localPort: await freePort(),
        // pjsua would take 4000 for every instance.
        rtpPort: (await freeUdpRange(8)).start,
        registrar: `127.0.0.1:${ports.sipUdp}`,
        sandbox: asterisk.sandbox,
        // Like a desk phone: 180 Ringing at once, answered by hand.
        autoAnswer: 180,
        extraArgs: prompt ? [`--play-file=${prompt}`, '--auto-play'] : [],
        ...options,
      });
      phones.push(p);
      return p;
    },
    uri: (target) => `sip:${target}@127.0.0.1:${ports.sipUdp}`,
    logMark: () => asterisk.logLines().length,
    async waitLog(pattern, mark, timeoutMs = 10_000) {
      let match: RegExpExecArray | null = null;
      await until(() => !!(match = pattern.exec(logSince(mark))), timeoutMs, `${pattern} in the Asterisk log`).catch(() => {
        throw new Error(`no ${pattern} in the Asterisk log within ${timeoutMs} ms; the log since:\n${logSince(mark).split('\n').slice(-40).join('\n')}`);
      });
      return match!;
    },
    async idle() {
      for (const p of phones) p.hangup(true);
      await until(async () => /\b0 active calls/.test(await asterisk.cli('core show channels count')), 10_000, 'no active calls in Asterisk');
    },
    stop,
  };
}
