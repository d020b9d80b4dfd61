import type { ContactSource } from '../live/service.js';
import type { ContactFact } from '../live/store.js';
import type { AmiClient } from './client.js';
import { listContacts } from './contacts.js';

/**
 * AMI fills in what ARI lacks (D6): ARI has no listing of registered contacts
 * and its ContactStatusChange carries no user agent. PJSIPShowContacts gives
 * both, on every rebuild of the live state.
 */
export function amiContactSource(client: AmiClient): ContactSource {
  return {
    connected: () => client.connected(),
    onConnected: (listener) => void client.on('connected', listener),
    async listContacts(): Promise<ContactFact[]> {
      const contacts = await listContacts(client);
      return contacts.map((c) => ({ aor: c.aor, uri: c.uri, status: c.status, roundTripUsec: c.roundTripUsec, userAgent: c.userAgent }));
    },
  };
}
