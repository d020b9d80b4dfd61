import { liveChannelVariables } from '../live/calls.js';
import type { PbxSnapshot, RealtimeStore } from './snapshot.js';
import { file, section } from './text.js';

/** rtp.conf: the RTP port range, ICE and STUN (F-4.6.2.a). */
export function renderRtp(snapshot: PbxSnapshot): string {
  const sip = snapshot.settings.sip;
  return file(
    section('general', [
      ['rtpstart', sip.rtpPortStart],
      ['rtpend', sip.rtpPortEnd],
      ['icesupport', sip.iceEnabled],
      ['stunaddr', sip.stunServer],
    ]),
  );
}

/** http.conf: the HTTP server that carries ARI, on loopback unless configured otherwise. */
export function renderHttp(snapshot: PbxSnapshot): string {
  const c = snapshot.connection;
  return file(
    section('general', [
      ['enabled', true],
      ['bindaddr', c.httpBindAddress],
      ['bindport', c.httpPort],
    ]),
  );
}

/** ari.conf: this server's own ARI user. */
export function renderAri(snapshot: PbxSnapshot): string {
  const c = snapshot.connection;
  return file(
    section('general', [
      ['enabled', true],
      ['pretty', false],
      // Channel objects (listings and events) carry these, so the live calls survive a reconnect.
      ['channelvars', liveChannelVariables.join(',')],
    ]),
    section(c.ariUsername, [
      ['type', 'user'],
      ['read_only', false],
      ['password', c.ariPassword],
    ]),
  );
}

/** manager.conf: this server's own AMI user, for what ARI lacks. */
export function renderManager(snapshot: PbxSnapshot): string {
  const c = snapshot.connection;
  return file(
    section('general', [
      ['enabled', true],
      ['port', c.amiPort],
      ['bindaddr', c.amiBindAddress],
      ['displayconnects', false],
    ]),
    section(c.amiUsername, [
      ['secret', c.amiPassword],
      ['deny', '0.0.0.0/0.0.0.0'],
      ['permit', `${c.amiBindAddress === '0.0.0.0' ? '0.0.0.0/0.0.0.0' : '127.0.0.1/255.255.255.255'}`],
      ['read', 'all'],
      ['write', 'all'],
    ]),
  );
}

/** The realtime drivers, each with the file it reads (rendered only for the driver of the store in use). */
const realtimeDrivers: Record<RealtimeStore['driver'], string> = { sqlite3: 'res_config_sqlite3.so', pgsql: 'res_config_pgsql.so' };

/**
 * modules.conf: load every module installed; what a module needs it finds in
 * its own file. Only the realtime driver of the store is loaded: another would
 * look for its own file (res_pgsql.conf, res_config_sqlite3.conf), which is
 * not rendered then.
 */
export function renderModules(snapshot: PbxSnapshot): string {
  const driver = snapshot.connection.realtime?.driver;
  const unused = Object.entries(realtimeDrivers)
    .filter(([name]) => name !== driver)
    .map(([, module]): [string, string] => ['noload', module]);
  return file(section('modules', [['autoload', true], ...unused]));
}
