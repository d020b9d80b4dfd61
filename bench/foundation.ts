// Benchmarks of the foundation (issue: batch create, XLSX import, list with relations).
// Figures are printed, never asserted. Run: npm run bench
import { monitorEventLoopDelay } from 'node:perf_hooks';
import ExcelJS from 'exceljs';
import { ADMIN_PASSWORD, startTestServer, type TestServer } from '../test/support/server.js';
import { uploadFile } from '../test/support/upload.js';

const ms = (n: number) => `${n.toFixed(0)} ms`;
/** Requests of the list measured (each followed by one raw query). */
const LIST_RUNS = 15;

async function timed<T>(fn: () => Promise<T>): Promise<[T, number]> {
  const started = performance.now();
  const value = await fn();
  return [value, performance.now() - started];
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

    // 3. List 4,000 extensions with department and dial permission.
    const depts = await b.gql(
      `mutation { createDepartment(input: { name: "Sales", number: "0400", ringStrategy: RING_ALL, ringTimeSeconds: 20, noAnswerDestination: { type: HANGUP }, members: ["1000", "1001", "1002"] }) { __typename } }`,
      {},
      b.adminToken,
    );
    if (depts.data.createDepartment.__typename !== 'MutationCreateDepartmentSuccess') throw new Error(JSON.stringify(depts));
    const query = `{ extensions(first: 4000) { totalCount edges { node { id number name outboundCallerId1 outboundCallerId2 departments { name } dialPermission { name } } } } }`;
    const db = b.running.services.db;
    const sql = `SELECT e.id, e.number, e.name, e."outboundCallerId1", e."outboundCallerId2", p.name AS permission, d.name AS department
      FROM "Extension" e JOIN "DialPermission" p ON p.id = e."dialPermissionId"
      LEFT JOIN "DepartmentMember" m ON m."extensionId" = e.id LEFT JOIN "Department" d ON d.id = m."departmentId" ORDER BY e.number`;
    const list = async () => {
      const res = await b.gql(query, {}, b.adminToken);
      if (res.data?.extensions?.edges.length !== 4000) throw new Error(`list: ${JSON.stringify(res).slice(0, 400)}`);
    };
    const rawQuery = async () => {
      const rows = await db.prisma.$queryRawUnsafe<unknown[]>(sql);
      if (rows.length < 4000) throw new Error('raw');
    };
    // Warm-up (the first request compiles the query), then the two measured in turn, so that a
    // machine busy with other work slows both alike.
    for (let i = 0; i < 3; i++) {
      await list();
      await rawQuery();
    }
    const runs: number[] = [];
    const raw: number[] = [];
    let sqlPerRequest = 0;
    for (let i = 0; i < LIST_RUNS; i++) {
      const before = db.queryCount();
      runs.push((await timed(list))[1]);
      sqlPerRequest = db.queryCount() - before;
      raw.push((await timed(rawQuery))[1]);
    }
    const median = (xs: number[]) => [...xs].sort((x, y) => x - y)[Math.floor(xs.length / 2)]!;
    print(
      `list 4,000 extensions with department and dial permission: GraphQL over HTTP ${ms(median(runs))} (median of ${LIST_RUNS}), one raw SQL query ${ms(median(raw))}, ratio ${(median(runs) / median(raw)).toFixed(1)}x; SQL statements per GraphQL request: ${sqlPerRequest} (including the token check)`,
    );
  } finally {
    await b.stop();
  }
  void ADMIN_PASSWORD;
  return lines;
}
