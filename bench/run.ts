// Runs every benchmark and prints its figures. Nothing here is a pass/fail test.
import { cpus, totalmem } from 'node:os';
import { benchFoundation } from './foundation.js';

console.log(`machine: ${cpus().length} × ${cpus()[0]?.model ?? 'cpu'}, ${(totalmem() / 2 ** 30).toFixed(0)} GiB, Node ${process.version}, database ${process.env.TEST_DATABASE ?? 'sqlite'}`);
await benchFoundation();
