import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../support/server.js';
import { subscribe, until } from '../support/subscriptions.js';
import { startAriStandin, type AriStandin } from '../support/ari-standin/index.js';

let server: TestServer;
beforeAll(async () => {
  server = await startTestServer({ APPLY_DEBOUNCE_MS: '0' });
});
afterAll(() => server.stop());

async function scrape(token?: string): Promise<{ status: number; type: string | null; text: string }> {
  const response = await fetch(`${server.url}/metrics`, { headers: token ? { authorization: `Bearer ${token}` } : {} });
  return { status: response.status, type: response.headers.get('content-type'), text: await response.text() };
}

/** The value of one sample line, e.g. sample(text, 'pbx_apply_total{outcome="WRITTEN_NOT_RELOADED"}'); 0 when absent. */
function sample(text: string, series: string): number {
  const line = text.split('\n').find((l) => l.startsWith(`${series} `));
  return line ? Number(line.slice(series.length + 1)) : 0;
}

async function apiKey(scopes: string[]): Promise<string> {
  const result = await server.gql(
    `mutation($scopes: [Permission!]!) { createApiKey(name: "scraper-${scopes.join('-') || 'none'}", scopes: $scopes) { ... on MutationCreateApiKeySuccess { data { secret } } ... on Error { message } } }`,
    { scopes },
    server.adminToken,
  );
  const secret = result.data?.createApiKey?.data?.secret;
  if (!secret) throw new Error(JSON.stringify(result));
  return secret;
}

