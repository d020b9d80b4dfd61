import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, realpathSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { dataDirCandidates, findAsterisk, findPrompts, isDataDir, missingPrompts } from './binaries.js';
import { createSandbox, type Sandbox } from './sandbox.js';
import type { PbxPorts } from './ports.js';

/**
 * A real Asterisk on a private temporary root, fed with our rendered files.
 * The harness owns asterisk.conf, logger.conf and the few system files a bare
 * Asterisk complains about; every other file is exactly what render() gave.
 */

/** Files the harness writes itself; the rendered set must not contain them. */
const HARNESS_FILES = ['asterisk.conf', 'logger.conf', 'indications.conf', 'ccss.conf'] as const;

/**
 * The modules each rendered file configures or needs at run time, as they
 * name themselves in the log (`res_pjsip/pjsip_distributor.c` → res_pjsip,
 * core `pbx.c` → pbx). A trailing * matches a prefix.
 */
export const MODULES_BY_FILE: Record<string, string[]> = {
  'pjsip.conf': [
    'res_pjsip',
    'chan_pjsip',
    'res_pjsip_session',
    'res_pjsip_registrar',
    'res_pjsip_authenticator_digest',
    'res_pjsip_endpoint_identifier_ip',
    'res_pjsip_endpoint_identifier_user',
    'res_pjsip_acl',
    'res_pjsip_sdp_rtp',
    'res_pjsip_dtmf_info',
    'res_pjsip_caller_id',
    'res_pjsip_mwi',
    'res_pjsip_mwi_body_generator',
    'res_pjsip_pubsub',
    'res_pjsip_exten_state',
    'res_pjsip_nat',
    'res_pjsip_header_funcs',
    'res_pjproject',
    'pjproject',
    'res_srtp',
    'res_rtp_asterisk',
    'rtp_engine',
    'func_pjsip_contact',
    'func_pjsip_endpoint',
    'func_pjsip_aor',
    'acl',
    'sdp_srtp',
  ],
  'extensions.conf': [
    'pbx_config',
    'pbx',
    'pbx_builtins',
    'pbx_variables',
    'pbx_functions',
    'pbx_app',
    'channel',
    'file',
    'app_dial',
    'app_stack',
    'app_directed_pickup',
    'app_playback',
    'app_voicemail',
    'func_db',
    'func_channel',
    'func_strings',
    'func_logic',
    'chan_pjsip',
    'res_pjsip_header_funcs',
    'func_pjsip_contact',
    'indications',
    'dial',
    'features',
    'bridge',
    'bridge_basic',
    'bridge_channel',
  ],
  'voicemail.conf': ['app_voicemail', 'res_mwi_devstate', 'mwi'],
  'rtp.conf': ['res_rtp_asterisk', 'rtp_engine', 'pjproject'],
  'http.conf': ['http', 'tcptls', 'res_http_websocket'],
  'ari.conf': ['res_ari*', 'res_stasis*', 'app_stasis', 'stasis', 'res_http_websocket'],
  'manager.conf': ['manager', 'tcptls'],
  'features.conf': ['features', 'features_config', 'bridge', 'bridge_basic', 'bridge_builtin_features'],
  'musiconhold.conf': ['res_musiconhold'],
  'iax.conf': ['chan_iax2'],
  'queues.conf': ['app_queue'],
  'cdr.conf': ['cdr'],
  // Not cdrel_custom: it speaks for every custom CDR/CEL backend autoload loads, and names the file of each (ours are matched by name).
  'cdr_custom.conf': ['cdr_custom'],
  // The loader's own lines count when they name a module above ("res_pjsip declined to load").
  'modules.conf': [],
};

export type AsteriskOptions = {
  /** The rendered files (name → text), written to etc/ as they are. Optional with `etcDir`. */
  files?: Map<string, string>;
  /**
   * Use this existing directory as etc/ instead of one inside the temporary
   * root: the directory our server renders into (its ASTERISK_CONFIG_DIR), so
   * that its applies land where Asterisk reads. The rendered files are the
   * `*.conf` files already there plus `files`; the harness still writes its own
   * files (asterisk.conf, logger.conf, …) into it, and stop() leaves the
   * directory in place.
   */
  etcDir?: string;
  /** When given, checked against the files (a mismatch is a test bug); else read from them. */
  ports?: PbxPorts;
  /** astspooldir and astlogdir when they must be known before Asterisk starts (our server reads recordings, voicemail and call records there); else inside the temporary root. */
  spoolDir?: string;
  logDir?: string;
  /** The Asterisk binary; findAsterisk() when omitted. */
  bin?: string;
  bootTimeoutMs?: number;
  /**
   * Run inside this sandbox (another Asterisk's: a provider or a second PBX
   * next to the one under test, reachable on 127.0.0.1 there). stop() leaves
   * it to its owner.
   */
  sandbox?: Sandbox;
};

