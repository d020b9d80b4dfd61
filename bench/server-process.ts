// A server under measure, run as `npm start` runs it, in a process of its own: its memory and CPU
// are its own, and the clients (in the bench process) do not share its core.
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { createWriteStream, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const repositoryRoot = fileURLToPath(new URL('..', import.meta.url));
const BENCH_ADMIN_PASSWORD = 'admin-pass-for-bench';
export const sleep = (milliseconds: number) => new Promise((resolve) => setTimeout(resolve, milliseconds));

/** Waits until `done()` or `timeoutMs`; false on timeout. Never throws: what arrived by then is a figure too. */
export async function waitUntil(done: () => boolean | Promise<boolean>, timeoutMs: number): Promise<boolean> {
  const deadline = performance.now() + timeoutMs;
  while (!(await done())) {
    if (performance.now() > deadline) return false;
    await sleep(10);
  }
  return true;
}

export type ProcessFigures = { rssMb: number; peakRssMb: number; cpuMs: number };

/** A process's resident memory now and at its peak (VmHWM) and its CPU time so far, from Linux's /proc; null elsewhere or once it is gone. */
export function processFigures(pid: number): ProcessFigures | null {
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    const mb = (field: string) => Number(new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(status)?.[1]) / 1024;
    // After the command in parentheses: field 3 (state) is [0], utime (14) and stime (15) are [11] and [12], in ticks of 10 ms.
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return { rssMb: mb('VmRSS'), peakRssMb: mb('VmHWM'), cpuMs: (Number(fields[11]) + Number(fields[12])) * 10 };
  } catch {
    return null;
  }
}

/** A child process that must not outlive the bench, even one stopped with Ctrl-C; returns the release once it is gone. */
export function tiedToBench(child: ChildProcess): () => void {
  const kill = () => child.kill('SIGKILL');
  const interrupted = (signal: NodeJS.Signals) => {
    kill();
    process.exit(signal === 'SIGINT' ? 130 : 143);
  };
  process.once('exit', kill);
  process.once('SIGINT', interrupted);
  process.once('SIGTERM', interrupted);
  return () => {
    process.off('exit', kill);
    process.off('SIGINT', interrupted);
    process.off('SIGTERM', interrupted);
  };
}

export type ServerCommand = { args: string[]; how: string };

/** How to run the server: compiled, as `npm start` does (scripts/build.mjs, then node dist/main.js); through tsx when the build fails. */
export function serverCommand(print: (line: string) => void): ServerCommand {
  try {
    execFileSync(process.execPath, ['scripts/build.mjs'], { cwd: repositoryRoot, stdio: 'pipe' });
    return { args: ['--enable-source-maps', 'dist/main.js'], how: 'compiled (node dist/main.js, as npm start)' };
  } catch (error) {
    const output = String((error as { stdout?: Buffer }).stdout ?? error).split('\n')[0];
    print(`  (the build failed: ${output}; the server runs through tsx instead, which costs memory of its own)`);
    return { args: ['--import', 'tsx', 'src/main.ts'], how: 'through tsx (the build failed)' };
  }
}

export type ServerProcess = {
  pid: number;
  dataDir: string;
  graphqlUrl: string;
  token: string;
  gql(query: string, variables?: Record<string, unknown>): Promise<{ data?: any; errors?: { message: string }[] }>;
  figures(): ProcessFigures | null;
  stop(): Promise<void>;
};

/** The Asterisk a spawned server connects to (the ARI stand-in's URL and its user), if any. */
export type ServerAsterisk = { ariUrl: string; username: string; password: string };

/**
 * Starts the server in a child process with a temporary data directory, on a SQLite database in it
 * unless `databaseUrl` is given; connected to `asterisk` when given (AMI is left unreachable:
 * contacts and user agents are not what the benches measure). Admin is logged in.
 */
