import type { PrismaClient } from '../../db/client.js';
import type { EventBus } from '../../events/bus.js';
import type { Logger } from '../../logger.js';
import { QueueAgentService } from './agents.js';
import { readQueueConfigs } from './config.js';
import { QueueLiveService, type QueueAmi } from './service.js';

/** The live queue state and the agent controls of one server, wired to the database, the bus and AMI. */
export class QueueLive {
  readonly state: QueueLiveService;
  readonly agents: QueueAgentService;
  private changes: ReturnType<EventBus['subscribe']> | null = null;

  constructor(private readonly deps: { prisma: PrismaClient; bus: EventBus; log: Logger; ami: QueueAmi | null }) {
    this.state = new QueueLiveService({ readQueues: () => readQueueConfigs(deps.prisma), bus: deps.bus, log: deps.log, ami: deps.ami });
    this.agents = new QueueAgentService({ prisma: deps.prisma, ami: deps.ami, live: this.state });
  }

  async start(): Promise<void> {
    await this.state.start();
    // Queues and their agents are stored by the queue domain; an extension renumbered is another agent interface.
    const changes = this.deps.bus.subscribe('configChanged');
    this.changes = changes;
    void (async () => {
      for await (const change of changes) if (/^(queue|extension)/.test(change.source)) void this.state.refresh();
    })();
  }

  stop(): void {
    void this.changes?.return?.();
    this.changes = null;
    this.state.stop();
  }
}