export type Asterisk = {
  root: string;
  etcDir: string;
  /** astspooldir: voicemail/<context>/<mailbox>/INBOX/… */
  spoolDir: string;
  /** astlogdir: messages, cdr-custom/ … */
  logDir: string;
  logFile: string;
  httpPort: number;
  amiPort: number;
  sipPort: number;
  sipTcpPort: number | null;
  ari: { username: string; password: string; url: string };
  sandbox: Sandbox;
  pid(): number | undefined;
  /** Writes (more) rendered files into etc/, e.g. before a `module reload`. */
  writeFiles(files: Map<string, string>): void;
  /** Every line of the `messages` log so far (all runs of this root). */
  logLines(): string[];
  /** ERROR/WARNING lines from line `since` on that name one of the files or a module those files need. */
  problems(fileNames: string[], since?: number): string[];
  /** `asterisk -rx <cmd>` on this instance's control socket. */
  cli(command: string): Promise<string>;
  /** An authenticated ARI request; the body is returned as text. */
  ariRequest(method: string, resource: string): Promise<{ status: number; body: string }>;
  stop(): Promise<void>;
  /** Stops Asterisk (not the sandbox), writes `files` if given, boots again. */
  restart(files?: Map<string, string>): Promise<void>;
  /** Stops Asterisk and keeps everything else, until resume() boots it again (an outage). */
  pause(): Promise<void>;
  resume(): Promise<void>;
};

// ---------------------------------------------------------------- config reading

type Ini = Map<string, Map<string, string[]>>;

/** Enough of Asterisk's format to read back ports and credentials: [section], key=value, key => value, ; comments. */
function parseIni(text: string): Ini {
  const ini: Ini = new Map();
  let current: Map<string, string[]> | null = null;
  for (const raw of text.split('\n')) {
    const line = raw.replace(/(^|[^\\]);.*$/, '$1').trim();
    if (!line) continue;
    const section = /^\[([^\]]+)\]/.exec(line);
    if (section) {
      const name = section[1]!;
      // Repeated section names (pjsip.conf endpoint + aor) are kept apart by a counter.
      let key = name;
      for (let i = 2; ini.has(key); i++) key = `${name}#${i}`;
      current = new Map();
      ini.set(key, current);
      continue;
    }
    const kv = /^([^=]+?)\s*=>?\s*(.*)$/.exec(line);
    if (!kv || !current) continue;
    const values = current.get(kv[1]!) ?? [];
    values.push(kv[2]!);
    current.set(kv[1]!, values);
  }
  return ini;
}

const first = (section: Map<string, string[]> | undefined, key: string) => section?.get(key)?.[0];
const portOf = (bind: string | undefined) => (bind ? Number(/:(\d+)$/.exec(bind)?.[1] ?? NaN) : NaN);