export async function spawnServer(command: ServerCommand, options: { asterisk?: ServerAsterisk; databaseUrl?: string } = {}): Promise<ServerProcess> {
  const dataDir = mkdtempSync(join(tmpdir(), 'pbx-bench-'));
  mkdirSync(join(dataDir, 'asterisk-log'));
  const env: Record<string, string> = {
    PATH: process.env.PATH ?? '',
    HOME: process.env.HOME ?? dataDir,
    DATA_DIR: dataDir,
    DATABASE_URL: options.databaseUrl ?? `file:${join(dataDir, 'pbx.db')}`,
    PORT: '0',
    HOST: '127.0.0.1',
    LOG_LEVEL: 'info',
    ADMIN_PASSWORD: BENCH_ADMIN_PASSWORD,
    ASTERISK_LOG_DIR: join(dataDir, 'asterisk-log'),
    APPLY_DEBOUNCE_MS: '0',
  };
  if (options.asterisk) {
    Object.assign(env, { ARI_URL: options.asterisk.ariUrl, ARI_USERNAME: options.asterisk.username, ARI_PASSWORD: options.asterisk.password });
    // No AMI here (the discard port refuses): contacts and user agents are not what is measured.
    Object.assign(env, { AMI_HOST: '127.0.0.1', AMI_PORT: '9' });
  }
  // BENCH_SERVER_NODE_ARGS, e.g. `--cpu-prof --cpu-prof-dir=<folder>`, shows where the server's time goes;
  // BENCH_SERVER_OUTPUT=<file> keeps the server's log (and what such flags print).
  const nodeArgs = process.env.BENCH_SERVER_NODE_ARGS?.split(' ').filter(Boolean) ?? [];
  const child = spawn(process.execPath, [...nodeArgs, ...command.args], { cwd: repositoryRoot, env, stdio: ['ignore', 'pipe', 'pipe'] });
  const release = tiedToBench(child);
  let output = '';
  const keep = (chunk: Buffer) => (output = (output + chunk.toString()).slice(-20_000));
  child.stdout.on('data', keep);
  if (process.env.BENCH_SERVER_OUTPUT) child.stdout.pipe(createWriteStream(process.env.BENCH_SERVER_OUTPUT));
  child.stderr.on('data', keep);
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const remove = () => rmSync(dataDir, { recursive: true, force: true });
  const stop = async () => {
    child.kill('SIGTERM');
    if ((await Promise.race([exited.then(() => 'exited'), sleep(60_000)])) !== 'exited') child.kill('SIGKILL');
    await exited;
    release();
    remove();
  };
  const listening = /"url":"(http:\/\/[^"]+)\/graphql"/;
  const started = await waitUntil(() => listening.test(output) || child.exitCode !== null, 120_000);
  if (!started || child.exitCode !== null) {
    await stop();
    throw new Error(`the server did not start: ${output.slice(-2000)}`);
  }
  const url = listening.exec(output)![1]!;
  const gql = async (query: string, variables: Record<string, unknown> = {}, token?: string) => {
    const response = await fetch(`${url}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
      body: JSON.stringify({ query, variables }),
    });
    return (await response.json()) as { data?: any; errors?: { message: string }[] };
  };
  const login = await gql(`mutation { login(username: "admin", password: "${BENCH_ADMIN_PASSWORD}") { ... on MutationLoginSuccess { data { accessToken } } } }`);
  const token = login.data?.login?.data?.accessToken as string | undefined;
  if (!token) {
    await stop();
    throw new Error(`admin could not log in: ${JSON.stringify(login)}`);
  }
  return { pid: child.pid!, dataDir, graphqlUrl: `${url}/graphql`, token, gql: (query, variables) => gql(query, variables, token), figures: () => processFigures(child.pid!), stop };
}

/** Configures the extensions of each range, `count` numbers from `start`. */
export async function configureExtensions(server: ServerProcess, ranges: { start: number; count: number }[]): Promise<void> {
  const plan = await server.gql(`mutation { updateNumberingPlan(input: { userExtensionRange: { start: "1000", end: "8999" } }) { __typename } }`);
  if (plan.errors) throw new Error(`numbering plan: ${JSON.stringify(plan.errors)}`);
  for (const { start, count } of ranges) {
    const created = await server.gql(`mutation { createExtensions(input: { startNumber: "${start}", count: ${count} }) { __typename ... on Error { message } } }`);
    if (created.data?.createExtensions?.__typename !== 'MutationCreateExtensionsSuccess') throw new Error(`creating ${count} extensions from ${start}: ${JSON.stringify(created)}`);
  }
}
