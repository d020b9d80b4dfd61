import { spawnSync } from 'node:child_process';
import { accessSync, constants, readdirSync, realpathSync, statSync } from 'node:fs';
import path from 'node:path';

/**
 * Where the real programs of the end-to-end tests are. Only cheap, synchronous
 * file checks: a machine without Asterisk pays nothing for the e2e files.
 */

function executable(file: string): boolean {
  try {
    if (!statSync(file).isFile()) return false;
    accessSync(file, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

function onPath(name: string): string | null {
  for (const dir of (process.env.PATH ?? '').split(path.delimiter)) {
    if (!dir) continue;
    const candidate = path.join(dir, name);
    if (executable(candidate)) return candidate;
  }
  return null;
}

function find(envName: string, name: string, extra: string[]): string | null {
  const fromEnv = process.env[envName];
  if (fromEnv) return executable(fromEnv) ? path.resolve(fromEnv) : null;
  return onPath(name) ?? extra.find(executable) ?? null;
}

/** The Asterisk binary: $ASTERISK_BIN, else `asterisk` on PATH, else /usr/sbin/asterisk; null when absent. */
export function findAsterisk(): string | null {
  return find('ASTERISK_BIN', 'asterisk', ['/usr/sbin/asterisk']);
}

/** The pjsua binary (pjproject's sample softphone): $PJSUA_BIN, else `pjsua` on PATH; null when absent. */
export function findPjsua(): string | null {
  return find('PJSUA_BIN', 'pjsua', ['/usr/bin/pjsua', '/usr/local/bin/pjsua']);
}

const srtpSupport = new Map<string, boolean>();

/** Whether this pjsua was built with SRTP: only then does its --help list --use-srtp. */
export function pjsuaSupportsSrtp(pjsua: string): boolean {
  let supported = srtpSupport.get(pjsua);
  if (supported === undefined) {
    const help = spawnSync(pjsua, ['--help'], { encoding: 'utf8', timeout: 10_000 });
    supported = `${help.stdout ?? ''}${help.stderr ?? ''}`.includes('--use-srtp');
    srtpSupport.set(pjsua, supported);
  }
  return supported;
}

// ---------------------------------------------------------------- prompts and music on hold

/** Debian's prompts: asterisk-core-sounds-en (with -wav, -gsm …) and asterisk-moh-opsound-wav (-gsm …) install here. */
export const DEBIAN_SOUNDS = '/usr/share/asterisk/sounds';
export const DEBIAN_MOH = '/usr/share/asterisk/moh';

function isDirectory(dir: string): boolean {
  try {
    return statSync(dir).isDirectory();
  } catch {
    return false;
  }
}

function isFile(file: string): boolean {
  try {
    return statSync(file).isFile();
  } catch {
    return false;
  }
}

function entries(dir: string): string[] {
  try {
    return readdirSync(dir);
  } catch {
    return [];
  }
}

/**
 * Where the installation that owns `bin` may keep its data (its astdatadir:
 * sounds, moh, documentation, rest-api …), most likely first: $ASTERISK_DATADIR,
 * then <prefix>/var/lib/asterisk (a source build with --prefix), /var/lib/asterisk
 * (the default prefix, /usr) and <prefix>/share/asterisk.
 */
export function dataDirCandidates(bin: string): string[] {
  let prefix: string | null = null;
  try {
    prefix = path.dirname(path.dirname(realpathSync(bin)));
  } catch {
    /* no binary: only the fixed places */
  }
  const candidates = [process.env.ASTERISK_DATADIR, prefix && path.join(prefix, 'var/lib/asterisk'), '/var/lib/asterisk', prefix && path.join(prefix, 'share/asterisk')];
  return [...new Set(candidates.filter((d): d is string => !!d))];
}

/** An installed astdatadir: a directory with what `make install` puts there (documentation/, rest-api/, sounds/ …). */
export function isDataDir(dir: string): boolean {
  return isDirectory(dir) && ['documentation', 'rest-api', 'sounds', 'moh', 'static-http'].some((e) => isDirectory(path.join(dir, e)));
}

/** A sounds directory that holds the English prompts voicemail plays (en/vm-intro.*), not merely an empty sounds/. */
export function hasPrompts(sounds: string): boolean {
  return entries(path.join(sounds, 'en')).some((f) => f.startsWith('vm-intro.'));
}

/** A music-on-hold directory with at least one file in it (a source install leaves hidden .asterisk-moh-* markers even when it fetched nothing). */
export function hasMusic(moh: string): boolean {
  return entries(moh).some((f) => !f.startsWith('.') && isFile(path.join(moh, f)));
}

export type Prompts = {
  /** The directory Asterisk's astdatadir/sounds should be, or null when no candidate has the prompts. */
  sounds: string | null;
  /** The directory Asterisk's astdatadir/moh should be (the `moh` of musiconhold.conf's class `default`), or null. */
  moh: string | null;
  /** Every place looked at, in order, for the message when one is missing. */
  searched: { sounds: string[]; moh: string[] };
};

/**
 * The prompts and the music on hold a private Asterisk of `bin` is given:
 * those of $ASTERISK_DATADIR when it is set and has them, else Debian's
 * (DEBIAN_SOUNDS, DEBIAN_MOH), else the installation's own. A freshly built
 * Asterisk usually has an empty sounds/ and moh/ (make install fetches them
 * from the Internet), hence Debian's before the installation's.
 */
export function findPrompts(bin: string): Prompts {
  const data = dataDirCandidates(bin);
  const fromEnv = process.env.ASTERISK_DATADIR ? [process.env.ASTERISK_DATADIR] : [];
  const installation = data.filter((d) => !fromEnv.includes(d));
  const sounds = [...fromEnv.map((d) => path.join(d, 'sounds')), DEBIAN_SOUNDS, ...installation.map((d) => path.join(d, 'sounds'))];
  const moh = [...fromEnv.map((d) => path.join(d, 'moh')), DEBIAN_MOH, ...installation.map((d) => path.join(d, 'moh'))];
  return { sounds: sounds.find(hasPrompts) ?? null, moh: moh.find(hasMusic) ?? null, searched: { sounds, moh } };
}

/** Why Asterisk cannot be given prompts or music on hold, or null when it can. */
export function missingPrompts(prompts: Prompts): string | null {
  const missing = [!prompts.sounds && `no English prompts (en/vm-intro.*) in ${prompts.searched.sounds.join(', ')}`, !prompts.moh && `no music on hold in ${prompts.searched.moh.join(', ')}`].filter(
    Boolean,
  );
  if (!missing.length) return null;
  return (
    `${missing.join('; ')}. Install Debian's asterisk-core-sounds-en-wav and asterisk-moh-opsound-wav ` +
    `(they fill ${DEBIAN_SOUNDS} and ${DEBIAN_MOH}), or set ASTERISK_DATADIR to a directory with sounds/ and moh/`
  );
}

const said = new Set<string>();
/** Prints why an e2e block is skipped, once per process. */
export function skipNote(message: string): void {
  if (said.has(message)) return;
  said.add(message);
  console.log(message);
}

/**
 * The binaries an e2e file needs, saying once why it skips when one is
 * missing. An Asterisk with no prompts or music on hold to give it counts as
 * missing: voicemail and music on hold could not work, and the note says what
 * to install.
 */
export function e2eBinaries(): { ASTERISK: string | null; PJSUA: string | null } {
  let ASTERISK = findAsterisk();
  const PJSUA = findPjsua();
  const noPrompts = ASTERISK ? missingPrompts(findPrompts(ASTERISK)) : null;
  if (!ASTERISK) skipNote('e2e skipped: no Asterisk binary (set ASTERISK_BIN)');
  else if (noPrompts) {
    skipNote(`e2e skipped: Asterisk ${ASTERISK} found, but ${noPrompts}`);
    ASTERISK = null;
  } else if (!PJSUA) skipNote('e2e phone tests skipped: no pjsua binary (set PJSUA_BIN)');
  return { ASTERISK, PJSUA };
}
