import type { EventEmitter } from 'node:events';
import type { Client } from 'ari-client';

export type ReceivedEvent = Record<string, unknown> & { type: string };

interface Waiter {
  predicate: (events: readonly ReceivedEvent[]) => boolean;
  resolve: () => void;
  reject: (error: Error) => void;
  timer: NodeJS.Timeout;
}

/** Test helper: records every event an ari-client receives, verbatim and in order. */
export class EventLog {
  readonly events: ReceivedEvent[] = [];
  private waiters: Waiter[] = [];

  constructor(client: Client) {
    // ari-client re-emits each parsed message as '*' before any typed event.
    (client as unknown as EventEmitter).on('*', (event: ReceivedEvent) => {
      this.events.push(event);
      this.waiters = this.waiters.filter((waiter) => {
        if (!waiter.predicate(this.events)) return true;
        clearTimeout(waiter.timer);
        waiter.resolve();
        return false;
      });
    });
  }

  /** Resolves once `predicate` holds for the events received so far. */
  until(predicate: (events: readonly ReceivedEvent[]) => boolean, description: string, timeoutMs = 5000): Promise<void> {
    if (predicate(this.events)) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.waiters = this.waiters.filter((waiter) => waiter.timer !== timer);
        reject(new Error(`timed out waiting for ${description}; got ${this.events.length} events`));
      }, timeoutMs);
      this.waiters.push({ predicate, resolve, reject, timer });
    });
  }

  /** Returns and forgets everything received so far. */
  take(): ReceivedEvent[] {
    return this.events.splice(0);
  }
}
