import { execFile, spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdirSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { connect, createServer, type Server, type Socket } from 'node:net';
import path from 'node:path';

/**
 * Where Asterisk and the phones of one e2e test run.
 *
 * Design: as root, a named network namespace `pbx-e2e-<pid>-<n>` holding
 * loopback and a veth pair of its own (both ends inside; see addNic).
 * Asterisk and every pjsua run inside it through `ip netns exec` (which
 * execs, so the pid we hold is the program's own): whatever they bind,
 * 0.0.0.0 included, and whatever PJSIP's resolver opens never touches a real
 * interface, and no port can clash with the host.
 *
 * The test process stays outside and still has to speak HTTP (ARI) and AMI to
 * Asterisk. A file-system Unix socket is not bound to a network namespace, so
 * the bridge is: a tiny Node forwarder started inside the namespace listens on
 * `<root>/bridge/<port>.sock` and connects each stream to 127.0.0.1:<port>
 * inside; in this process a TCP listener on the host's 127.0.0.1:<port> pipes
 * each connection to that socket. The test uses the same 127.0.0.1:<port> the
 * rendered files name, with any client (fetch, ari-client, a raw AMI socket).
 * SIP and RTP never cross: the phones live next to Asterisk. The Asterisk CLI
 * (`asterisk -rx`) needs no bridge either: it talks over the control socket
 * file. Nothing is added to the host's namespace: no veth end, no address, no route.
 *
 * Without root, or when `ip netns` fails (or PBX_E2E_NETNS=0), everything
 * runs directly on the host with a console note; the ports are then merely
 * free ports, and the rendered SIP transports listen on 0.0.0.0.
 *
 * Clean-up: destroy() closes the listeners, kills by pid whatever still runs in
 * the namespace (only our own children can be there) and deletes it; an exit
 * hook does the same synchronously, and namespaces and temporary roots left by
 * a process that no longer exists (pid in the name) are removed by the next run.
 */
export type Sandbox = {
  kind: 'netns' | 'host';
  /** The namespace name (netns only). */
  name: string | null;
  /** The program and arguments that run `command args` inside the sandbox. */
  wrap(command: string, args: string[]): [string, string[]];
  /** Makes 127.0.0.1:<port> inside reachable at 127.0.0.1:<port> from this process (no-op on the host); may be called again for more ports. */
  expose(ports: number[]): Promise<void>;
  /**
   * Cuts an exposed port (its connections are closed, new ones refused) or
   * joins it again: a service that goes away for this process only, e.g. AMI
   * while ARI stays. Only in a namespace (null on the host: nothing to cut).
   */
  cut: ((port: number, cut: boolean) => void) | null;
  destroy(): Promise<void>;
};

const PREFIX = 'pbx-e2e-';
let counter = 0;
const live = new Map<string, { bridgePids: number[] }>();
let exitHookInstalled = false;
let hostNoteShown = false;

type RunResult = { code: number; stdout: string; stderr: string };
function run(command: string, args: string[], timeoutMs = 10_000): Promise<RunResult> {
  return new Promise((resolve) => {
    execFile(command, args, { timeout: timeoutMs, encoding: 'utf8' }, (error, stdout, stderr) => {
      if (!error) return resolve({ code: 0, stdout, stderr });
      const code = typeof error.code === 'number' ? error.code : 1;
      resolve({ code, stdout, stderr: stderr || error.message });
    });
  });
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function killPid(pid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(pid, signal);
  } catch {
    /* already gone */
  }
}

/** Kills (by pid) what still runs in a namespace of ours, then deletes it. Synchronous: also used on exit. */
function removeNamespaceSync(name: string): void {
  const pids = spawnSync('ip', ['netns', 'pids', name], { encoding: 'utf8', timeout: 5000 });
  for (const pid of (pids.stdout ?? '').split(/\s+/).filter(Boolean).map(Number)) killPid(pid, 'SIGKILL');
  spawnSync('ip', ['netns', 'del', name], { timeout: 5000 });
}

function installExitHook(): void {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  process.once('exit', () => {
    for (const [name, entry] of live) {
      for (const pid of entry.bridgePids) killPid(pid, 'SIGKILL');
      removeNamespaceSync(name);
    }
  });
}

/** Temporary roots (see startAsterisk) of earlier runs whose process is gone. */
function sweepStaleRoots(): void {
  for (const entry of readdirSync(tmpdir())) {
    const match = /^pbx-e2e-(\d+)-/.exec(entry);
    if (match && Number(match[1]) !== process.pid && !alive(Number(match[1]))) rmSync(path.join(tmpdir(), entry), { recursive: true, force: true });
  }
}

/** Namespaces of earlier runs whose process is gone. */
async function sweepStaleNamespaces(): Promise<void> {
  const list = await run('ip', ['netns', 'list']);
  for (const line of list.stdout.split('\n')) {
    const name = line.split(/\s+/)[0] ?? '';
    const match = /^pbx-e2e-(\d+)-\d+$/.exec(name);
    if (!match) continue;
    const pid = Number(match[1]);
    if (pid === process.pid || alive(pid)) continue;
    removeNamespaceSync(name);
  }
}

function hostSandbox(reason: string): Sandbox {
  if (!hostNoteShown) {
    hostNoteShown = true;
    console.log(`e2e: running Asterisk and phones without a network namespace (${reason}); SIP transports listen on the host's free ports`);
  }
  return {
    kind: 'host',
    name: null,
    wrap: (command, args) => [command, args],
    expose: async () => undefined,
    cut: null,
    destroy: async () => undefined,
  };
}

/**
 * A server has a network card; a namespace with loopback only does not, and
 * Asterisk then behaves differently from production (ICE offers no host
 * candidate and pjnath asserts "Invalid transport ID" on every call; no MAC
 * for the entity id). So the namespace gets a veth pair of its own, both ends
 * inside it, `pbx0` with a documentation address (RFC 5737) and no route out.
 */
export const SANDBOX_NIC = { name: 'pbx0', address: '198.51.100.10', prefix: 24 } as const;

async function addNic(ns: string): Promise<void> {
  const steps: string[][] = [
    ['link', 'add', SANDBOX_NIC.name, 'type', 'veth', 'peer', 'name', 'pbx1'],
    ['addr', 'add', `${SANDBOX_NIC.address}/${SANDBOX_NIC.prefix}`, 'dev', SANDBOX_NIC.name],
    ['link', 'set', SANDBOX_NIC.name, 'up'],
    ['link', 'set', 'pbx1', 'up'],
  ];
  for (const step of steps) {
    const r = await run('ip', ['netns', 'exec', ns, 'ip', ...step]);
    if (r.code !== 0) {
      console.log(`e2e: namespace ${ns} has loopback only (ip ${step.join(' ')}: ${r.stderr.trim()})`);
      return;
    }
  }
}

/** The forwarder that runs inside the namespace: Unix socket <dir>/<port>.sock → 127.0.0.1:<port>. */
const BRIDGE_SCRIPT = `
const net = require('node:net');
const path = require('node:path');
const [dir, ...ports] = process.argv.slice(1);
let pending = ports.length;
for (const port of ports) {
  const server = net.createServer((client) => {
    const upstream = net.connect({ host: '127.0.0.1', port: Number(port) });
    const close = () => { client.destroy(); upstream.destroy(); };
    client.on('error', close); upstream.on('error', close);
    client.on('close', close); upstream.on('close', close);
    client.pipe(upstream); upstream.pipe(client);
  });
  server.listen(path.join(dir, port + '.sock'), () => { if (--pending === 0) process.stdout.write('ready\\n'); });
}
process.stdin.on('end', () => process.exit(0));
process.stdin.resume();
`;

/**
 * A network namespace when possible (root and a working `ip netns`), else the
 * host. `root` is the test's temporary folder (for the bridge sockets).
 */
export async function createSandbox(root: string): Promise<Sandbox> {
  sweepStaleRoots();
  if (process.env.PBX_E2E_NETNS === '0') return hostSandbox('PBX_E2E_NETNS=0');
  if (process.getuid?.() !== 0) return hostSandbox('not root');
  await sweepStaleNamespaces();
  const name = `${PREFIX}${process.pid}-${++counter}`;
  const added = await run('ip', ['netns', 'add', name]);
  if (added.code !== 0) return hostSandbox(`ip netns add failed: ${added.stderr.trim()}`);
  installExitHook();
  const entry: { bridgePids: number[] } = { bridgePids: [] };
  live.set(name, entry);
  const lo = await run('ip', ['netns', 'exec', name, 'ip', 'link', 'set', 'lo', 'up']);
  if (lo.code !== 0) {
    live.delete(name);
    removeNamespaceSync(name);
    return hostSandbox(`cannot bring up lo in a namespace: ${lo.stderr.trim()}`);
  }
  await addNic(name);

  const bridgeDir = path.join(root, 'bridge');
  const servers: Server[] = [];
  const sockets = new Set<Socket>();
  const socketsOf = new Map<number, Set<Socket>>();
  const cutPorts = new Set<number>();
  const bridges: ChildProcess[] = [];
  let destroyed = false;

  const startBridge = async (ports: number[]) => {
    mkdirSync(bridgeDir, { recursive: true });
    const child = spawn('ip', ['netns', 'exec', name, process.execPath, '-e', BRIDGE_SCRIPT, bridgeDir, ...ports.map(String)], { stdio: ['pipe', 'pipe', 'pipe'] });
    bridges.push(child);
    if (child.pid) entry.bridgePids.push(child.pid);
    let output = '';
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`namespace bridge did not start: ${output}`)), 10_000);
      const onData = (chunk: Buffer) => {
        output += chunk.toString();
        if (output.includes('ready')) {
          clearTimeout(timer);
          resolve();
        }
      };
      child.stdout.on('data', onData);
      child.stderr.on('data', (c: Buffer) => (output += c.toString()));
      child.once('exit', (code) => {
        clearTimeout(timer);
        reject(new Error(`namespace bridge exited (${code}): ${output}`));
      });
    });
    child.removeAllListeners('exit');
  };

  const listen = (port: number) =>
    new Promise<void>((resolve, reject) => {
      const server = createServer((client) => {
        if (cutPorts.has(port)) return void client.destroy();
        const ofPort = socketsOf.get(port) ?? new Set<Socket>();
        socketsOf.set(port, ofPort);
        sockets.add(client);
        ofPort.add(client);
        const upstream = connect(path.join(bridgeDir, `${port}.sock`));
        sockets.add(upstream);
        const close = () => {
          client.destroy();
          upstream.destroy();
          sockets.delete(client);
          sockets.delete(upstream);
          ofPort.delete(client);
        };
        client.on('error', close);
        upstream.on('error', close);
        client.on('close', close);
        upstream.on('close', close);
        client.pipe(upstream);
        upstream.pipe(client);
      });
      server.once('error', reject);
      server.listen({ port, host: '127.0.0.1', exclusive: true }, () => {
        servers.push(server);
        resolve();
      });
    });

  return {
    kind: 'netns',
    name,
    wrap: (command, args) => ['ip', ['netns', 'exec', name, command, ...args]],
    async expose(ports) {
      await startBridge(ports);
      for (const port of ports) await listen(port);
    },
    cut(port, cut) {
      if (!cut) return void cutPorts.delete(port);
      cutPorts.add(port);
      for (const socket of socketsOf.get(port) ?? []) socket.destroy();
    },
    async destroy() {
      if (destroyed) return;
      destroyed = true;
      for (const s of sockets) s.destroy();
      await Promise.all(servers.map((s) => new Promise((r) => s.close(r))));
      for (const child of bridges) {
        if (!child.pid) continue;
        child.stdin?.end();
        killPid(child.pid, 'SIGTERM');
      }
      live.delete(name);
      removeNamespaceSync(name);
    },
  };
}
