import { Worker } from 'node:worker_threads';

export type QrPoolOptions = {
  /** Threads at most, so renders at once at most; more wait in order. */
  size: number;
  /** A thread idle this long ends (the next render starts one again). */
  idleMs: number;
  /** The worker script: plain JavaScript, so it runs under tsx, vitest and node alike. */
  workerUrl: URL;
};

type Task = { id: number; text: string; options: object; resolve(dataUrl: string): void; reject(error: Error): void };
type Slot = { worker: Worker; task: Task | null; idleTimer: NodeJS.Timeout | null };
type Answer = { id: number; dataUrl?: string; error?: string };

/**
 * A few worker threads rendering QR codes to PNG data URLs, so that rendering never holds the event loop.
 * Threads start on demand up to `size`, each renders one image at a time and the others wait in order;
 * an idle thread does not keep the process alive and ends after `idleMs`. close() ends them all and fails
 * what waits; a later render starts the pool again.
 */
export class QrRenderPool {
  private readonly slots = new Set<Slot>();
  private readonly queue: Task[] = [];
  private nextId = 1;

  constructor(private readonly options: QrPoolOptions) {}

  render(text: string, options: object): Promise<string> {
    return new Promise((resolve, reject) => {
      this.queue.push({ id: this.nextId++, text, options, resolve, reject });
      this.dispatch();
    });
  }

  /** Threads running now (for tests and diagnostics). */
  get threads(): number {
    return this.slots.size;
  }

  /** Ends every thread; renders waiting or running fail. */
  async close(): Promise<void> {
    const error = new Error('The QR renderer stopped');
    for (const task of this.queue.splice(0)) task.reject(error);
    const slots = [...this.slots];
    this.slots.clear();
    await Promise.all(
      slots.map(async (slot) => {
        if (slot.idleTimer) clearTimeout(slot.idleTimer);
        slot.task?.reject(error);
        slot.task = null;
        await slot.worker.terminate();
      }),
    );
  }

  private dispatch(): void {
    while (this.queue.length > 0) {
      let slot = [...this.slots].find((s) => !s.task);
      if (!slot) {
        if (this.slots.size >= this.options.size) return;
        slot = this.spawn();
      }
      this.assign(slot, this.queue.shift()!);
    }
  }

  private assign(slot: Slot, task: Task): void {
    if (slot.idleTimer) clearTimeout(slot.idleTimer);
    slot.idleTimer = null;
    slot.task = task;
    slot.worker.ref();
    slot.worker.postMessage({ id: task.id, text: task.text, options: task.options });
  }

  private spawn(): Slot {
    // Plain node for plain JavaScript: not the parent's flags (tsx's loader would take the thread twice as long to start).
    const worker = new Worker(this.options.workerUrl, { execArgv: [] });
    const slot: Slot = { worker, task: null, idleTimer: null };
    worker.on('message', (answer: Answer) => {
      const task = slot.task;
      if (!task || task.id !== answer.id) return;
      slot.task = null;
      if (answer.error !== undefined) task.reject(new Error(`QR rendering failed: ${answer.error}`));
      else task.resolve(answer.dataUrl!);
      this.dispatch();
      if (!slot.task && this.slots.has(slot)) this.idle(slot);
    });
    worker.on('error', (error) => this.lose(slot, error));
    worker.on('exit', (code) => this.lose(slot, new Error(`The QR rendering thread ended (exit code ${code})`)));
    this.slots.add(slot);
    return slot;
  }

  private idle(slot: Slot): void {
    slot.worker.unref();
    slot.idleTimer = setTimeout(() => {
      if (slot.task || !this.slots.delete(slot)) return;
      void slot.worker.terminate();
    }, this.options.idleMs);
    slot.idleTimer.unref();
  }

  /** A thread that failed or ended by itself: its render fails, the others go on (on a new thread if need be). */
  private lose(slot: Slot, error: Error): void {
    if (!this.slots.delete(slot)) return;
    if (slot.idleTimer) clearTimeout(slot.idleTimer);
    slot.task?.reject(error);
    slot.task = null;
    this.dispatch();
  }
}
