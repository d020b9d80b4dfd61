import { startAsterisk, type Asterisk } from './asterisk.js';
import { freePort, freeUdpRange } from './ports.js';

/**
 * A second Asterisk next to the PBX under test, in its sandbox: a VoIP
 * provider our trunks register with and send calls to, and the far PBX of
 * server-mode and IAX links. Its configuration is a small fixture of its own,
 * written here and never rendered by our server.
 *
 * Every call it receives logs one line the tests read:
 *   `PROVIDER-RECEIVED account=<endpoint or peer> number=<dialled> cid=<number> name=<name> pin=<accountcode>`
 * Numbers starting with 486 are refused busy, with 503 congestion; others are
 * answered and held up to 90 s. An account whose behaviour is `fail` answers
 * every call with 503 (a provider that is down).
 */
export type ProviderAccount = { username: string; password: string; behaviour?: 'answer' | 'fail' };
/** The provider registers to the PBX as `username` (a server-mode trunk there). */
export type ProviderRegistration = { name: string; username: string; password: string };
export type ProviderOptions = {
  bin: string;
  /** The PBX's SIP UDP port and IAX2 port, inside the shared sandbox. */
  pbxSipPort: number;
  pbxIaxPort: number;
  /** Accounts the PBX's client-mode SIP trunks register with. */
  accounts: ProviderAccount[];
  /** Registrations from the provider to the PBX (server-mode SIP trunks). */
  registrations?: ProviderRegistration[];
  /** IAX2 users the PBX's client-mode IAX trunks register as. */
  iaxAccounts?: ProviderAccount[];
  /** IAX2 peers that are the PBX: the provider calls the PBX through them (server-mode IAX trunks there). */
  iaxPeers?: { name: string; username: string; password: string }[];
  /**
   * Links without credentials either way (IP authentication): the provider calls the PBX from its own
   * address, and takes the PBX's calls with the From user `name` (by address in real life; here every
   * sender shares 127.0.0.1).
   */
  addressPeers?: string[];
};

export type Provider = {
  asterisk: Asterisk;
  /** Where the provider's SIP and IAX2 listen and send from. */
  address: string;
  sipPort: number;
  iaxPort: number;
  /** The PROVIDER-RECEIVED lines logged since `mark` (a line count of the log). */
  received(mark?: number): { account: string; number: string; cid: string; name: string; pin: string }[];
  logMark(): number;
  /**
   * Starts a call from the provider to `number` through its SIP endpoint or
   * IAX2 peer `through`, from `callerId` (digits, or `anonymous`) when given;
   * once answered the provider's side waits `seconds`.
   */
  callFrom(technology: 'sip' | 'iax', through: string, number: string, options?: { callerId?: string; seconds?: number }): Promise<void>;
  /** Hangs up every call of the provider. */
  hangupAll(): Promise<void>;
  /** How the provider's calls ended (DIALSTATUS and cause), from `mark` on. */
  dialStatuses(mark?: number): { number: string; status: string; cause: string }[];
  stop(): Promise<void>;
};

/**
 * The provider sends and listens on an address of its own, as a real one
 * would: the PBX can trust it (F-7.7.4) without trusting its phones, which
 * use 127.0.0.1.
 */
export const PROVIDER_ADDRESS = '127.0.0.2';

/** The name of the provider's context that dials out through one of its SIP endpoints or IAX2 peers. */
const outContextName = (technology: 'sip' | 'iax', name: string) => `provider-out-${technology}-${name}`;

/**
 * That context: the extension is `<number>` or `<caller>*<number>` (the caller
 * ID to present; `anonymous` for none). The outcome is logged as
 * `PROVIDER-DIALSTATUS <number> <DIALSTATUS> <HANGUPCAUSE>`.
 */
function outContext(technology: 'sip' | 'iax', name: string, dial: string): string {
  return [
    `[${outContextName(technology, name)}]`,
    'exten => _[0-9a-z].,1,Set(PROVIDER_NUMBER=${IF($[${FIELDQTY(EXTEN,*)} < 2]?${EXTEN}:${CUT(EXTEN,*,2)})})',
    ' same => n,GotoIf($[${FIELDQTY(EXTEN,*)} < 2]?dial)',
    ' same => n,ExecIf($["${CUT(EXTEN,*,1)}" = "anonymous"]?Set(CALLERID(all)=):Set(CALLERID(all)=${CUT(EXTEN,*,1)} <${CUT(EXTEN,*,1)}>))',
    ' same => n,ExecIf($["${CUT(EXTEN,*,1)}" = "anonymous"]?Set(CALLERID(num-pres)=prohib))',
    // g: go on after the far end hangs up, so the outcome is logged for answered calls too.
    ` same => n(dial),Dial(${dial},30,g)`,
    ' same => n,NoOp(PROVIDER-DIALSTATUS ${PROVIDER_NUMBER} ${DIALSTATUS} ${HANGUPCAUSE})',
    '',
  ].join('\n');
}

const section = (name: string, lines: [string, string | number][]) => [`[${name}]`, ...lines.map(([k, v]) => `${k}=${v}`), ''].join('\n');

