import { liveChannelVariables } from '../live/calls.js';
import type { PbxSnapshot } from './snapshot.js';
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

/**
 * modules.conf: load every module installed; what a module needs it finds in
 * its own file. With the SQLite store the PostgreSQL realtime driver is not
 * loaded: it would look for res_pgsql.conf, which is not rendered then.
 */
export function renderModules(snapshot: PbxSnapshot): string {
  const unused = snapshot.connection.realtime?.driver === 'sqlite3' ? [['noload', 'res_config_pgsql.so'] as [string, string]] : [];
  return file(section('modules', [['autoload', true], ...unused]));
}
