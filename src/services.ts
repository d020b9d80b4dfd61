import { setImmediate } from 'node:timers/promises';
import type { Config } from './config.js';
import type { Database } from './db/client.js';
import type { Logger } from './logger.js';
import { AccountService } from './auth/accounts.js';
import { ApiKeyService } from './auth/api-keys.js';
import { SessionService } from './auth/sessions.js';
import { LoginThrottle } from './auth/throttle.js';
import { loadTokenSecret, TokenSigner } from './auth/tokens.js';
import { AuditLog } from './audit/audit-log.js';
import { DepartmentService } from './departments/service.js';
import { createEventBus, type EventBus } from './events/bus.js';
import { ConfigChanges } from './events/changes.js';
import { ExtensionService } from './extensions/service.js';
import { MailboxFolders } from './voicemail/mailbox-folders.js';
import { TrunkService } from './trunks/service.js';
import { DialPermissionService } from './dial-permissions/service.js';
import { DialRuleService } from './dial-rules/service.js';
import { PinSetService } from './pin-sets/service.js';
import { InboundService } from './inbound/service.js';
import { FeatureCodeService } from './feature-codes/service.js';
import { ConfigApplier, type ApplyReport } from './pbx/apply/applier.js';
import { asteriskConnection } from './pbx/connection-settings.js';
import { AriConnection } from './pbx/ari/connection.js';
import { LiveService } from './pbx/live/service.js';
import { Lease } from './jobs/lease.js';
import { domains } from './domains/index.js';
import { AmiClient } from './pbx/ami/client.js';
import { amiSorceryBacklog } from './pbx/objects/pacing.js';
import { astdbStoredObjectWriter } from './pbx/objects/restore.js';
import { astdbAppliedStore } from './pbx/objects/applied-store.js';
import { amiAstdb, type Astdb } from './pbx/ami/astdb.js';
import { NumberKeyedState } from './extensions/number-keyed-state.js';
import { DoNotDisturb } from './feature-codes/do-not-disturb.js';
import { CallForwarding } from './call-forwarding/service.js';
import { objectTypeOrder, renderObjectsOf, restoredObjectTypes } from './pbx/objects/rows.js';
import { ObjectSync } from './pbx/objects/sync.js';
import { amiContactSource } from './pbx/ami/live-contacts.js';
import { lintRenderedInSlices } from './pbx/lint-rendered.js';
import { render } from './pbx/render/index.js';
import { readSnapshot } from './pbx/snapshot.js';
import { SettingsService } from './settings/service.js';
import { SettingsStore } from './settings/store.js';
import { SecurityService } from './security/service.js';
import { TimeRuleService } from './time-rules/service.js';
import { OfficePauseService } from './office-pause/service.js';
import { InboundCallService } from './pbx/live/call-service.js';
import { BlacklistService } from './blacklist/service.js';
import { WhitelistService } from './whitelists/service.js';
import { listenForBlacklistCodes } from './blacklist/stasis.js';
import { SoundService } from './sounds/service.js';
import { createPromptPhoneService } from './sounds/phone/index.js';
import { IvrService } from './ivr/service.js';
import { QueueService } from './queues/service.js';
import { QueueLive } from './queues/live/index.js';
import { CallService } from './calls/live/service.js';
import { readPbxNumbers } from './calls/live/pbx-numbers.js';
import { createCallControl } from './calls/control/index.js';
import { Webhooks } from './webhooks/index.js';
import { Voicemail } from './voicemail/index.js';
import { Records } from './records/index.js';
import { Metrics } from './metrics/metrics.js';
import { countedBus } from './metrics/bus.js';

/** The domain services one server instance runs with. */
export type Services = ReturnType<typeof createServices>;

