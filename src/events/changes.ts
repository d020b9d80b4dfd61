import type { ChangeScope } from '../pbx/apply/applier.js';

/**
 * "The configuration changed": domain services call notify() after a write
 * commits; the apply engine listens (ARCHITECTURE, data flow).
 */
export class ConfigChanges {
  private listeners: ((source: string, scope?: ChangeScope) => void)[] = [];

  /** `scope`: the rows whose pushed objects changed, so that the apply can push them alone (src/pbx/apply). */
  notify(source: string, scope?: ChangeScope): void {
    for (const listener of this.listeners) listener(source, scope);
  }

  subscribe(listener: (source: string, scope?: ChangeScope) => void): () => void {
    this.listeners.push(listener);
    return () => {
      this.listeners = this.listeners.filter((l) => l !== listener);
    };
  }
}