function readSettings(files: Map<string, string>) {
  const need = (name: string) => {
    const text = files.get(name);
    if (text === undefined) throw new Error(`startAsterisk: the rendered files have no ${name}`);
    return parseIni(text);
  };
  const http = need('http.conf').get('general');
  const manager = need('manager.conf').get('general');
  const ariUser = [...need('ari.conf')].find(([, s]) => first(s, 'type') === 'user');
  const transports = [...need('pjsip.conf').values()].filter((s) => first(s, 'type') === 'transport');
  const bindOf = (protocol: string) =>
    portOf(
      first(
        transports.find((t) => first(t, 'protocol') === protocol),
        'bind',
      ),
    );
  const rtp = files.has('rtp.conf') ? parseIni(files.get('rtp.conf')!).get('general') : undefined;
  if (!ariUser) throw new Error('startAsterisk: ari.conf has no user');
  const settings = {
    httpPort: Number(first(http, 'bindport') ?? 8088),
    httpAddress: first(http, 'bindaddr') ?? '127.0.0.1',
    amiPort: Number(first(manager, 'port') ?? 5038),
    sipUdp: bindOf('udp'),
    sipTcp: bindOf('tcp'),
    rtpStart: Number(first(rtp, 'rtpstart') ?? NaN),
    rtpEnd: Number(first(rtp, 'rtpend') ?? NaN),
    ariUsername: ariUser[0].replace(/#\d+$/, ''),
    ariPassword: first(ariUser[1], 'password') ?? '',
  };
  if (!Number.isFinite(settings.sipUdp)) throw new Error('startAsterisk: pjsip.conf has no UDP transport');
  if (!['127.0.0.1', '0.0.0.0'].includes(settings.httpAddress)) throw new Error(`startAsterisk: http.conf binds ${settings.httpAddress}; the harness reaches ARI on 127.0.0.1`);
  return settings;
}

function checkPorts(settings: ReturnType<typeof readSettings>, ports: PbxPorts): void {
  const pairs: [string, number, number][] = [
    ['http.conf bindport', settings.httpPort, ports.http],
    ['manager.conf port', settings.amiPort, ports.ami],
    ['pjsip.conf UDP transport', settings.sipUdp, ports.sipUdp],
    ['pjsip.conf TCP transport', settings.sipTcp, ports.sipTcp],
    ['rtp.conf rtpstart', settings.rtpStart, ports.rtpStart],
    ['rtp.conf rtpend', settings.rtpEnd, ports.rtpEnd],
  ];
  const wrong = pairs.filter(([, have, want]) => have !== want).map(([what, have, want]) => `${what} is ${have}, expected ${want}`);
  if (wrong.length) throw new Error(`startAsterisk: the files were not rendered with the given ports (use withPorts()): ${wrong.join('; ')}`);
}

// ---------------------------------------------------------------- installation layout

/** Where the installation that owns `bin` keeps its modules. */
function modulesOf(bin: string): string {
  const real = realpathSync(bin);
  const prefix = path.dirname(path.dirname(real));
  const modules = [
    process.env.ASTERISK_MODDIR,
    path.join(prefix, 'lib/asterisk/modules'),
    path.join(prefix, 'lib64/asterisk/modules'),
    ...(existsSync(path.join(prefix, 'lib')) ? readdirSync(path.join(prefix, 'lib')).map((d) => path.join(prefix, 'lib', d, 'asterisk/modules')) : []),
  ].find((d): d is string => !!d && existsSync(path.join(d, 'res_pjsip.so')));
  if (!modules) throw new Error(`startAsterisk: no modules directory with res_pjsip.so next to ${real} (set ASTERISK_MODDIR)`);
  return modules;
}

/**
 * Where the installation that owns `bin` keeps its modules and its data
 * (its astdatadir: documentation, rest-api, sounds, moh …). Its sounds/ and
 * moh/ may be empty (a build that fetched no prompts): findPrompts() says
 * where the private Asterisk takes them from.
 */
export function installationOf(bin: string): { modules: string; data: string } {
  const modules = modulesOf(bin);
  const candidates = dataDirCandidates(bin);
  const data = candidates.find(isDataDir);
  if (!data) throw new Error(`startAsterisk: no data directory (documentation/, rest-api/, sounds/ …) for ${realpathSync(bin)} in ${candidates.join(', ')} (set ASTERISK_DATADIR)`);
  return { modules, data };
}

/**
 * The private astdatadir: the installation's read-only data (documentation,
 * rest-api, static-http …) linked entry by entry, `sounds` and `moh` linked to
 * where findPrompts() found the prompts and the music on hold (Debian's when
 * installed), so that a freshly built Asterisk needs no manual linking.
 */
function linkDataDir(dir: string, bin: string, prompts: { sounds: string; moh: string }): void {
  const installed = dataDirCandidates(bin).find(isDataDir);
  if (installed) {
    for (const entry of readdirSync(installed)) {
      if (entry.startsWith('astdb') || entry === 'sounds' || entry === 'moh') continue;
      symlinkSync(path.join(installed, entry), path.join(dir, entry));
    }
  }
  symlinkSync(prompts.sounds, path.join(dir, 'sounds'));
  symlinkSync(prompts.moh, path.join(dir, 'moh'));
}

function harnessFiles(dirs: { etc: string; modules: string; varlib: string; data: string; spool: string; run: string; log: string; cache: string; sbin: string }): Map<string, string> {
  return new Map([
    [
      'asterisk.conf',
      [
        '[directories]',
        `astetcdir => ${dirs.etc}`,
        `astmoddir => ${dirs.modules}`,
        `astvarlibdir => ${dirs.varlib}`,
        `astdbdir => ${dirs.varlib}`,
        `astkeydir => ${dirs.varlib}`,
        `astdatadir => ${dirs.data}`,
        `astagidir => ${path.join(dirs.varlib, 'agi-bin')}`,
        `astspooldir => ${dirs.spool}`,
        `astrundir => ${dirs.run}`,
        `astlogdir => ${dirs.log}`,
        `astcachedir => ${dirs.cache}`,
        `astsbindir => ${dirs.sbin}`,
        '',
        '[options]',
        'verbose = 3',
        // A namespace has no Ethernet card to derive the entity id from.
        'entityid = 02:00:00:00:e2:e2',
        '',
      ].join('\n'),
    ],
    ['logger.conf', ['[general]', '', '[logfiles]', 'messages => notice,warning,error,verbose', 'console => notice,warning,error', ''].join('\n')],
    // What a stock installation ships; Busy() and Congestion() play these tones.
    [
      'indications.conf',
      [
        '[general]',
        'country = us',
        '',
        '[us]',
        'description = United States / North America',
        'ringcadence = 2000,4000',
        'dial = 350+440',
        'busy = 480+620/500,0/500',
        'ring = 440+480/2000,0/4000',
        'congestion = 480+620/250,0/250',
        'callwaiting = 440/300,0/10000',
        'dialrecall = !350+440/100,!0/100,!350+440/100,!0/100,!350+440/100,!0/100,350+440',
        'record = 1400/500,0/15000',
        'info = !950/330,!1400/330,!1800/330,0',
        'stutter = !350+440/100,!0/100,!350+440/100,!0/100,!350+440/100,!0/100,!350+440/100,!0/100,!350+440/100,!0/100,!350+440/100,!0/100,350+440',
        '',
      ].join('\n'),
    ],
    ['ccss.conf', '[general]\n'],
  ]);
}

// ---------------------------------------------------------------- log analysis

/** Core parsers that report for whichever file they read: counted unless they name a file that is not ours. */
const GENERIC_CONFIG = new Set(['config', 'config_options', 'res_sorcery_config', 'sorcery', 'format_cap', 'codec', 'format']);

const LOG_LINE = /^\[[^\]]+\]\s+(ERROR|WARNING)\[\d+\](?:\[[^\]]*\])*\s+([^:\s]+):\s?(.*)$/;

