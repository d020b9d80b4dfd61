// Runs every benchmark and prints its figures. Nothing here is a pass/fail test.
//   npm run bench            all
//   npm run bench -- list    only the list of 4,000 extensions against one raw SQL query
//   npm run bench -- pbx     rendering and the dialplan check at scale, subscription fan-out, start and memory
//   npm run bench -- voicemail   voicemail lookups on the real Asterisk (ASTERISK_BIN; take the e2e lock)
//   npm run bench -- apply   one extension change in effect in Asterisk (real with ASTERISK_BIN, under the e2e lock; else the stand-in)
import { cpus, totalmem } from 'node:os';
import { benchFoundation, benchList } from './foundation.js';
import { benchCallEvents } from './calls.js';
import { benchVoicemail } from './voicemail.js';
import { benchApply } from './apply.js';
import { benchRenderLint, benchRenderLintAttendants, benchRenderLintInbound, benchRenderLintTrunks, benchSubscribers } from './pbx.js';

const only = process.argv[2];
const print = (line: string) => console.log(line);
console.log(`machine: ${cpus().length} × ${cpus()[0]?.model ?? 'cpu'}, ${(totalmem() / 2 ** 30).toFixed(0)} GiB, Node ${process.version}, database ${process.env.TEST_DATABASE ?? 'sqlite'}`);
if (!only || only === 'foundation') await benchFoundation();
if (only === 'list') await benchList(print);
if (!only || only === 'pbx') {
  await benchRenderLint(print);
  await benchRenderLintTrunks(print);
  await benchRenderLintInbound(print);
  await benchRenderLintAttendants(print);
  await benchSubscribers(print);
}
if (!only || only === 'calls') await benchCallEvents(print);
if (!only || only === 'voicemail') await benchVoicemail(print);
if (!only || only === 'apply') await benchApply(print);
