import { mkdtempSync, rmSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import Sqlite from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it, onTestFinished } from 'vitest';
import { extensionLookupRows } from '../../src/extensions/lookup.js';
import { reloadModules, render } from '../../src/pbx/render/index.js';
import type { PbxSnapshot } from '../../src/pbx/render/snapshot.js';
import { smallSnapshot } from '../pbx/fixtures/snapshots.js';
import {
  allocatePorts,
  callState,
  configProblems,
  disconnected,
  freePort,
  freeUdpRange,
  RENDERED_FILES,
  e2eBinaries,
  pjsuaSupportsSrtp,
  startAsterisk,
  startPhone,
  withPorts,
  type Asterisk,
  type PbxPorts,
  type Phone,
  type PhoneOptions,
} from './support/index.js';

/**
 * The rendered configuration against a real Asterisk (and pjsua phones).
 * Without the binaries everything below is skipped at once: set ASTERISK_BIN
 * and PJSUA_BIN (or put them on PATH) to run it.
 */
const { ASTERISK, PJSUA } = e2eBinaries();

/** The files this snapshot renders (a SQLite store renders no res_pgsql.conf): Asterisk's problems with any of them count. */
const renderedBy = (snapshot: PbxSnapshot) => [...render(snapshot).files.keys()].filter((name) => RENDERED_FILES.includes(name));

/**
 * What Asterisk looks up at call time (realtime), for a snapshot made by hand:
 * tables with the names and columns of the server's views, holding the rows
 * the dialplan check follows (src/extensions/lookup.ts).
 */
function writeLookupStore(snapshot: PbxSnapshot, file: string): void {
  const db = new Sqlite(file);
  try {
    const rows = extensionLookupRows(snapshot);
    const columns = Object.keys(rows[0]!);
    db.exec(`CREATE TABLE pbx_extension_lookup (${columns.map((c) => `"${c}" TEXT`).join(', ')})`);
    const insert = db.prepare(`INSERT INTO pbx_extension_lookup VALUES (${columns.map(() => '?').join(', ')})`);
    for (const row of rows) insert.run(...columns.map((c) => row[c as keyof typeof row]));
    db.exec('CREATE TABLE pbx_voicemail_box (uniqueid TEXT, context TEXT, mailbox TEXT, password TEXT, fullname TEXT, email TEXT, pager TEXT)');
    const box = db.prepare("INSERT INTO pbx_voicemail_box VALUES (?, 'default', ?, ?, ?, ?, '')");
    for (const e of snapshot.extensions.filter((x) => x.voicemailEnabled)) box.run(e.id, e.number, e.voicemailPin, e.name, e.email);
  } finally {
    db.close();
  }
}

const report = (lines: string[]) => `Asterisk logged problems with the rendered configuration:\n${lines.join('\n')}`;

describe('e2e harness: which log lines count as problems', () => {
  const lines = [
    "[Nov 26 08:36:53] ERROR[856] res_pjsip_config_wizard.c: Unable to load config file 'pjsip_wizard.conf'",
    '[Nov 26 08:36:53] ERROR[856] loader.c: res_parking declined to load.',
    "[Nov 26 08:36:53] ERROR[856] res_sorcery_config.c: Could not create an object of type 'endpoint' with id '101' from configuration file 'pjsip.conf'",
    "[Nov 26 08:38:46] WARNING[2109][C-00000003] res_rtp_asterisk.c: PJ ICE Rx error status code: 70004 'Invalid value or argument (PJ_EINVAL)'.",
    '[Nov 26 08:36:54] ERROR[856] loader.c: res_pjsip declined to load.',
    '[Nov 26 08:37:37] NOTICE[1499] res_pjsip/pjsip_distributor.c: Request REGISTER failed - Failed to authenticate',
    '[Nov 26 08:37:37] WARNING[1499] res_pjsip/pjsip_distributor.c: something about an endpoint',
    "[Nov 26 08:47:47] ERROR[8398] config_options.c: Unable to load config file 'statsd.conf'",
    '[Nov 26 08:47:47] ERROR[8398] config_options.c: Error parsing allow=ulaw,nosuchcodec at line 24 of ',
  ];

  it('keeps our files and the modules they need, drops unrelated modules and notices', () => {
    expect(configProblems(lines, RENDERED_FILES)).toEqual([lines[2], lines[3], lines[4], lines[6], lines[8]]);
    // A parse error that names no file may be any of ours: it always counts.
    expect(configProblems(lines, ['musiconhold.conf'])).toEqual([lines[8]]);
  });
});

