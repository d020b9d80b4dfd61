// Benchmarks of the foundation (issue: batch create, XLSX import, list with relations).
// Figures are printed, never asserted. Run: npm run bench
import { monitorEventLoopDelay } from 'node:perf_hooks';
import ExcelJS from 'exceljs';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openDatabase } from '../src/db/client.js';
import { createDatabase, startTestServer, testDatabase, type TestServer } from '../test/support/server.js';
import { uploadFile } from '../test/support/upload.js';
import { configureExtensions, serverCommand, spawnServer } from './server-process.js';

const ms = (n: number) => `${n.toFixed(0)} ms`;
/** Requests of the list measured (each followed by one raw query). */
const LIST_RUNS = 25;

async function timed<T>(fn: () => Promise<T>): Promise<[T, number]> {
  const started = performance.now();
  const value = await fn();
  return [value, performance.now() - started];
}

/**
 * Times `fn` and the longest stretch in it without a turn of the event loop, measured by turns
 * themselves: monitorEventLoopDelay's maximum misses a block that lasts to the end of its window.
 */
async function timedWithLongestGap<T>(fn: () => Promise<T>): Promise<[T, number, number]> {
  let last = performance.now();
  let longest = 0;
  let running = true;
  const turn = () => {
    const now = performance.now();
    longest = Math.max(longest, now - last);
    last = now;
    if (running) setImmediate(turn);
  };
  setImmediate(turn);
  const [value, took] = await timed(fn);
  running = false;
  return [value, took, Math.max(longest, performance.now() - last)];
}

async function widenUserRange(server: TestServer) {
  const r = await server.gql(`mutation { updateNumberingPlan(input: { userExtensionRange: { start: "1000", end: "8999" } }) { __typename } }`, {}, server.adminToken);
  if (r.data.updateNumberingPlan.__typename !== 'MutationUpdateNumberingPlanSuccess') throw new Error(JSON.stringify(r));
}

export async function benchFoundation(): Promise<string[]> {
  const lines: string[] = [];
  const print = (line: string) => {
    lines.push(line);
    console.log(line);
  };

  // 1. Batch-create 1,000 extensions in one mutation.
  const a = await startTestServer({ LOG_LEVEL: process.env.BENCH_LOG_LEVEL ?? 'silent' });
  try {
    await widenUserRange(a);
    const [r, t] = await timed(() =>
      a.gql(`mutation { createExtensions(input: { startNumber: "1000", count: 1000 }) { __typename ... on MutationCreateExtensionsSuccess { data { count } } } }`, {}, a.adminToken),
    );
    if (r.data.createExtensions.data?.count !== 1000) throw new Error(JSON.stringify(r));
    print(`batch-create 1,000 extensions (one mutation): ${ms(t)}`);
  } finally {
    await a.stop();
  }

  // 2. Import 4,000 XLSX rows, watching the event loop.
  const b = await startTestServer();
  try {
    await widenUserRange(b);
    const workbook = new ExcelJS.Workbook();
    const sheet = workbook.addWorksheet('extensions');
    sheet.addRow(['number', 'name', 'password', 'outboundCallerId1', 'codecs', 'pickupGroups']);
    for (let i = 0; i < 4000; i++) sheet.addRow([String(1000 + i), `User ${i}`, `Secret-${1000 + i}`, String(67290000 + i), 'ULAW,ALAW', '1,2']);
    const buffer = Buffer.from(await workbook.xlsx.writeBuffer());
    const loop = monitorEventLoopDelay({ resolution: 10 });
    loop.enable();
    const [r, t] = await timed(() =>
      uploadFile(
        b.graphqlUrl,
        b.adminToken,
        `mutation($file: File!) { importExtensions(file: $file) { __typename ... on MutationImportExtensionsSuccess { data { createdCount } } } }`,
        {},
        { name: 'x.xlsx', content: buffer, type: 'application/octet-stream' },
      ),
    );
    loop.disable();
    if (r.data.importExtensions.data?.createdCount !== 4000) throw new Error(JSON.stringify(r).slice(0, 500));
    print(`import 4,000 XLSX rows (${(buffer.length / 1024).toFixed(0)} KiB): ${ms(t)}; longest event-loop stall ${ms(loop.max / 1e6)}, p99 ${ms(loop.percentile(99) / 1e6)}`);

    // A department made at 4,000 extensions: the apply renders everything and checks the dialplan
    // (without Asterisk, as here, the extensions' objects go to files too).
    await b.running.services.applier.applyNow();
    const [report, applyTime, gap] = await timedWithLongestGap(async () => {
      const department = await b.gql(CREATE_DEPARTMENT, {}, b.adminToken);
      if (department.data?.createDepartment?.__typename !== 'MutationCreateDepartmentSuccess') throw new Error(JSON.stringify(department));
      return b.running.services.applier.applyNow();
    });
    print(`a new department at 4,000 extensions, from the mutation to its apply (${report.outcome}): ${ms(applyTime)}; longest time without a turn of the event loop ${ms(gap)}`);

    // The statements of one list request (counted in this process, where the server's database is).
    const statements = async () => {
      const before = b.running.services.db.queryCount();
      const listed = await b.gql(LIST_QUERY, {}, b.adminToken);
      if (listed.data?.extensions?.edges.length !== 4000) throw new Error(`list: ${JSON.stringify(listed).slice(0, 400)}`);
      return b.running.services.db.queryCount() - before;
    };
    // After the apply of the import (its statements are not the list's), the fewest of three: the
    // server's own background work (lease renewals) may add a statement.
    await b.running.services.applier.applyNow();
    const fewest = Math.min(await statements(), await statements(), await statements());
    print(`SQL statements of one request listing 4,000 extensions with department and dial permission: ${fewest} (the token check included)`);
  } finally {
    await b.stop();
  }

  await benchList(print);
  return lines;
}

