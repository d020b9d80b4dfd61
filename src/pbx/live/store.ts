import { EventEmitter } from 'node:events';
import type { AriDeviceState, AriEndpoint, AriEvent } from '../ari/types.js';
import { parseContactUri, type LiveContact, type LiveEndpoint } from './status.js';

export type ContactFact = { aor: string; uri: string; status: string; roundTripUsec: number | null; userAgent: string | null };

/**
 * What Asterisk is doing now (D6): PJSIP endpoints with their device state and
 * registered contacts. Rebuilt from listings on every (re)connect, then kept
 * current from ARI events. Emits 'changed' with the endpoint numbers touched.
 */
export class LiveStore extends EventEmitter {
  private endpoints = new Map<string, LiveEndpoint>();

  get(number: string): LiveEndpoint | undefined {
    return this.endpoints.get(number);
  }

  all(): LiveEndpoint[] {
    return [...this.endpoints.values()];
  }

  /** Replaces the whole state from listings (ARI endpoints and device states; contacts from AMI). */
  rebuild(endpoints: AriEndpoint[], deviceStates: AriDeviceState[], contacts: ContactFact[]): void {
    const before = new Set(this.endpoints.keys());
    const next = new Map<string, LiveEndpoint>();
    for (const e of endpoints) {
      if (e.technology !== 'PJSIP') continue;
      next.set(e.resource, { number: e.resource, endpointState: e.state, deviceState: 'UNKNOWN', contacts: [] });
    }
    for (const e of endpoints) {
      const endpoint = e.technology === 'IAX2' ? next.get(e.resource) : undefined;
      if (endpoint) endpoint.iax2 = { endpointState: e.state, deviceState: 'UNKNOWN' };
    }
    for (const d of deviceStates) {
      const device = deviceOf(d.name);
      const endpoint = device ? next.get(device.number) : undefined;
      if (!endpoint || !device) continue;
      if (device.technology === 'PJSIP') endpoint.deviceState = d.state;
      else endpoint.iax2 = { endpointState: endpoint.iax2?.endpointState ?? 'unknown', deviceState: d.state };
    }
    for (const c of contacts) {
      const endpoint = next.get(c.aor);
      if (endpoint) endpoint.contacts.push(contactOf(c.uri, c.status, c.roundTripUsec, c.userAgent));
    }
    this.endpoints = next;
    this.emit('changed', [...new Set([...before, ...next.keys()])]);
  }

  /** Applies one ARI event; returns the numbers it changed. */
  apply(event: AriEvent): string[] {
    switch (event.type) {
      case 'DeviceStateChanged': {
        const { name, state } = (event as Extract<AriEvent, { type: 'DeviceStateChanged' }>).device_state;
        const device = deviceOf(name);
        if (device?.technology === 'IAX2') return this.setIax2(device.number, { deviceState: state });
        const endpoint = this.endpointFor(device?.number ?? null);
        if (!endpoint || endpoint.deviceState === state) return [];
        endpoint.deviceState = state;
        return this.changed(endpoint.number);
      }
      case 'EndpointStateChange': {
        const e = (event as Extract<AriEvent, { type: 'EndpointStateChange' }>).endpoint;
        if (e.technology === 'IAX2') return this.setIax2(e.resource, { endpointState: e.state });
        const endpoint = e.technology === 'PJSIP' ? this.endpointFor(e.resource) : undefined;
        if (!endpoint || endpoint.endpointState === e.state) return [];
        endpoint.endpointState = e.state;
        return this.changed(endpoint.number);
      }
      case 'ContactStatusChange': {
        const { endpoint: e, contact_info: info } = event as Extract<AriEvent, { type: 'ContactStatusChange' }>;
        const endpoint = this.endpointFor(e.resource);
        if (!endpoint) return [];
        const existing = endpoint.contacts.find((c) => c.uri === info.uri);
        endpoint.endpointState = e.state;
        if (info.contact_status === 'Removed') {
          endpoint.contacts = endpoint.contacts.filter((c) => c.uri !== info.uri);
        } else {
          const rtt = info.roundtrip_usec !== undefined ? Number(info.roundtrip_usec) : null;
          const next = contactOf(info.uri, info.contact_status, rtt, existing?.userAgent ?? null);
          endpoint.contacts = existing ? endpoint.contacts.map((c) => (c.uri === info.uri ? next : c)) : [...endpoint.contacts, next];
        }
        return this.changed(endpoint.number);
      }
      default:
        return [];
    }
  }

  /**
   * Endpoints the server pushed or deleted through ARI's dynamic configuration:
   * Asterisk announces neither, so a new one is known here as offline until an
   * event says more, and a deleted one is gone.
   */
  endpointsPushed(created: string[], deleted: string[]): void {
    const touched: string[] = [];
    for (const number of created) {
      if (this.endpoints.has(number)) continue;
      this.endpoints.set(number, { number, endpointState: 'offline', deviceState: 'UNKNOWN', contacts: [] });
      touched.push(number);
    }
    for (const number of deleted) if (this.endpoints.delete(number)) touched.push(number);
    if (touched.length) this.emit('changed', touched);
  }

  /** Facts only AMI has (the user agent of a contact). */
  setUserAgent(aor: string, uri: string, userAgent: string | null): void {
    const endpoint = this.endpoints.get(aor);
    const contact = endpoint?.contacts.find((c) => c.uri === uri);
    if (!endpoint || !contact || contact.userAgent === userAgent) return;
    contact.userAgent = userAgent;
    this.changed(aor);
  }

  clear(): void {
    const numbers = [...this.endpoints.keys()];
    this.endpoints.clear();
    if (numbers.length) this.emit('changed', numbers);
  }

  private endpointFor(number: string | null): LiveEndpoint | undefined {
    if (!number) return undefined;
    let endpoint = this.endpoints.get(number);
    if (!endpoint) {
      endpoint = { number, endpointState: 'unknown', deviceState: 'UNKNOWN', contacts: [] };
      this.endpoints.set(number, endpoint);
    }
    return endpoint;
  }

  /** The IAX2 peer of an extension (only extensions with a PJSIP endpoint are tracked). */
  private setIax2(number: string, change: Partial<NonNullable<LiveEndpoint['iax2']>>): string[] {
    const endpoint = this.endpoints.get(number);
    if (!endpoint) return [];
    const before = endpoint.iax2 ?? { endpointState: 'unknown', deviceState: 'UNKNOWN' };
    const next = { ...before, ...change };
    if (next.endpointState === before.endpointState && next.deviceState === before.deviceState && endpoint.iax2) return [];
    endpoint.iax2 = next;
    return this.changed(number);
  }

  private changed(number: string): string[] {
    this.emit('changed', [number]);
    return [number];
  }
}

/** PJSIP/101 or IAX2/101 → the technology and the extension number; other devices are not extensions. */
function deviceOf(name: string): { technology: 'PJSIP' | 'IAX2'; number: string } | null {
  for (const technology of ['PJSIP', 'IAX2'] as const) if (name.startsWith(`${technology}/`)) return { technology, number: name.slice(technology.length + 1) };
  return null;
}

function contactOf(uri: string, status: string, roundTripUsec: number | null, userAgent: string | null): LiveContact {
  return { uri, ...parseContactUri(uri), status, roundTripUsec: Number.isFinite(roundTripUsec) ? roundTripUsec : null, userAgent };
}
