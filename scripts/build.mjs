// Compiles the server to dist/ (what `npm start` runs): the TypeScript with tsc,
// then the files tsc does not carry over (the QR worker, the generated Prisma clients).
import { execFileSync } from 'node:child_process';
import { cpSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(fileURLToPath(import.meta.url), '../..');
const dist = join(root, 'dist');
rmSync(dist, { recursive: true, force: true });
execFileSync(join(root, 'node_modules/.bin/tsc'), ['-p', join(root, 'tsconfig.build.json')], { stdio: 'inherit' });
cpSync(join(root, 'src/extensions/qr-worker.mjs'), join(dist, 'extensions/qr-worker.mjs'));
for (const client of ['prisma-sqlite', 'prisma-postgres']) cpSync(join(root, 'src/generated', client), join(dist, 'generated', client), { recursive: true });
