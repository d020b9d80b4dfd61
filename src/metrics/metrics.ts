import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';
import { queryPlanStats } from '../db/query-plan-cache.js';
import type { ApplyReport } from '../pbx/apply/applier.js';

/** What the metrics read when scraped: the connections' state right now; null without Asterisk (no ARI_URL): no such metric then. */
export type MetricsSources = {
  ariConnected: (() => boolean) | null;
  amiConnected: (() => boolean) | null;
};

/**
 * The server's Prometheus metrics (GET /metrics): one registry per server
 * instance, so several servers in one process (the tests) keep theirs apart.
 * Labels are bounded by the schema and the code, never by what a client sends:
 * requests are labelled by their root field, not by their operation name.
 */
export class Metrics {
  readonly registry = new Registry();
  readonly requests: Counter<'type' | 'field' | 'outcome'>;
  readonly requestSeconds: Histogram<'type' | 'field'>;
  readonly applies: Counter<'outcome'>;
  readonly applySeconds: Histogram<'outcome'>;
  readonly reloadedModules: Counter<'module'>;
  readonly subscriptions: Gauge<'field'>;
  readonly subscriptionDeliveries: Counter<'field'>;
  readonly busEvents: Counter<'topic'>;

  constructor(sources: MetricsSources) {
    const registers = [this.registry];
    collectDefaultMetrics({ register: this.registry, prefix: 'pbx_' });
    this.requests = new Counter({
      name: 'pbx_graphql_requests_total',
      help: 'GraphQL operations executed, by type, root field and outcome (ok; rejected: a mutation answered with a typed error; error: the answer has errors)',
      labelNames: ['type', 'field', 'outcome'],
      registers,
    });
    this.requestSeconds = new Histogram({
      name: 'pbx_graphql_request_duration_seconds',
      help: 'Execution time of GraphQL queries and mutations, by root field',
      labelNames: ['type', 'field'],
      registers,
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
    });
    this.applies = new Counter({ name: 'pbx_apply_total', help: 'Configuration applies, by outcome', labelNames: ['outcome'], registers });
    this.applySeconds = new Histogram({
      name: 'pbx_apply_duration_seconds',
      help: 'Duration of configuration applies (render, check, write, reload)',
      labelNames: ['outcome'],
      registers,
      buckets: [0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
    });
    this.reloadedModules = new Counter({ name: 'pbx_apply_reloaded_modules_total', help: 'Asterisk modules reloaded by applies', labelNames: ['module'], registers });
    this.subscriptions = new Gauge({ name: 'pbx_graphql_subscriptions', help: 'Open GraphQL subscriptions, by root field', labelNames: ['field'], registers });
    this.subscriptionDeliveries = new Counter({ name: 'pbx_graphql_subscription_deliveries_total', help: 'Results delivered to subscribers, by root field', labelNames: ['field'], registers });
    this.busEvents = new Counter({ name: 'pbx_bus_events_published_total', help: 'Events published on the event bus, by topic', labelNames: ['topic'], registers });
    new Counter({
      name: 'pbx_db_query_plans_total',
      help: 'Database queries by where their plan came from: kept (a read asked before) or compiled; for the whole process',
      labelNames: ['source'],
      registers,
      collect() {
        const stats = queryPlanStats();
        this.reset();
        this.inc({ source: 'kept' }, stats.kept);
        this.inc({ source: 'compiled' }, stats.compiled);
      },
    });
    if (sources.ariConnected) connectionGauge(this.registry, 'pbx_asterisk_ari_connected', 'Whether the ARI connection is up (1) or down (0)', sources.ariConnected);
    if (sources.amiConnected) connectionGauge(this.registry, 'pbx_asterisk_ami_connected', 'Whether the AMI connection is up (1) or down (0)', sources.amiConnected);
  }

  recordApply(report: Pick<ApplyReport, 'outcome' | 'startedAt' | 'finishedAt' | 'reloadedModules'>): void {
    this.applies.inc({ outcome: report.outcome });
    this.applySeconds.observe({ outcome: report.outcome }, (report.finishedAt.getTime() - report.startedAt.getTime()) / 1000);
    for (const module of report.reloadedModules) this.reloadedModules.inc({ module });
  }

  text(): Promise<string> {
    return this.registry.metrics();
  }

  get contentType(): string {
    return this.registry.contentType;
  }
}

function connectionGauge(registry: Registry, name: string, help: string, read: () => boolean): void {
  new Gauge({
    name,
    help,
    registers: [registry],
    collect() {
      this.set(read() ? 1 : 0);
    },
  });
}
