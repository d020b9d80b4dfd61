import type { PrismaClient } from '../db/client.js';
import type { EventBus } from '../events/bus.js';
import type { Logger } from '../logger.js';
import { AsteriskMailboxes, type VoicemailAmi } from './asterisk-mailboxes.js';
import { VoicemailDownloads } from './downloads.js';
import { MailboxMonitor } from './monitor.js';
import { VoicemailService } from './service.js';
import { VoicemailSpool } from './spool.js';

/** Voicemail of one server: the spool reader, Asterisk's mailbox actions, the monitor of changes and the download links. */
export class Voicemail {
  readonly spool: VoicemailSpool;
  readonly asterisk: AsteriskMailboxes;
  readonly monitor: MailboxMonitor;
  readonly downloads: VoicemailDownloads;
  readonly service: VoicemailService;

  constructor(deps: { prisma: PrismaClient; bus: EventBus; log: Logger; ami: VoicemailAmi | null; spoolDir: string; tokenSecret: string }) {
    this.spool = new VoicemailSpool(deps.spoolDir);
    this.asterisk = new AsteriskMailboxes(deps.ami);
    this.monitor = new MailboxMonitor({ spool: this.spool, bus: deps.bus, log: deps.log, ami: deps.ami });
    this.downloads = new VoicemailDownloads(deps.tokenSecret);
    this.service = new VoicemailService({ prisma: deps.prisma, spool: this.spool, asterisk: this.asterisk, monitor: this.monitor });
  }

  start(): Promise<void> {
    return this.monitor.start();
  }

  stop(): void {
    this.monitor.stop();
  }
}
