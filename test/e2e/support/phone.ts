import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { terminate } from './asterisk.js';
import type { Sandbox } from './sandbox.js';

/**
 * A SIP phone: pjsua 2.x (pjproject's sample UA) driven through its text menu
 * on stdin, with its log (level 4: state changes and every SIP message) read
 * from stdout. Strings checked against pjsua 2.17:
 *   registration: "sip:100@127.0.0.1: registration success, status=200 (OK), will re-register in 299 seconds"
 *                 "SIP registration error: Credential failed to authenticate (PJSIP_EFAILEDCREDENTIAL) [status=171100]"
 *                 "RX 537 bytes Response msg 401/REGISTER/cseq=… from UDP 127.0.0.1:5060:"
 *   calls:        "Call 0 state changed to CALLING" / EARLY / CONNECTING / CONFIRMED,
 *                 "Call 0 is DISCONNECTED [reason=200 (OK)]"
 *   incoming:     "Incoming call for account 1!" (without --auto-answer)
 *   menu:         m + URL (make call), a + code (answer; prompts "Answer with code"), h (hang up), ha (all), q (quit),
 *                 # + digits (RFC 2833 DTMF; prompts "DTMF strings to send (0-9*R#A-B)", then "DTMF digits enqueued for transmission")
 */

export type PhoneOptions = {
  /** pjsua binary (findPjsua()). */
  bin: string;
  username: string;
  password: string;
  /** host:port of the registrar (Asterisk's SIP transport). */
  registrar: string;
  /** SIP port of the phone (TCP and/or UDP). */
  localPort: number;
  /** First RTP port of the phone (pjsua defaults to 4000 for every instance). */
  rtpPort?: number;
  transport?: 'udp' | 'tcp';
  /** SDES-SRTP, mandatory (pjsua --use-srtp=2, without requiring TLS). */
  srtp?: boolean;
  /** Answer incoming calls at once with this code (e.g. 200); off by default. */
  autoAnswer?: number | false;
  /** The address the phone sends from (any 127.x.y.z inside the sandbox); 127.0.0.1 by default. */
  address?: string;
  /** Run inside the sandbox of the Asterisk it registers with (asterisk.sandbox). */
  sandbox?: Sandbox;
  /** Extra pjsua options. */
  extraArgs?: string[];
};

export type Registration = { ok: boolean; status: number | null; line: string };

export type Phone = {
  username: string;
  pid: number | undefined;
  /**
   * Waits for `pattern` in the output after the cursor; on success the cursor
   * moves past the match, so successive waits follow the order of events.
   * Pass `{ fromStart: true }` to search the whole output.
   */
  waitFor(pattern: RegExp, timeoutMs?: number, options?: { fromStart?: boolean }): Promise<RegExpExecArray>;
  /** The first registration outcome after the cursor: success, or an error/failure with the last REGISTER response code. */
  waitForRegistration(timeoutMs?: number): Promise<Registration>;
  call(uri: string): Promise<void>;
  /** Answers the pending incoming call (waits for pjsua's prompt). */
  answer(code?: number): Promise<void>;
  hangup(all?: boolean): void;
  /**
   * Sends DTMF digits (0-9 * # A-D) into the current call as RFC 2833/4733
   * events (pjsua's `#` menu command); resolves once pjsua queued them. The
   * digits then go out one after another, about 0.2 s each.
   */
  sendDtmf(digits: string): Promise<void>;
  /** Raw menu input (one line). */
  send(line: string): void;
  /** Everything pjsua printed so far. */
  output(): string;
  /** The last lines, for failure messages. */
  tail(lines?: number): string;
  stop(): Promise<void>;
};

/** Matches pjsua's call state lines. */
export const callState = (state: 'CALLING' | 'INCOMING' | 'EARLY' | 'CONNECTING' | 'CONFIRMED') => new RegExp(`Call (\\d+) state changed to ${state}`);
export const disconnected = /Call (\d+) is DISCONNECTED \[reason=(\d+) \(([^)]*)\)\]/;
export const incomingCall = /Incoming call for account (\d+)!/;

const STDBUF = ['/usr/bin/stdbuf', '/bin/stdbuf', '/usr/local/bin/stdbuf'].find((f) => existsSync(f)) ?? null;

const REG_OUTCOME = /registration success, status=(\d+)|SIP registration error: [^\n]*|registration failed, status=(\d+)[^\n]*|Registration failed[^\n]*/;

