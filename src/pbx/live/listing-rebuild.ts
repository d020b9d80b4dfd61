/**
 * Reads a live state again from Asterisk's listings, one run at a time:
 * asking during a run makes it run once more when it ends (while `keepGoing`
 * holds), and events that arrive during a run are held (up to `maxHeld`) and
 * applied after it, on top of what the listing said. A failed read is
 * handed to `onError`; `run()` never rejects.
 */
export class ListingRebuild<Event> {
  private running: Promise<void> | null = null;
  private again = false;
  private readonly held: Event[] = [];

  constructor(
    private readonly options: {
      read(): Promise<void>;
      apply(event: Event): void;
      keepGoing(): boolean;
      onError(error: unknown): void;
      maxHeld: number;
    },
  ) {}

  /** Holds the event while a run is under way (true); false: none is, apply it now. */
  hold(event: Event): boolean {
    if (!this.running) return false;
    if (this.held.length < this.options.maxHeld) this.held.push(event);
    return true;
  }

  run(): Promise<void> {
    if (this.running) {
      this.again = true;
      return this.running;
    }
    const run = this.runOnce();
    this.running = run;
    return run;
  }

  private async runOnce(): Promise<void> {
    try {
      do {
        this.again = false;
        await this.options.read();
      } while (this.again && this.options.keepGoing());
    } catch (error) {
      this.options.onError(error);
    } finally {
      this.running = null;
      for (const event of this.held.splice(0)) this.options.apply(event);
    }
  }
}