/** AMI: banner, Login, Logoff over a raw socket. */
async function amiLogin(port: number, username: string, secret: string): Promise<string> {
  const socket = connect({ host: '127.0.0.1', port });
  let text = '';
  socket.on('data', (c: Buffer) => (text += c.toString()));
  const until = (re: RegExp, ms = 5000) =>
    new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`AMI: no ${re} in ${JSON.stringify(text)}`)), ms);
      const check = () => {
        if (!re.test(text)) return;
        clearTimeout(timer);
        socket.off('data', check);
        resolve();
      };
      socket.on('data', check);
      socket.once('error', reject);
      check();
    });
  try {
    await until(/Asterisk Call Manager\/[\d.]+\r\n/);
    socket.write(`Action: Login\r\nUsername: ${username}\r\nSecret: ${secret}\r\nActionID: 1\r\n\r\n`);
    await until(/Response: (Success|Error)[\s\S]*?\r\n\r\n/);
    socket.write('Action: Logoff\r\nActionID: 2\r\n\r\n');
    return text;
  } finally {
    socket.destroy();
  }
}

describe.skipIf(!ASTERISK)('Asterisk loads the rendered configuration', () => {
  let pbx: Asterisk;
  let ports: PbxPorts;
  let storeDir: string;
  let RENDERED: string[];
  const snapshot = (): PbxSnapshot => {
    const base = withPorts(smallSnapshot(), ports);
    return { ...base, connection: { ...base.connection, realtime: { driver: 'sqlite3', file: path.join(storeDir, 'lookups.db') } } };
  };

  beforeAll(async () => {
    ports = await allocatePorts();
    storeDir = mkdtempSync(path.join(tmpdir(), `pbx-e2e-${process.pid}-lookups-`));
    writeLookupStore(snapshot(), path.join(storeDir, 'lookups.db'));
    RENDERED = renderedBy(snapshot());
    pbx = await startAsterisk({ bin: ASTERISK!, files: render(snapshot()).files, ports });
  }, 60_000);
  afterAll(async () => {
    await pbx?.stop();
    if (storeDir) rmSync(storeDir, { recursive: true, force: true });
  }, 20_000);

  it('boots with no warning or error about our files or the modules they need', () => {
    expect(pbx.logLines().some((l) => /Asterisk Ready/.test(l))).toBe(true);
    const problems = pbx.problems(RENDERED);
    expect(problems, report(problems)).toEqual([]);
  });

  it('has an endpoint for each enabled extension and none for the disabled one', async () => {
    const out = await pbx.cli('pjsip show endpoints');
    for (const n of ['100', '101', '102']) expect(out).toMatch(new RegExp(`Endpoint:\\s+${n}/${n}\\s`));
    expect(out).not.toMatch(/Endpoint:\s+103\//);
    expect(out).toMatch(/Objects found: 3/);
  });

  it('has an IAX2 friend for the extension with IAX2 on, and only for it', async () => {
    const out = await pbx.cli('iax2 show peers');
    expect(out).toMatch(/^102\s/m);
    expect(out).not.toMatch(/^100\s/m);
  });

  it('dials 100 from the internal context through the pattern of the range, which looks the extension up', async () => {
    const out = await pbx.cli('dialplan show 100@pbx-internal');
    expect(out).toMatch(/'_\[1-8\]XX' =>\s+hint: PJSIP\/\$\{EXTEN\}/);
    expect(out).toContain('Set(HASH(PBX_EXT)=${REALTIME_HASH(pbx_extension,number,${EXTEN})})');
    expect(out).toContain('Gosub(pbx-dial-extension,s,1(${EXTEN},${HASH(PBX_EXT,voicemail)},${HASH(PBX_EXT,recording)},${HASH(PBX_EXT,iax2)},${HASH(PBX_EXT,whitelist)}))');
    expect(out).toMatch(/-= 1 extension \(\d+ priorities\) in 1 context\. =-/);
    // The realtime store answers the lookup.
    expect(await pbx.cli('realtime load pbx_extension number 102')).toMatch(/iax2\s+1/);
  });

  it('runs res_pjsip', async () => {
    expect(await pbx.cli('module show like res_pjsip.so')).toMatch(/^res_pjsip\.so\s.*\sRunning\s/m);
  });

  it('lets this server in over ARI and AMI with the rendered credentials', async () => {
    const info = await pbx.ariRequest('GET', 'asterisk/info');
    expect(info.status).toBe(200);
    expect(JSON.parse(info.body)).toHaveProperty('system.version');
    const c = smallSnapshot().connection;
    expect(await amiLogin(pbx.amiPort, c.amiUsername, c.amiPassword)).toMatch(/Response: Success/);
  });

  it('reloads each file through ARI with the module name the renderer gives', async () => {
    const mark = pbx.logLines().length;
    for (const [file, module] of Object.entries(reloadModules)) {
      if (!module || !RENDERED.includes(file)) continue;
      const r = await pbx.ariRequest('PUT', `asterisk/modules/${module}`);
      expect({ file, module, status: r.status, body: r.body }).toEqual({ file, module, status: 204, body: '' });
    }
    const problems = pbx.problems(RENDERED, mark);
    expect(problems, report(problems)).toEqual([]);
  });

  describe.skipIf(!PJSUA)('with pjsua phones', () => {
    async function phone(options: Omit<PhoneOptions, 'bin' | 'localPort' | 'registrar' | 'sandbox'> & { registrar?: string }): Promise<Phone> {
      const p = startPhone({
        bin: PJSUA!,
        localPort: await freePort(),
        // pjsua would take 4000 for every instance.
        rtpPort: (await freeUdpRange(8)).start,
        registrar: `127.0.0.1:${ports.sipUdp}`,
        sandbox: pbx.sandbox,
        ...options,
      });
      onTestFinished(() => p.stop());
      return p;
    }

    it('registers 100 with its password', async () => {
      const p = await phone({ username: '100', password: 'Secret-100' });
      const reg = await p.waitForRegistration();
      expect(reg, p.tail()).toMatchObject({ ok: true, status: 200 });
    });

    it('refuses 100 with a wrong password', async () => {
      const p = await phone({ username: '100', password: 'not-the-password' });
      const reg = await p.waitForRegistration();
      expect(reg.ok, p.tail()).toBe(false);
      expect([401, 403]).toContain(reg.status);
    });

    it('refuses 101 from outside its trusted addresses (the fixture trusts 192.168.1.0/24 only)', async () => {
      const mark = pbx.logLines().length;
      const p = await phone({ username: '101', password: 'Secret-101', transport: 'tcp', registrar: `127.0.0.1:${ports.sipTcp}` });
      const reg = await p.waitForRegistration();
      expect(reg.ok, p.tail()).toBe(false);
      expect([401, 403]).toContain(reg.status);
      expect(pbx.logLines().slice(mark).join('\n')).toMatch(/Request 'REGISTER' from '<sip:101@127\.0\.0\.1>' failed .* - Not match Endpoint ACL/);
    });

    it('connects a call from 100 to 101 (TCP, SDES-SRTP) and hangs it up', async (ctx) => {
      if (!pjsuaSupportsSrtp(PJSUA!)) return ctx.skip(`${PJSUA} was built without SRTP (its --help lists no --use-srtp): this call cannot be made with it`);
      // 101 must register from loopback: render it again trusting 127.0.0.0/8, write what changed and reload its modules, as an apply would.
      const base = snapshot();
      const trusted = { ...base, extensions: base.extensions.map((e) => (e.number === '101' ? { ...e, trustedAddresses: ['127.0.0.0/8'] } : e)) };
      const mark = pbx.logLines().length;
      const before = render(base).files;
      const changed = new Map([...render(trusted).files].filter(([name, text]) => before.get(name) !== text));
      expect(changed.size).toBeGreaterThan(0);
      pbx.writeFiles(changed);
      for (const name of changed.keys()) expect((await pbx.ariRequest('PUT', `asterisk/modules/${reloadModules[name]}`)).status, name).toBe(204);

      const alice = await phone({ username: '100', password: 'Secret-100' });
      const bob = await phone({ username: '101', password: 'Secret-101', transport: 'tcp', registrar: `127.0.0.1:${ports.sipTcp}`, srtp: true, autoAnswer: 200 });
      expect(await alice.waitForRegistration(), alice.tail()).toMatchObject({ ok: true });
      expect(await bob.waitForRegistration(), bob.tail()).toMatchObject({ ok: true });

      await alice.call(`sip:101@127.0.0.1:${ports.sipUdp}`);
      await alice.waitFor(callState('CALLING'), 5000, { fromStart: true });
      await bob.waitFor(callState('CONFIRMED'), 10_000);
      await alice.waitFor(callState('CONFIRMED'), 10_000);
      await bob.waitFor(/SRTP started, keying=SDES/, 1000, { fromStart: true });

      alice.hangup();
      const [, , aliceCode] = await alice.waitFor(disconnected, 10_000);
      const [, , bobCode] = await bob.waitFor(disconnected, 10_000);
      expect([aliceCode, bobCode]).toEqual(['200', '200']);

      const problems = pbx.problems(RENDERED, mark);
      expect(problems, report(problems)).toEqual([]);
    });
  });

  it('boots again after a restart', async () => {
    const mark = pbx.logLines().length;
    await pbx.restart();
    expect(await pbx.cli('pjsip show endpoints')).toMatch(/Objects found: 3/);
    const problems = pbx.problems(RENDERED, mark);
    expect(problems, report(problems)).toEqual([]);
  });
});