export function startPhone(options: PhoneOptions): Phone {
  const [host, port] = options.registrar.split(':');
  const transport = options.transport ?? 'udp';
  const args = [
    '--null-audio',
    '--no-color',
    '--log-level=4',
    '--app-log-level=4',
    `--local-port=${options.localPort}`,
    `--bound-addr=${options.address ?? '127.0.0.1'}`,
    `--ip-addr=${options.address ?? '127.0.0.1'}`,
    `--rtp-port=${options.rtpPort ?? 4000}`,
    transport === 'udp' ? '--no-tcp' : '--no-udp',
    `--id=sip:${options.username}@${host}`,
    `--registrar=sip:${host}:${port}${transport === 'tcp' ? ';transport=tcp' : ''}`,
    '--realm=*',
    `--username=${options.username}`,
    `--password=${options.password}`,
    '--reg-timeout=300',
    '--rereg-delay=300',
    '--max-calls=4',
    ...(options.srtp ? ['--use-srtp=2', '--srtp-secure=0'] : []),
    ...(options.autoAnswer ? [`--auto-answer=${options.autoAnswer}`] : []),
    ...(options.extraArgs ?? []),
  ];
  // Into a pipe, pjsua's stdio would be block-buffered and events would arrive seconds late: line-buffer it.
  const [program, programArgs] = STDBUF ? [STDBUF, ['-oL', '-eL', options.bin, ...args]] : [options.bin, args];
  const [command, argv] = options.sandbox ? options.sandbox.wrap(program, programArgs) : [program, programArgs];
  const child: ChildProcess = spawn(command, argv, { stdio: ['pipe', 'pipe', 'pipe'] });
  let text = '';
  let cursor = 0;
  let exited: string | null = null;
  const listeners = new Set<() => void>();
  const notify = () => {
    for (const l of [...listeners]) l();
  };
  const append = (chunk: Buffer) => {
    text += chunk.toString();
    notify();
  };
  child.stdout!.on('data', append);
  child.stderr!.on('data', append);
  child.stdin!.on('error', () => undefined);
  child.once('exit', (code, signal) => {
    exited = `pjsua exited (${code ?? signal})`;
    notify();
  });

  const tail = (lines = 60) =>
    text
      .split('\n')
      .filter((l) => !l.startsWith('|') && !l.startsWith('+='))
      .slice(-lines)
      .join('\n');

  const waitFor: Phone['waitFor'] = (pattern, timeoutMs = 10_000, opts = {}) => {
    const from = opts.fromStart ? 0 : cursor;
    const re = new RegExp(pattern.source, pattern.flags.replace('g', ''));
    return new Promise((resolve, reject) => {
      const check = () => {
        const match = re.exec(text.slice(from));
        if (match) {
          cleanup();
          cursor = from + match.index + match[0].length;
          resolve(match);
          return true;
        }
        if (exited) {
          cleanup();
          reject(new Error(`phone ${options.username}: ${exited} before ${pattern}\n${tail()}`));
          return true;
        }
        return false;
      };
      const timer = setTimeout(() => {
        cleanup();
        reject(new Error(`phone ${options.username}: no ${pattern} within ${timeoutMs} ms\n${tail()}`));
      }, timeoutMs);
      const cleanup = () => {
        clearTimeout(timer);
        listeners.delete(listener);
      };
      const listener = () => void check();
      listeners.add(listener);
      check();
    });
  };

  const send = (line: string) => {
    if (exited) throw new Error(`phone ${options.username}: ${exited}`);
    child.stdin!.write(`${line}\n`);
  };

  return {
    username: options.username,
    pid: child.pid,
    waitFor,
    async waitForRegistration(timeoutMs = 10_000) {
      const from = cursor;
      const match = await waitFor(REG_OUTCOME, timeoutMs);
      const statuses = [...text.slice(from, cursor).matchAll(/Response msg (\d{3})\/REGISTER/g)].map((m) => Number(m[1]));
      const ok = match[0].startsWith('registration success');
      return { ok, status: ok ? Number(match[1]) : (statuses.at(-1) ?? (match[2] ? Number(match[2]) : null)), line: match[0] };
    },
    async call(uri) {
      send('m');
      await waitFor(/Make call: |URL/, 5000);
      send(uri);
      await waitFor(new RegExp(`Making call with acc #\\d+ to ${uri.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}`), 5000);
    },
    async answer(code = 200) {
      send('a');
      await waitFor(/Answer with code[^\n]*: ?/, 5000);
      send(String(code));
    },
    hangup(all = false) {
      send(all ? 'ha' : 'h');
    },
    async sendDtmf(digits) {
      if (!/^[0-9*#A-D]+$/.test(digits)) throw new Error(`phone ${options.username}: not DTMF digits: ${JSON.stringify(digits)}`);
      const mustBe = (m: RegExpExecArray, expected: string) => {
        if (!m[0].startsWith(expected)) throw new Error(`phone ${options.username}: DTMF ${digits} not sent: ${m[0]}\n${tail()}`);
      };
      send('#');
      mustBe(await waitFor(/DTMF strings to send|No current call|Media is not established yet/, 5000), 'DTMF strings to send');
      send(digits);
      mustBe(await waitFor(/DTMF digits enqueued for transmission|Unable to send DTMF[^\n]*/, 5000), 'DTMF digits enqueued');
    },
    send,
    output: () => text,
    tail,
    async stop() {
      if (exited) return;
      try {
        send('q');
      } catch {
        /* already gone */
      }
      const quit = await new Promise<boolean>((resolve) => {
        if (exited) return resolve(true);
        const timer = setTimeout(() => resolve(false), 3000);
        child.once('exit', () => {
          clearTimeout(timer);
          resolve(true);
        });
      });
      if (!quit) await terminate(child, 2000);
    },
  };
}