export function createServices(config: Config, db: Database, log: Logger) {
  const store = new SettingsStore({ system: { maxIpExtensions: config.maxIpExtensions } }, log);
  const signer = new TokenSigner(loadTokenSecret(config.tokenSecret, config.dataDir), config.accessTokenTtlSeconds);
  const changes = new ConfigChanges();
  const connection = asteriskConnection(config);
  const ari = config.asterisk.ariUrl ? new AriConnection({ url: config.asterisk.ariUrl, username: connection.ariUsername, password: connection.ariPassword, app: config.asterisk.ariApp, log }) : null;
  const ami = ari ? new AmiClient({ host: config.asterisk.amiHost, port: config.asterisk.amiPort, username: connection.amiUsername, password: connection.amiPassword, logger: log }) : null;
  const astdb = ami ? amiAstdb(ami) : null;
  // Extensions' PJSIP objects go through ARI (D3); their fingerprints beside them in astdb, through AMI.
  const objects = ari
    ? new ObjectSync({
        target: ari,
        store: astdb && ami ? astdbAppliedStore(astdb, (listener) => ami.on('connected', listener)) : null,
        backlog: ami ? amiSorceryBacklog(ami) : null,
        restore: astdb ? { types: restoredObjectTypes(domains), write: astdbStoredObjectWriter(astdb), connected: () => astdb.connected() } : null,
        typeOrder: objectTypeOrder(domains),
        log,
      })
    : null;
  const metrics = new Metrics({ ariConnected: ari ? () => ari.connected() : null, amiConnected: ari ? () => ami?.connected() ?? false : null });
  const bus = countedBus(createEventBus(config.redisUrl, log), metrics);
  const applier = new ConfigApplier({
    configDir: config.asterisk.configDir,
    renderCurrent: async () => {
      const snapshot = await readSnapshot(db.prisma, store, connection);
      // Reading through SQLite's synchronous driver gives the event loop no turn; the render takes another 100 ms or more at 4,000 extensions.
      await setImmediate();
      return render(snapshot);
    },
    lint: lintRenderedInSlices,
    reloader: ari,
    objects,
    renderObjectsOf: (domain, ids) => renderObjectsOf({ prisma: db.prisma, settings: store, connection, registry: domains }, domain, ids),
    onApplied: (report) => {
      log.info({ revision: report.revision, outcome: report.outcome, changedFiles: report.changedFiles, reloadedModules: report.reloadedModules, error: report.error }, 'configuration applied');
      metrics.recordApply(report);
      if (report.pushedObjects.length || report.removedObjects.length) live.objectsApplied(report.pushedObjects, report.removedObjects);
      bus.publish('pbxApplied', applyReportJson(report));
    },
    log,
    debounceMs: config.applyDebounceMs,
  });
  const lease = new Lease(db.prisma, 'asterisk', config.leaseTtlMs, log);
  // Pushed objects were reconciled before AMI was there to tell what Asterisk holds: reconcile again now that it is.
  // Objects updated while AMI was away are stored again from their own fields (restore.ts).
  ami?.on('connected', () => {
    if (objects?.loadedBlind && lease.held()) void applier.reconcile().catch((err: unknown) => log.warn({ err }, 'reconciling pushed objects failed'));
    void objects?.writeOwedRestores().catch((err: unknown) => log.warn({ err }, 'writing again the stored copies of updated objects failed'));
  });
  const live = new LiveService({ prisma: db.prisma, bus, log, applier, ari, ami, contacts: ami ? amiContactSource(ami) : null, lease });
  // Outgoing webhooks; `webhooks.outbox` is what a service writes caused events to, in its own transaction.
  const webhooks = new Webhooks({ config: config.webhooks, db, bus, lease, log });
  // A change made on any instance reaches the one that holds the lease through the bus.
  changes.subscribe((source, scope) => bus.publish('configChanged', scope ? { source, scope } : { source }));
  if (ari) listenForBlacklistCodes(ari, new BlacklistService(db, changes), log);
  if (ami && astdb) followNumberKeyedState(ami, astdb, db, bus, log);
  void (async () => {
    for await (const event of bus.subscribe('configChanged')) {
      if (lease.held()) applier.markChanged(event.scope);
      if (event.source.startsWith('extensions'))
        void live
          .refreshExtensions(event.scope?.domain === 'extensions' ? event.scope.ids : undefined)
          .catch((err: unknown) => log.warn({ err }, 'reading the changed extensions for their live status failed'));
      if (event.source.startsWith('trunk')) void live.refreshTrunks();
    }
  })();
  const calls = new CallService({ ari, bus, log, readNumbers: () => readPbxNumbers(db.prisma) });
  return {
    metrics,
    lease,
    live,
    webhooks,
    config,
    db,
    log,
    bus,
    changes,
    applier,
    settings: new SettingsService(db, store, changes),
    security: new SecurityService({ db, store, changes, bus, log, lease, ami }),
    officePause: new OfficePauseService({ db, changes, bus, log, ari }),
    inboundCalls: new InboundCallService({ ari, bus, log }),
    calls,
    callControl: createCallControl({ prisma: db.prisma, calls: calls.directory, ari, ami, log }),
    extensions: new ExtensionService(db, store, changes, [new MailboxFolders(config.asterisk.spoolDir, log), { apply: async (numbers) => bus.publish('extensionNumbers', numbers) }]),
    departments: new DepartmentService(db, store, changes),
    trunks: new TrunkService(db, store, changes),
    dialRules: new DialRuleService(db, store, changes),
    dialPermissions: new DialPermissionService(db, store, changes),
    pinSets: new PinSetService(db, store, changes),
    timeRules: new TimeRuleService(db, store, changes),
    inbound: new InboundService(db, changes),
    blacklist: new BlacklistService(db, changes),
    whitelists: new WhitelistService(db, store, changes),
    sounds: new SoundService({ db, settings: store, changes, soundsDir: config.soundsDir, tokenSecret: loadTokenSecret(config.tokenSecret, config.dataDir) }),
    promptPhone: createPromptPhoneService(config, db, ari, log),
    ivrs: new IvrService(db, store, changes),
    queues: new QueueService(db, store, changes),
    queueLive: new QueueLive({ prisma: db.prisma, bus, log, ami }),
    voicemail: new Voicemail({ prisma: db.prisma, bus, log, ami, spoolDir: config.asterisk.spoolDir, tokenSecret: loadTokenSecret(config.tokenSecret, config.dataDir) }),
    records: new Records({
      db,
      bus,
      lease,
      log,
      settings: store,
      logDir: config.asterisk.logDir,
      spoolDir: config.asterisk.spoolDir,
      tokenSecret: loadTokenSecret(config.tokenSecret, config.dataDir),
      outbox: webhooks.outbox,
      asteriskConfigured: ari !== null,
    }),
    featureCodes: new FeatureCodeService(db, store, changes, log),
    doNotDisturb: new DoNotDisturb({ prisma: db.prisma, astdb, log }),
    callForwarding: new CallForwarding({ prisma: db.prisma, astdb, log }),
    sessions: new SessionService(db.prisma, signer, new LoginThrottle(db.prisma, config.login), config.refreshTokenTtlSeconds),
    apiKeys: new ApiKeyService(db.prisma),
    accounts: new AccountService(db.prisma),
    auditLog: new AuditLog(db.prisma, log),
  };
}

