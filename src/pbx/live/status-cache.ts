import type { ExtensionStatus } from './status.js';

/**
 * The status of each extension as one object until it changes: the bus event
 * that announces a status and every subscriber that reads it as its current
 * state then hold the same object, which the subscriptions execute once for
 * all. Forgotten when what it is made of changes: the live state of its number,
 * the configured extensions, or the connection to Asterisk.
 */
export class StatusCache {
  private readonly statuses = new Map<string, ExtensionStatus>();
  private connected = false;
  private changes = 0;

  get(number: string, connected: boolean, compute: () => ExtensionStatus): ExtensionStatus {
    this.follow(connected);
    let status = this.statuses.get(number);
    if (!status) this.statuses.set(number, (status = compute()));
    return status;
  }

  /** Changes with every status that may have changed: while it stays, every status is the object it was. */
  version(connected: boolean): number {
    this.follow(connected);
    return this.changes;
  }

  forget(numbers: Iterable<string>): void {
    this.changes += 1;
    for (const number of numbers) this.statuses.delete(number);
  }

  forgetAll(): void {
    this.changes += 1;
    this.statuses.clear();
  }

  private follow(connected: boolean): void {
    if (connected === this.connected) return;
    this.forgetAll();
    this.connected = connected;
  }
}
