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

  get(number: string, connected: boolean, compute: () => ExtensionStatus): ExtensionStatus {
    if (connected !== this.connected) {
      this.statuses.clear();
      this.connected = connected;
    }
    let status = this.statuses.get(number);
    if (!status) this.statuses.set(number, (status = compute()));
    return status;
  }

  forget(numbers: Iterable<string>): void {
    for (const number of numbers) this.statuses.delete(number);
  }

  forgetAll(): void {
    this.statuses.clear();
  }
}