function files(o: ProviderOptions, ports: { sip: number; iax: number; http: number; ami: number; rtp: { start: number; end: number } }): Map<string, string> {
  const pjsip = [
    section('global', [
      ['type', 'global'],
      ['endpoint_identifier_order', 'username,auth_username,ip'],
    ]),
    section('transport-udp', [
      ['type', 'transport'],
      ['protocol', 'udp'],
      ['bind', `${PROVIDER_ADDRESS}:${ports.sip}`],
    ]),
    ...o.accounts.flatMap((a) => [
      section(a.username, [
        ['type', 'aor'],
        ['max_contacts', 1],
        ['remove_existing', 'yes'],
        ['qualify_frequency', 0],
      ]),
      section(`${a.username}-auth`, [
        ['type', 'auth'],
        ['auth_type', 'userpass'],
        ['username', a.username],
        ['password', a.password],
      ]),
      section(a.username, [
        ['type', 'endpoint'],
        ['context', 'provider-in'],
        ['aors', a.username],
        ['auth', `${a.username}-auth`],
        ['identify_by', 'username,auth_username'],
        // Like a provider: the caller ID comes from P-Asserted-Identity when the PBX sends one.
        ['trust_id_inbound', 'yes'],
        ['disallow', 'all'],
        ['allow', 'ulaw,alaw'],
        ['direct_media', 'no'],
        ['set_var', `PROVIDER_BEHAVIOUR=${a.behaviour ?? 'answer'}`],
      ]),
    ]),
    ...(o.registrations ?? []).flatMap((r) => [
      section(r.name, [
        ['type', 'registration'],
        ['server_uri', `sip:127.0.0.1:${o.pbxSipPort}`],
        ['client_uri', `sip:${r.username}@127.0.0.1:${o.pbxSipPort}`],
        ['contact_user', r.username],
        ['outbound_auth', `${r.name}-auth`],
        ['retry_interval', 5],
        ['forbidden_retry_interval', 5],
        ['max_retries', 1000],
        // The PBX may not know the trunk yet when the provider starts: keep trying.
        ['auth_rejection_permanent', 'no'],
        ['expiration', 120],
        ['line', 'yes'],
        ['endpoint', r.name],
      ]),
      section(`${r.name}-auth`, [
        ['type', 'auth'],
        ['auth_type', 'userpass'],
        ['username', r.username],
        ['password', r.password],
      ]),
      section(r.name, [
        ['type', 'aor'],
        ['contact', `sip:127.0.0.1:${o.pbxSipPort}`],
      ]),
      section(r.name, [
        ['type', 'endpoint'],
        ['context', 'provider-in'],
        ['aors', r.name],
        ['outbound_auth', `${r.name}-auth`],
        ['from_user', r.username],
        ['trust_id_inbound', 'yes'],
        ['disallow', 'all'],
        ['allow', 'ulaw,alaw'],
        ['direct_media', 'no'],
        ['set_var', 'PROVIDER_BEHAVIOUR=answer'],
      ]),
    ]),
    ...(o.addressPeers ?? []).flatMap((name) => [
      section(name, [
        ['type', 'aor'],
        ['contact', `sip:127.0.0.1:${o.pbxSipPort}`],
      ]),
      section(name, [
        ['type', 'endpoint'],
        ['context', 'provider-in'],
        ['aors', name],
        ['identify_by', 'username'],
        ['trust_id_inbound', 'yes'],
        ['disallow', 'all'],
        ['allow', 'ulaw,alaw'],
        ['direct_media', 'no'],
        ['set_var', 'PROVIDER_BEHAVIOUR=answer'],
      ]),
    ]),
  ].join('\n');

  const iax = [
    section('general', [
      // chan_iax2 reads bindport only when it comes before bindaddr.
      ['bindport', ports.iax],
      ['bindaddr', PROVIDER_ADDRESS],
      ['disallow', 'all'],
      ['allow', 'ulaw'],
      ['allow', 'alaw'],
      ['requirecalltoken', 'no'],
    ]),
    ...(o.iaxPeers ?? []).map((p) => `register => ${p.username}:${p.password}@127.0.0.1:${o.pbxIaxPort}\n`),
    ...(o.iaxAccounts ?? []).map((a) =>
      section(a.username, [
        ['type', 'friend'],
        ['host', 'dynamic'],
        ['secret', a.password],
        ['auth', 'md5'],
        ['context', 'provider-in'],
        ['requirecalltoken', 'no'],
        ['setvar', `PROVIDER_BEHAVIOUR=${a.behaviour ?? 'answer'}`],
      ]),
    ),
    ...(o.iaxPeers ?? []).map((p) =>
      section(p.name, [
        ['type', 'peer'],
        ['host', '127.0.0.1'],
        ['port', o.pbxIaxPort],
        ['username', p.username],
        ['secret', p.password],
        ['auth', 'md5'],
        ['requirecalltoken', 'no'],
      ]),
    ),
  ].join('\n');

  const account = '${IF($["${CHANNEL(channeltype)}" = "PJSIP"]?${CHANNEL(endpoint)}:${CUT(CUT(CHANNEL(name),/,2),-,1)})}';
  const extensions = [
    '[general]\nstatic=yes\nwriteprotect=yes\n',
    '[provider-in]',
    `exten => _[0-9*#+].,1,NoOp(PROVIDER-RECEIVED account=${account} number=\${EXTEN} cid=\${CALLERID(num)} name=\${CALLERID(name)} pin=\${CHANNEL(accountcode)})`,
    ' same => n,GotoIf($["${PROVIDER_BEHAVIOUR}" = "fail"]?fail)',
    ' same => n,GotoIf($["${EXTEN:0:3}" = "486"]?busy)',
    ' same => n,GotoIf($["${EXTEN:0:3}" = "503"]?fail)',
    ' same => n,Answer()',
    ' same => n,Wait(90)',
    ' same => n,Hangup()',
    ' same => n(busy),Busy(5)',
    ' same => n(fail),Hangup(34)',
    '',
    // Calls the tests start on the provider: channel originate Local/[<caller>*]<number>@<context of the way out> (see callFrom()).
    ...(o.registrations ?? []).map((r) => outContext('sip', r.name, `PJSIP/\${PROVIDER_NUMBER}@${r.name}`)),
    ...(o.iaxPeers ?? []).map((p) => outContext('iax', p.name, `IAX2/${p.name}/\${PROVIDER_NUMBER}`)),
    ...o.accounts.map((a) => outContext('sip', a.username, `PJSIP/\${PROVIDER_NUMBER}@${a.username}`)),
    ...(o.iaxAccounts ?? []).map((a) => outContext('iax', a.username, `IAX2/${a.username}/\${PROVIDER_NUMBER}`)),
    ...(o.addressPeers ?? []).map((name) => outContext('sip', name, `PJSIP/\${PROVIDER_NUMBER}@${name}`)),
    '',
  ].join('\n');

  return new Map([
    ['pjsip.conf', pjsip],
    ['iax.conf', iax],
    ['extensions.conf', extensions],
    [
      'http.conf',
      section('general', [
        ['enabled', 'yes'],
        ['bindaddr', '127.0.0.1'],
        ['bindport', ports.http],
      ]),
    ],
    [
      'ari.conf',
      section('general', [['enabled', 'yes']]) +
        section('provider', [
          ['type', 'user'],
          ['password', 'provider-ari'],
          ['read_only', 'no'],
        ]),
    ],
    [
      'manager.conf',
      section('general', [
        ['enabled', 'no'],
        ['port', ports.ami],
      ]),
    ],
    [
      'rtp.conf',
      section('general', [
        ['rtpstart', ports.rtp.start],
        ['rtpend', ports.rtp.end],
      ]),
    ],
    [
      'modules.conf',
      section('modules', [
        ['autoload', 'yes'],
        ['noload', 'chan_alsa.so'],
        ['noload', 'chan_console.so'],
        ['noload', 'chan_oss.so'],
        ['noload', 'app_voicemail.so'],
      ]),
    ],
  ]);
}

