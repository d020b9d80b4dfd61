// Flat voicemail (issue 12): app_voicemail looks each mailbox up in the realtime view pbx_voicemail_box of
// our database, instead of reading every mailbox from voicemail.conf. Measured on the real Asterisk only
// (ASTERISK_BIN); it uses the end-to-end harness and its fixed ports, so take the e2e lock:
//   flock /tmp/e2e.lock env ASTERISK_BIN=/path/to/asterisk npm run bench -- voicemail
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { AmiClient } from '../src/pbx/ami/client.js';
import { AMI_PASSWORD, startProduct, type Product } from '../test/e2e/support/product.js';
import { until } from '../test/support/subscriptions.js';

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
// Lookups take a fraction of a millisecond: two decimals below 10 ms.
const round = (n: number) => n.toFixed(n < 10 ? 2 : 0);
const figure = (xs: number[]) => `${round(median(xs))} ms (${round(Math.min(...xs))}–${round(Math.max(...xs))})`;

const SAMPLES = 25;
const SIZES = [40, 4000];

/** `times` runs of `step`, each timed on its own, after 3 untimed ones. */
async function timed(times: number, step: (i: number) => Promise<void>): Promise<number[]> {
  for (let i = 0; i < 3; i++) await step(i);
  const samples: number[] = [];
  for (let i = 0; i < times; i++) {
    const started = performance.now();
    await step(i);
    samples.push(performance.now() - started);
  }
  return samples;
}

type Figures = { lookup: number[]; functionCall: number[]; answered: number[]; gone: number[]; firstLookupGone: number; fileReload: number[]; fileLookup: number[] };

async function measure(product: Product, ami: AmiClient, size: number): Promise<Figures> {
  const numbers = Array.from({ length: size }, (_, i) => String(1000 + i));
  const pick = (i: number) => numbers[(i * 7919) % size]!;
  const vmExists = async (mailbox: string) => (await ami.action({ Action: 'Getvar', Variable: `VM_INFO(${mailbox}@default,exists)` })).Value;

  // A lookup through realtime: VM_INFO finds the box as VoiceMail() does (find_user, then the view).
  const lookup = await timed(SAMPLES, async (i) => {
    if ((await vmExists(pick(i))) !== '1') throw new Error(`mailbox ${pick(i)} not found`);
  });
  // The same AMI request calling a function that looks nothing up, to tell the lookup from the request.
  const functionCall = await timed(SAMPLES, async () => {
    await ami.action({ Action: 'Getvar', Variable: 'LEN(mailbox)' });
  });

  // For comparison, the file-based way at the same size: every box in voicemail.conf, app_voicemail.so
  // reloaded through ARI after one box changed, and a lookup of a box from the file. Before any change
  // through the API, so that no reload of the server's runs meanwhile (Asterisk refuses a second one).
  const conf = path.join(product.pbx.etcDir, 'voicemail.conf');
  const original = readFileSync(conf, 'utf8');
  const withBoxes = (changed: number) => `${original}\n[default]\n${numbers.map((n, j) => `${n} => ${j === changed ? '4321' : '1234'},User ${n},`).join('\n')}\n`;
  // Synchronous: ARI answers when the module has re-read its file (no time limit: it may take seconds).
  const { url, username, password } = product.pbx.ari;
  const reload = async () => {
    // A connection of its own each time: Asterisk closes idle HTTP connections, and a reused one may be gone.
    const headers = { authorization: `Basic ${Buffer.from(`${username}:${password}`).toString('base64')}`, connection: 'close' };
    const answer = await fetch(`${url}/ari/asterisk/modules/app_voicemail.so`, { method: 'PUT', headers });
    if (answer.status !== 204) throw new Error(`app_voicemail.so reload: ${answer.status} ${await answer.text()}`);
  };
  let fileReload: number[];
  let fileLookup: number[];
  try {
    fileReload = await timed(20, async (i) => {
      writeFileSync(conf, withBoxes(i % size));
      await reload();
    });
    fileLookup = await timed(SAMPLES, async (i) => {
      if ((await vmExists(pick(i))) !== '1') throw new Error(`mailbox ${pick(i)} not found in the file`);
    });
  } finally {
    writeFileSync(conf, original);
    await reload();
  }

  // Voicemail switched off through the API: when the mutation answers, and when app_voicemail no longer
  // finds the box (switched on again after each, untimed).
  const idOf = async (number: string) => (await product.gql(`query($n: String!) { extension(number: $n) { id } }`, { n: number })).extension.id as string;
  const setVoicemail = (id: string, on: boolean) => product.gql(`mutation($id: ID!, $on: Boolean!) { updateExtension(id: $id, input: { voicemailEnabled: $on }) { __typename } }`, { id, on });
  const answered: number[] = [];
  const gone: number[] = [];
  let firstLookupGone = 0;
  for (let i = 0; i < 20; i++) {
    const number = pick(i + 100);
    const id = await idOf(number);
    const started = performance.now();
    await setVoicemail(id, false);
    answered.push(performance.now() - started);
    if ((await vmExists(number)) === '0') firstLookupGone += 1;
    else await until(async () => (await vmExists(number)) === '0', 10_000, `mailbox ${number} gone`);
    gone.push(performance.now() - started);
    await setVoicemail(id, true);
    await until(async () => (await vmExists(number)) === '1', 10_000, `mailbox ${number} back`);
  }
  return { lookup, functionCall, answered, gone, firstLookupGone, fileReload, fileLookup };
}

