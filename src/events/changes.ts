/**
 * "The configuration changed": domain services call notify() after a write
 * commits; the apply engine listens (ARCHITECTURE, data flow).
 */
export class ConfigChanges {
  private listeners: ((source: string) => void)[] = [];

  notify(source: string): void {
    for (const listener of this.listeners) listener(source);
  }

  subscribe(listener: (source: string) => void): () => void {
    this.listeners.push(listener);
    return () => {
      this.listeners = this.listeners.filter((l) => l !== listener);
    };
  }
}