describe('GET /metrics', () => {
  it('is refused without a token and to a token that may not read the settings', async () => {
    expect((await scrape()).status).toBe(401);
    expect((await scrape('not-a-token')).status).toBe(401);
    expect((await scrape(await apiKey(['EXTENSIONS_READ']))).status).toBe(403);
  });

  it('answers Prometheus text to an API key with settings:read, with process and event-loop metrics', async () => {
    const { status, type, text } = await scrape(await apiKey(['SETTINGS_READ']));
    expect(status).toBe(200);
    expect(type).toMatch(/^text\/plain; version=0\.0\.4/);
    expect(text).toMatch(/^# TYPE pbx_nodejs_eventloop_lag_p99_seconds gauge$/m);
    expect(text).toMatch(/^# TYPE pbx_process_resident_memory_bytes gauge$/m);
    // No ARI_URL: no connection to report.
    expect(text).not.toContain('pbx_asterisk_ari_connected');
  });

  it('counts the database queries whose plan was kept and those compiled', async () => {
    const before = (await scrape(server.adminToken)).text;
    await server.gql('{ extensions(first: 5) { totalCount } }', {}, server.adminToken);
    await server.gql('{ extensions(first: 5) { totalCount } }', {}, server.adminToken);
    const after = (await scrape(server.adminToken)).text;
    const kept = 'pbx_db_query_plans_total{source="kept"}';
    expect(sample(after, kept)).toBeGreaterThanOrEqual(sample(before, kept) + 2);
    expect(sample(after, 'pbx_db_query_plans_total{source="compiled"}')).toBeGreaterThan(0);
  });

  it('counts operations by root field and outcome, never by the client-chosen operation name', async () => {
    const before = (await scrape(server.adminToken)).text;
    await server.gql('query WhoAmIWithAVeryUniqueName { me { username } }', {}, server.adminToken);
    await server.gql('query { me { username } noSuchField }', {}, server.adminToken);
    const after = (await scrape(server.adminToken)).text;
    const ok = 'pbx_graphql_requests_total{type="query",field="me",outcome="ok"}';
    expect(sample(after, ok)).toBe(sample(before, ok) + 1);
    expect(after).toMatch(/^pbx_graphql_request_duration_seconds_count\{type="query",field="me"\} \d+$/m);
    expect(after).not.toContain('WhoAmIWithAVeryUniqueName');
  });

  it('counts a mutation answered with a typed error as rejected, not ok', async () => {
    const before = (await scrape(server.adminToken)).text;
    const refused = await server.gql(`mutation { deleteExtensions(ids: ["x"]) { __typename } }`, {}, server.adminToken);
    expect(refused.data.deleteExtensions.__typename).toBe('NotFoundError');
    const done = await server.gql(`mutation { addBlacklistEntry(number: "+4977") { __typename } }`, {}, server.adminToken);
    expect(done.data.addBlacklistEntry.__typename).toBe('MutationAddBlacklistEntrySuccess');
    const after = (await scrape(server.adminToken)).text;
    const series = (field: string, outcome: string) => `pbx_graphql_requests_total{type="mutation",field="${field}",outcome="${outcome}"}`;
    expect(sample(after, series('deleteExtensions', 'rejected'))).toBe(sample(before, series('deleteExtensions', 'rejected')) + 1);
    expect(sample(after, series('deleteExtensions', 'ok'))).toBe(sample(before, series('deleteExtensions', 'ok')));
    expect(sample(after, series('addBlacklistEntry', 'ok'))).toBe(sample(before, series('addBlacklistEntry', 'ok')) + 1);
  });

  it('reports applies by outcome, and the bus events published', async () => {
    const before = (await scrape(server.adminToken)).text;
    const created = await server.gql(
      'mutation { createExtensions(input: { startNumber: "300", count: 2 }) { ... on MutationCreateExtensionsSuccess { data { count } } ... on Error { message } } }',
      {},
      server.adminToken,
    );
    expect(created.data?.createExtensions?.data?.count).toBe(2);
    const applied = 'pbx_apply_total{outcome="WRITTEN_NOT_RELOADED"}';
    let after = before;
    await until(
      async () => {
        after = (await scrape(server.adminToken)).text;
        return sample(after, applied) > sample(before, applied);
      },
      10_000,
      'an apply to be counted',
    );
    expect(sample(after, 'pbx_bus_events_published_total{topic="pbxApplied"}')).toBeGreaterThan(sample(before, 'pbx_bus_events_published_total{topic="pbxApplied"}'));
    expect(after).toMatch(/^pbx_apply_duration_seconds_count\{outcome="WRITTEN_NOT_RELOADED"\} \d+$/m);
  });

  it('follows a subscription: open while it runs, its deliveries counted, closed after', async () => {
    const open = 'pbx_graphql_subscriptions{field="extensionStatusChanged"}';
    const delivered = 'pbx_graphql_subscription_deliveries_total{field="extensionStatusChanged"}';
    const before = (await scrape(server.adminToken)).text;
    const subscription = subscribe(server.graphqlUrl, server.adminToken, 'subscription { extensionStatusChanged(numbers: ["300"]) { number state } }');
    await subscription.waitFor((r) => r.data?.extensionStatusChanged?.number === '300');
    const during = (await scrape(server.adminToken)).text;
    expect(sample(during, open)).toBe(sample(before, open) + 1);
    expect(sample(during, delivered)).toBeGreaterThan(sample(before, delivered));
    await subscription.close();
    await until(async () => sample((await scrape(server.adminToken)).text, open) === sample(before, open), 5000, 'the subscription to be counted closed');
  });
});

describe('GET /metrics with Asterisk configured', () => {
  let standin: AriStandin | undefined;
  let withAsterisk: TestServer | undefined;
  afterAll(async () => {
    await withAsterisk?.stop();
    await standin?.stop();
  });

  it('shows the ARI connection up, then down when Asterisk goes away', async () => {
    standin = await startAriStandin({ username: 'pbx', password: 'ari-test-pass' });
    withAsterisk = await startTestServer({ ARI_URL: standin.url, ARI_PASSWORD: 'ari-test-pass' });
    const read = async () => {
      const response = await fetch(`${withAsterisk!.url}/metrics`, { headers: { authorization: `Bearer ${withAsterisk!.adminToken}` } });
      return sample(await response.text(), 'pbx_asterisk_ari_connected');
    };
    await until(async () => (await read()) === 1, 10_000, 'ARI reported connected');
    await standin.stop();
    standin = undefined;
    await until(async () => (await read()) === 0, 10_000, 'ARI reported disconnected');
  });
});