/** The apply report as it travels on the bus (JSON: it may cross Redis). */
export type ApplyReportJson = Omit<ApplyReport, 'startedAt' | 'finishedAt'> & { startedAt: string; finishedAt: string };
export function applyReportJson(report: ApplyReport): ApplyReportJson {
  return { ...report, startedAt: report.startedAt.toISOString(), finishedAt: report.finishedAt.toISOString() };
}

/** astdb's keys by extension number follow the extensions (src/extensions/number-keyed-state.ts) where AMI is connected. */
function followNumberKeyedState(ami: AmiClient, astdb: Astdb, db: Database, bus: EventBus, log: Logger): void {
  const state = new NumberKeyedState({
    astdb,
    families: () => domains.numberKeyedFamilies,
    currentNumbers: async () => new Set((await db.prisma.extension.findMany({ select: { number: true } })).map((r) => r.number)),
    log,
  });
  ami.on('connected', () => void state.sweep().catch((err: unknown) => log.warn({ err }, "removing astdb's keys of numbers no extension holds failed; tried again at the next connect")));
  void (async () => {
    for await (const changes of bus.subscribe('extensionNumbers', { lossless: true })) {
      await state
        .follow(changes)
        .catch((err: unknown) => log.warn({ err }, "moving or removing astdb's keys of renumbered or deleted extensions failed; the next connect removes what no extension holds"));
    }
  })();
}