const CREATE_DEPARTMENT = `mutation { createDepartment(input: { name: "Sales", number: "0400", ringStrategy: RING_ALL, ringTimeSeconds: 20, noAnswerDestination: { type: HANGUP }, members: ["1000", "1001", "1002"] }) { __typename } }`;
const LIST_QUERY = `{ extensions(first: 4000) { totalCount edges { node { id number name outboundCallerId1 outboundCallerId2 departments { name } dialPermission { name } } } } }`;
const LIST_SQL = `SELECT e.id, e.number, e.name, e."outboundCallerId1", e."outboundCallerId2", p.name AS permission, d.name AS department
  FROM "Extension" e JOIN "DialPermission" p ON p.id = e."dialPermissionId"
  LEFT JOIN "DepartmentMember" m ON m."extensionId" = e.id LEFT JOIN "Department" d ON d.id = m."departmentId" ORDER BY e.number`;

/**
 * 3. List 4,000 extensions with department and dial permission, from a server in a process of its own
 * as `npm start` runs it, against one raw SQL query of the same rows through Prisma in this process.
 * A request lasts until the last byte of the answer has arrived; the answer is checked afterwards
 * (this process's JSON parse is the client's work, not the server's).
 */
export async function benchList(print: (line: string) => void): Promise<void> {
  const dataDir = mkdtempSync(join(tmpdir(), 'pbx-bench-list-'));
  const database = await createDatabase(dataDir);
  const server = await spawnServer(serverCommand(print), testDatabase === 'postgres' ? { databaseUrl: database.url } : {});
  const url = testDatabase === 'postgres' ? database.url : `file:${join(server.dataDir, 'pbx.db')}`;
  const raw = openDatabase(url.startsWith('file:') ? { provider: 'sqlite', file: url.slice('file:'.length), url } : { provider: 'postgres', url });
  try {
    await configureExtensions(server, [{ start: 1000, count: 4000 }]);
    const department = await server.gql(CREATE_DEPARTMENT);
    if (department.data?.createDepartment?.__typename !== 'MutationCreateDepartmentSuccess') throw new Error(JSON.stringify(department));
    const list = async () => {
      const started = performance.now();
      const response = await fetch(server.graphqlUrl, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${server.token}` },
        body: JSON.stringify({ query: LIST_QUERY }),
      });
      const body = Buffer.from(await response.arrayBuffer());
      const took = performance.now() - started;
      const answer = JSON.parse(body.toString('utf8')) as { data?: { extensions?: { edges: { node: { departments: unknown[] } }[] } } };
      const edges = answer.data?.extensions?.edges ?? [];
      if (edges.length !== 4000 || edges[0]!.node.departments.length !== 1) throw new Error(`list: ${body.toString('utf8', 0, 400)}`);
      return { took, bytes: body.length };
    };
    const rawQuery = async () => {
      const started = performance.now();
      const rows = await raw.prisma.$queryRawUnsafe<unknown[]>(LIST_SQL);
      if (rows.length < 4000) throw new Error('raw');
      return performance.now() - started;
    };
    // Warm-up (the first request compiles the query), then the two measured in turn, so that a
    // machine busy with other work slows both alike.
    for (let i = 0; i < 3; i++) {
      await list();
      await rawQuery();
    }
    const runs: number[] = [];
    const rawRuns: number[] = [];
    let bytes = 0;
    for (let i = 0; i < LIST_RUNS; i++) {
      const measured = await list();
      runs.push(measured.took);
      bytes = measured.bytes;
      rawRuns.push(await rawQuery());
    }
    const median = (xs: number[]) => [...xs].sort((x, y) => x - y)[Math.floor(xs.length / 2)]!;
    print(
      `list 4,000 extensions with department and dial permission (${(bytes / 1024).toFixed(0)} KiB of JSON): GraphQL over HTTP from a server in its own process ${ms(median(runs))} (median of ${LIST_RUNS}), one raw SQL query ${ms(median(rawRuns))}, ratio ${(median(runs) / median(rawRuns)).toFixed(1)}x`,
    );
  } finally {
    await raw.close();
    await server.stop();
    await database.drop();
    rmSync(dataDir, { recursive: true, force: true });
  }
}
