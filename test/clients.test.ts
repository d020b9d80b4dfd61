import { execFile } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ADMIN_PASSWORD, startTestServer, type TestServer } from './support/server.js';

const run = promisify(execFile);
let server: TestServer;
const cli = (args: string[], token?: string) => run(process.execPath, ['clients/pbx-cli.mjs', ...args], { env: { ...process.env, PBX_URL: server.graphqlUrl, PBX_TOKEN: token ?? server.adminToken } });

beforeAll(async () => {
  server = await startTestServer();
  await server.gql(`mutation { createExtensions(input: { startNumber: "100", count: 3 }) { __typename } }`, {}, server.adminToken);
});
afterAll(() => server.stop());

describe('clients/pbx-cli.mjs', () => {
  it('logs in, lists, exports and imports', async () => {
    const token = (await cli(['login', 'admin', ADMIN_PASSWORD], '')).stdout.trim();
    expect(token.split('.')).toHaveLength(3);
    const list = (await cli(['extensions'], token)).stdout.trim().split('\n');
    expect(list).toEqual(['100\t100\tUNAVAILABLE', '101\t101\tUNAVAILABLE', '102\t102\tUNAVAILABLE']);
    const file = join(mkdtempSync(join(tmpdir(), 'pbx-cli-')), 'x.csv');
    expect((await cli(['export', 'csv', file], token)).stdout).toContain('wrote');
    const again = await cli(['import', file, '--valid-rows-only'], token);
    expect(again.stdout).toContain('0 of 3 rows imported');
    expect(again.stdout).toContain('rows.2.number: Number 100 is already used by extension 100 (100)');
    await expect(cli(['import', file], token)).rejects.toMatchObject({ stderr: expect.stringContaining('Number 100 is already used') });
  });

  it("sets an extension's API login password, logs the extension in with it (never with the SIP password), and changes it", async () => {
    const sip = (await server.gql(`{ extension(number: "101") { password } }`, {}, server.adminToken)).data.extension.password;
    await expect(cli(['login', '101', sip], '')).rejects.toMatchObject({ stderr: expect.stringContaining('Wrong user name or password') });
    await expect(cli(['login-password', '101', sip])).rejects.toMatchObject({ stderr: expect.stringContaining('must differ from the SIP password') });
    expect((await cli(['login-password', '101', 'Login-pass-101'])).stdout).toContain('extension 101 has a new API login password');
    const ext = (await cli(['login', '101', 'Login-pass-101'], '')).stdout.trim();
    expect((await cli(['extensions'], ext)).stdout.trim()).toBe('101\t101\tUNAVAILABLE');
    await expect(cli(['passwd', 'wrong-password', 'Login-pass-101b'], ext)).rejects.toMatchObject({ stderr: expect.stringContaining('The current password is wrong') });
    expect((await cli(['passwd', 'Login-pass-101', 'Login-pass-101b'], ext)).stdout).toContain('password of 101 changed');
    expect((await cli(['login', '101', 'Login-pass-101b'], '')).stdout.trim().split('.')).toHaveLength(3);
  });
});