const RECEIVED = /PROVIDER-RECEIVED account=(\S*) number=(\S*) cid=(\S*) name=(.*?) pin=([^\s"]*)/;

export async function startProvider(pbx: Asterisk, options: ProviderOptions): Promise<Provider> {
  const ports = { sip: await freePort(), iax: await freePort(), http: await freePort(), ami: await freePort(), rtp: await freeUdpRange(20) };
  const asterisk = await startAsterisk({ bin: options.bin, files: files(options, ports), sandbox: pbx.sandbox });
  let running = true;
  return {
    asterisk,
    address: PROVIDER_ADDRESS,
    sipPort: ports.sip,
    iaxPort: ports.iax,
    logMark: () => asterisk.logLines().length,
    received(mark = 0) {
      return asterisk
        .logLines()
        .slice(mark)
        .map((l) => RECEIVED.exec(l))
        .filter((m): m is RegExpExecArray => !!m)
        .map((m) => ({ account: m[1]!, number: m[2]!, cid: m[3]!, name: m[4]!, pin: m[5]! }));
    },
    async callFrom(technology, through, number, options = {}) {
      const extension = options.callerId ? `${options.callerId}*${number}` : number;
      await asterisk.cli(`channel originate Local/${extension}@${outContextName(technology, through)} application Wait ${options.seconds ?? 5}`);
    },
    async hangupAll() {
      await asterisk.cli('channel request hangup all');
    },
    dialStatuses(mark = 0) {
      return asterisk
        .logLines()
        .slice(mark)
        .map((l) => /PROVIDER-DIALSTATUS (\S+) (\S*) (\S*)/.exec(l))
        .filter((m): m is RegExpExecArray => !!m)
        .map((m) => ({ number: m[1]!, status: m[2]!, cause: m[3]! }));
    },
    async stop() {
      if (!running) return;
      running = false;
      await asterisk.stop();
    },
  };
}