function moduleMatcher(fileNames: string[]) {
  const names = fileNames.flatMap((f) => MODULES_BY_FILE[f] ?? []);
  const exact = new Set(names.filter((n) => !n.endsWith('*')));
  const prefixes = names.filter((n) => n.endsWith('*')).map((n) => n.slice(0, -1));
  const isNeeded = (module: string) => exact.has(module) || prefixes.some((p) => module.startsWith(p));
  const fileRes = fileNames.map((f) => new RegExp(`(^|[^\\w.-])${f.replace(/[.]/g, '\\.')}($|[^\\w.-])`));
  return (line: string): boolean => {
    const m = LOG_LINE.exec(line);
    if (!m) return false;
    const module = m[2]!.split('/')[0]!.replace(/\.c$/, '');
    const message = m[3] ?? '';
    if (fileRes.some((re) => re.test(line))) return true;
    if (GENERIC_CONFIG.has(module)) {
      // The shared parsers: "Error parsing allow=… at line 24 of " names no file; "Unable to load config file 'x.conf'" names one.
      const named = message.match(/[\w.-]+\.conf\b/g) ?? [];
      return named.length === 0 || named.some((n) => fileNames.includes(n));
    }
    if (module === 'loader') {
      // "X declined to load." / "Declined modules which depend on X: a, b": only when X or a dependant is needed.
      return (message.match(/\b[a-z]+_[a-z0-9_]+\b/g) ?? []).some(isNeeded);
    }
    return isNeeded(module);
  };
}

/**
 * Warnings Asterisk logs whatever the configuration says: an endpoint kept in
 * astdb is stored with every option, the obsolete `stir_shaken` among them,
 * and its handler warns each time the endpoint is read back.
 */
const ASTERISK_QUIRKS = [/Option 'stir_shaken' is no longer supported/];