export async function benchVoicemail(print: (line: string) => void) {
  const asterisk = process.env.ASTERISK_BIN;
  if (!asterisk) {
    print('voicemail lookups: not measured (set ASTERISK_BIN: they need the real Asterisk)');
    return;
  }
  const results: Record<number, Figures> = {};
  // Asterisk on the host, not in the harness's network namespace: the namespace's AMI bridge holds about one
  // request in two for 40 ms (delayed acknowledgements), which would hide the lookups' own time.
  const netns = process.env.PBX_E2E_NETNS;
  process.env.PBX_E2E_NETNS = '0';
  try {
    for (const size of SIZES) results[size] = await measureAt(asterisk, size);
  } finally {
    if (netns === undefined) delete process.env.PBX_E2E_NETNS;
    else process.env.PBX_E2E_NETNS = netns;
  }
  const at = (pick: (f: Figures) => number[]) => SIZES.map((size) => `${figure(pick(results[size]!))} at ${size.toLocaleString('en')}`).join(', ');
  print(`voicemail box lookup through realtime (AMI Getvar VM_INFO(<box>,exists), ${process.env.TEST_DATABASE ?? 'sqlite'} view): ${at((f) => f.lookup)}; medians of ${SAMPLES} (min–max)`);
  print(`  the same AMI request calling a function that looks nothing up (LEN): ${at((f) => f.functionCall)}`);
  print(
    `  voicemail switched off through the API: mutation answered ${at((f) => f.answered)}; box gone for app_voicemail ${at((f) => f.gone)} (medians of 20; gone at the first lookup after the answer in ${SIZES.map((size) => `${results[size]!.firstLookupGone}/20`).join(' and ')})`,
  );
  print(
    `  file-based for comparison, every box in voicemail.conf: app_voicemail.so reload after one box changed ${at((f) => f.fileReload)} (medians of 20); lookup of a box from the file ${at((f) => f.fileLookup)}`,
  );
}

/** The figures of one size: a fresh server and Asterisk with `size` extensions, voicemail on. */
async function measureAt(asterisk: string, size: number): Promise<Figures> {
  // No phone is started: the harness needs pjsua only for phones.
  const product = await startProduct({ asterisk, pjsua: process.env.PJSUA_BIN ?? '' });
  const { AmiClient } = await import('../src/pbx/ami/client.js');
  const ami = new AmiClient({ host: '127.0.0.1', port: product.ports.ami, username: 'pbx', password: AMI_PASSWORD });
  try {
    let state: unknown;
    const applied = (what: string) =>
      until(
        async () => {
          state = (await product.gql(`{ pbxConfiguration { revision appliedRevision pendingReloads lastApply { outcome error } } }`)).pbxConfiguration;
          const c = state as { revision: number; appliedRevision: number; pendingReloads: string[] };
          return c.appliedRevision === c.revision && c.pendingReloads.length === 0;
        },
        600_000,
        `the apply of ${what}`,
      ).catch((error: Error) => {
        throw new Error(`${error.message}: ${JSON.stringify(state)}`);
      });
    // One change at a time: an apply that starts while the bulk creation holds the database can be refused.
    await product.gql(`mutation { updateNumberingPlan(input: { userExtensionRange: { start: "1000", end: "8999" } }) { __typename } }`);
    await applied('the numbering plan');
    const created = await product.gql(`mutation { createExtensions(input: { startNumber: "1000", count: ${size} }) { __typename ... on Error { message } } }`);
    if (created.createExtensions.__typename !== 'MutationCreateExtensionsSuccess') throw new Error(`createExtensions: ${JSON.stringify(created)}`);
    await applied(`${size} extensions`);
    ami.start();
    await until(() => ami.connected(), 10_000, 'AMI');
    return await measure(product, ami, size);
  } finally {
    await ami.stop();
    await product.stop();
  }
}
