import { applicationReplaced, type AriEvent } from './ari-events.js';
import type { ApplicationJson } from './snapshots.js';

/** One open `/ari/events` WebSocket, as the registry sees it. */
export interface EventSession {
  readonly apps: readonly string[];
  readonly subscribeAll: boolean;
  send(text: string): void;
}

export interface ConnectionInfo {
  apps: string[];
  subscribeAll: boolean;
  /** Apps this socket still owns; an app taken over by a newer socket drops out. */
  activeApps: string[];
}

interface Registration {
  session: EventSession;
  subscribeAll: boolean;
}

/**
 * Stasis applications by name. ARI allows one WebSocket per application: a
 * newer socket takes the name over, the older one gets ApplicationReplaced and
 * then nothing more for that app, though it stays open.
 */
export class ApplicationRegistry {
  private readonly registrations = new Map<string, Registration>();
  private readonly sessions = new Set<EventSession>();
  private sortedCache: [string, Registration][] | undefined;

  constructor(private readonly asteriskId: string) {}

  attach(session: EventSession): void {
    this.sessions.add(session);
    for (const app of session.apps) {
      const previous = this.registrations.get(app);
      if (previous && previous.session !== session) {
        this.deliver(previous.session, applicationReplaced(), app);
      }
      this.registrations.set(app, { session, subscribeAll: session.subscribeAll });
    }
    this.sortedCache = undefined;
  }

  detach(session: EventSession): void {
    this.sessions.delete(session);
    for (const [app, registration] of this.registrations) {
      if (registration.session === session) this.registrations.delete(app);
    }
    this.sortedCache = undefined;
  }

  clear(): void {
    this.sessions.clear();
    this.registrations.clear();
    this.sortedCache = undefined;
  }

  /** Sends to every subscribeAll application; apps without it would need explicit subscriptions. */
  publish(event: AriEvent): void {
    for (const [app, registration] of this.sorted()) {
      if (registration.subscribeAll) this.deliver(registration.session, event, app);
    }
  }

  /** Sends to the application `app` only (StasisStart, StasisEnd); false when no socket holds it. */
  publishTo(app: string, event: AriEvent): boolean {
    const registration = this.registrations.get(app);
    if (!registration) return false;
    this.deliver(registration.session, event, app);
    return true;
  }

  list(): ApplicationJson[] {
    return this.sorted().map(([name, registration]) => applicationJson(name, registration.subscribeAll));
  }

  get(name: string): ApplicationJson | undefined {
    const registration = this.registrations.get(name);
    return registration && applicationJson(name, registration.subscribeAll);
  }

  connections(): ConnectionInfo[] {
    return [...this.sessions].map((session) => ({
      apps: [...session.apps],
      subscribeAll: session.subscribeAll,
      activeApps: session.apps.filter((app) => this.registrations.get(app)?.session === session),
    }));
  }

  private deliver(session: EventSession, event: AriEvent, app: string): void {
    session.send(JSON.stringify(event.render(app, this.asteriskId)));
  }

  private sorted(): [string, Registration][] {
    this.sortedCache ??= [...this.registrations].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return this.sortedCache;
  }
}

function applicationJson(name: string, subscribeAll: boolean): ApplicationJson {
  const all = (topic: string): string[] => (subscribeAll ? [`__AST_${topic}_ALL_TOPIC`] : []);
  return {
    name,
    channel_ids: all('CHANNEL'),
    bridge_ids: all('BRIDGE'),
    endpoint_ids: all('ENDPOINT'),
    device_names: all('DEVICE_STATE'),
    events_allowed: [],
    events_disallowed: [],
  };
}