/** The lines of a log that count as problems of our configuration (see MODULES_BY_FILE). */
export function configProblems(lines: string[], fileNames: string[]): string[] {
  const matches = moduleMatcher(fileNames);
  return lines.filter((line) => matches(line) && !ASTERISK_QUIRKS.some((quirk) => quirk.test(line)));
}

// ---------------------------------------------------------------- process control

function waitExit(child: ChildProcess, ms: number): Promise<boolean> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve(true);
  return new Promise((resolve) => {
    const timer = setTimeout(() => resolve(false), ms);
    child.once('exit', () => {
      clearTimeout(timer);
      resolve(true);
    });
  });
}

/** SIGTERM, then SIGKILL after `graceMs`, by pid. */
export async function terminate(child: ChildProcess | null, graceMs = 5000): Promise<void> {
  if (!child?.pid || child.exitCode !== null || child.signalCode !== null) return;
  try {
    process.kill(child.pid, 'SIGTERM');
  } catch {
    return;
  }
  if (await waitExit(child, graceMs)) return;
  try {
    process.kill(child.pid, 'SIGKILL');
  } catch {
    /* gone */
  }
  await waitExit(child, 2000);
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** The rendered files already in a directory: every `*.conf` but the harness's own. */
function renderedFilesIn(dir: string): Map<string, string> {
  const files = new Map<string, string>();
  for (const name of readdirSync(dir).sort()) {
    if (!name.endsWith('.conf') || (HARNESS_FILES as readonly string[]).includes(name)) continue;
    files.set(name, readFileSync(path.join(dir, name), 'utf8'));
  }
  return files;
}

export async function startAsterisk(options: AsteriskOptions): Promise<Asterisk> {
  if (!options.files && !options.etcDir) throw new Error('startAsterisk: give the rendered files, an etcDir holding them, or both');
  const given = options.files ?? new Map<string, string>();
  for (const name of HARNESS_FILES) if (given.has(name)) throw new Error(`startAsterisk: ${name} belongs to the harness, not to the rendered files`);
  const initialFiles = options.etcDir ? new Map([...renderedFilesIn(options.etcDir), ...given]) : given;
  const settings = readSettings(initialFiles);
  if (options.ports) checkPorts(settings, options.ports);
  const bin = options.bin ?? findAsterisk();
  if (!bin) throw new Error('startAsterisk: no Asterisk binary (set ASTERISK_BIN)');
  const modules = modulesOf(bin);
  const prompts = findPrompts(bin);
  const noPrompts = missingPrompts(prompts);
  if (noPrompts || !prompts.sounds || !prompts.moh) throw new Error(`startAsterisk: ${noPrompts}`);

  // The pid in the name lets a later run remove what a killed run left behind (sandbox.ts).
  const root = mkdtempSync(path.join(tmpdir(), `pbx-e2e-${process.pid}-`));
  const dirs = {
    etc: options.etcDir ? path.resolve(options.etcDir) : path.join(root, 'etc'),
    varlib: path.join(root, 'varlib'),
    data: path.join(root, 'data'),
    spool: options.spoolDir ? path.resolve(options.spoolDir) : path.join(root, 'spool'),
    run: path.join(root, 'run'),
    log: options.logDir ? path.resolve(options.logDir) : path.join(root, 'log'),
    cache: path.join(root, 'cache'),
    modules,
    sbin: path.dirname(realpathSync(bin)),
  };
  // The spool's recording folder and the log's cdr-custom folder are made by `make install`, as on a real installation (ARI recordings and call records are written there).
  for (const d of [dirs.etc, dirs.varlib, path.join(dirs.varlib, 'keys'), dirs.data, dirs.spool, path.join(dirs.spool, 'recording'), dirs.run, dirs.log, path.join(dirs.log, 'cdr-custom'), dirs.cache])
    mkdirSync(d, { recursive: true });
  // Read-only data (documentation, rest-api …, the prompts and music on hold) linked into data/; astdb, spool and logs stay private.
  linkDataDir(dirs.data, bin, { sounds: prompts.sounds, moh: prompts.moh });
  const conf = path.join(dirs.etc, 'asterisk.conf');
  const logFile = path.join(dirs.log, 'messages');
  const writeFiles = (files: Map<string, string>) => {
    for (const [name, text] of files) {
      if ((HARNESS_FILES as readonly string[]).includes(name)) throw new Error(`${name} belongs to the harness`);
      writeFileSync(path.join(dirs.etc, name), text);
    }
  };
  for (const [name, text] of harnessFiles(dirs)) writeFileSync(path.join(dirs.etc, name), text);
  writeFiles(given);

  const ari = { username: settings.ariUsername, password: settings.ariPassword, url: `http://127.0.0.1:${settings.httpPort}` };
  const authorization = `Basic ${Buffer.from(`${ari.username}:${ari.password}`).toString('base64')}`;
  const ariRequest = async (method: string, resource: string) => {
    const response = await fetch(`${ari.url}/ari/${resource.replace(/^\//, '')}`, { method, headers: { authorization }, signal: AbortSignal.timeout(5000) });
    return { status: response.status, body: await response.text() };
  };

  let sandbox: Sandbox | null = null;
  let child: ChildProcess | null = null;
  let output: string[] = [];
  let stopped = false;

  const boot = async () => {
    const [command, args] = sandbox!.wrap(bin, ['-f', '-n', '-C', conf]);
    output = [];
    const proc = spawn(command, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    child = proc;
    const keep = (chunk: Buffer) => {
      output.push(
        ...chunk
          .toString()
          .split('\n')
          .filter((l) => l.trim()),
      );
      if (output.length > 300) output = output.slice(-300);
    };
    proc.stdout.on('data', keep);
    proc.stderr.on('data', keep);
    const deadline = Date.now() + (options.bootTimeoutMs ?? 30_000);
    let last = 'no answer yet';
    while (Date.now() < deadline) {
      if (proc.exitCode !== null || proc.signalCode !== null)
        throw new Error(`Asterisk exited while booting (${proc.exitCode ?? proc.signalCode}):\n${output.slice(-30).join('\n')}\n--- log ---\n${logTail()}`);
      try {
        const r = await ariRequest('GET', 'asterisk/info');
        if (r.status === 200) return;
        last = `HTTP ${r.status}`;
      } catch (e) {
        last = String((e as Error).message);
      }
      await sleep(200);
    }
    throw new Error(`Asterisk did not answer GET /ari/asterisk/info with 200 in time (last: ${last}):\n${output.slice(-30).join('\n')}\n--- log ---\n${logTail()}`);
  };

  const logLines = () => (existsSync(logFile) ? readFileSync(logFile, 'utf8').split('\n').filter(Boolean) : []);
  const logTail = () => logLines().slice(-40).join('\n');

  const stopAsterisk = async () => {
    await terminate(child, 5000);
    child = null;
  };

  const stop = async () => {
    if (stopped) return;
    stopped = true;
    try {
      await stopAsterisk();
    } finally {
      if (!options.sandbox) await sandbox?.destroy();
      if (process.env.PBX_E2E_KEEP === '1') console.log(`e2e: kept ${root}`);
      else rmSync(root, { recursive: true, force: true });
    }
  };

  try {
    sandbox = options.sandbox ?? (await createSandbox(root));
    await sandbox.expose([settings.httpPort, settings.amiPort]);
    await boot();
  } catch (error) {
    await stop();
    throw error;
  }

  return {
    root,
    etcDir: dirs.etc,
    spoolDir: dirs.spool,
    logDir: dirs.log,
    logFile,
    httpPort: settings.httpPort,
    amiPort: settings.amiPort,
    sipPort: settings.sipUdp,
    sipTcpPort: Number.isFinite(settings.sipTcp) ? settings.sipTcp : null,
    ari,
    sandbox,
    pid: () => child?.pid,
    writeFiles,
    logLines,
    problems: (fileNames, since = 0) => configProblems(logLines().slice(since), fileNames),
    cli: (command) =>
      new Promise((resolve, reject) => {
        execFile(bin, ['-C', conf, '-rx', command], { timeout: 10_000, encoding: 'utf8' }, (error, stdout, stderr) => {
          if (error) reject(new Error(`asterisk -rx ${JSON.stringify(command)} failed: ${error.message}\n${stdout}${stderr}`));
          else resolve(stdout);
        });
      }),
    ariRequest,
    stop,
    pause: () => stopAsterisk(),
    async resume() {
      if (stopped) throw new Error('resume() after stop()');
      try {
        await boot();
      } catch (error) {
        await stop();
        throw error;
      }
    },
    async restart(files) {
      if (stopped) throw new Error('restart() after stop()');
      await stopAsterisk();
      if (files) writeFiles(files);
      try {
        await boot();
      } catch (error) {
        await stop();
        throw error;
      }
    },
  };
}
