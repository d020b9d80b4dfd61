#!/usr/bin/env node
// A thin automation client of the GraphQL API, for scripts and operators.
//   PBX_URL=http://127.0.0.1:4000/graphql PBX_TOKEN=<token or API key> node clients/pbx-cli.mjs <command>
// Commands:
//   login <username> <password>          prints an access token (an extension: its number and API login password)
//   login-password <extension> <password> sets an extension's API login password (admin; never the SIP password)
//   passwd <current> <new>               changes the caller's own password (for an extension: its API login password)
//   extensions [search]                  number, name, state (one line each)
//   export <xlsx|csv> <file>             writes every extension to a file
//   import <file> [--valid-rows-only]    creates extensions from a file
//   watch [number ...]                   prints status changes until interrupted
import { readFileSync, writeFileSync } from 'node:fs';
import { basename } from 'node:path';
import { createClient } from 'graphql-ws';
import WebSocket from 'ws';

const url = process.env.PBX_URL ?? 'http://127.0.0.1:4000/graphql';
const token = process.env.PBX_TOKEN;

async function gql(query, variables = {}) {
  const response = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
    body: JSON.stringify({ query, variables }),
  });
  const body = await response.json();
  if (body.errors) throw new Error(body.errors.map((e) => e.message).join('; '));
  return body.data;
}

function unwrap(result, field) {
  const value = result[field];
  if (value.__typename.endsWith('Success')) return value.data;
  const issues = value.issues?.map((i) => `  ${i.path.join('.')}: ${i.message}`).join('\n');
  throw new Error(`${value.message}${issues ? `\n${issues}` : ''}`);
}

const ERRORS = '__typename ... on Error { message } ... on ValidationError { issues { path message } }';

const commands = {
  async login(username, password) {
    const r = await gql(`mutation($u: String!, $p: String!) { login(username: $u, password: $p) { ${ERRORS} ... on MutationLoginSuccess { data { accessToken } } } }`, { u: username, p: password });
    console.log(unwrap(r, 'login').accessToken);
  },
  async 'login-password'(extension, password) {
    const r = await gql(
      `mutation($e: String!, $p: String!) { setExtensionLoginPassword(extension: $e, password: $p) { ${ERRORS} ... on MutationSetExtensionLoginPasswordSuccess { data { number } } } }`,
      { e: extension, p: password },
    );
    console.log(`extension ${unwrap(r, 'setExtensionLoginPassword').number} has a new API login password; its sessions ended`);
  },
  async passwd(current, next) {
    const r = await gql(`mutation($c: String!, $n: String!) { changeMyPassword(currentPassword: $c, newPassword: $n) { ${ERRORS} ... on MutationChangeMyPasswordSuccess { data { username } } } }`, {
      c: current,
      n: next,
    });
    console.log(`password of ${unwrap(r, 'changeMyPassword').username} changed; its other sessions ended`);
  },
  async extensions(search) {
    const r = await gql(`query($s: String) { extensions(first: 5000, filter: { search: $s }) { edges { node { number name } } } extensionStatuses { statuses { number state } } }`, {
      s: search ?? null,
    });
    const states = new Map(r.extensionStatuses.statuses.map((s) => [s.number, s.state]));
    for (const { node } of r.extensions.edges) console.log(`${node.number}\t${node.name}\t${states.get(node.number) ?? ''}`);
  },
  async export(format = 'xlsx', file) {
    const r = await gql(`query($f: FileFormat!) { exportExtensions(format: $f) { filename base64 } }`, { f: format.toUpperCase() });
    const target = file ?? r.exportExtensions.filename;
    writeFileSync(target, Buffer.from(r.exportExtensions.base64, 'base64'));
    console.log(`wrote ${target}`);
  },
  async import(file, mode) {
    const form = new FormData();
    form.set(
      'operations',
      JSON.stringify({
        query: `mutation($file: File!, $mode: ImportMode) { importExtensions(file: $file, mode: $mode) { ${ERRORS} ... on MutationImportExtensionsSuccess { data { rows createdCount rejected { path message } } } } }`,
        variables: { file: null, mode: mode === '--valid-rows-only' ? 'VALID_ROWS_ONLY' : 'ALL_OR_NOTHING' },
      }),
    );
    form.set('map', JSON.stringify({ 0: ['variables.file'] }));
    form.set('0', new Blob([readFileSync(file)]), basename(file));
    const response = await fetch(url, { method: 'POST', headers: token ? { authorization: `Bearer ${token}` } : {}, body: form });
    const body = await response.json();
    if (body.errors) throw new Error(body.errors.map((e) => e.message).join('; '));
    const result = unwrap(body.data, 'importExtensions');
    console.log(`${result.createdCount} of ${result.rows} rows imported`);
    for (const issue of result.rejected) console.log(`  ${issue.path.join('.')}: ${issue.message}`);
  },
  async watch(...numbers) {
    const client = createClient({ url: url.replace(/^http/, 'ws'), webSocketImpl: WebSocket, connectionParams: token ? { authorization: `Bearer ${token}` } : {} });
    await new Promise((resolve, reject) => {
      client.subscribe(
        { query: 'subscription($n: [String!]) { extensionStatusChanged(numbers: $n) { number state contacts { ip port latencyMs } } }', variables: { n: numbers.length ? numbers : null } },
        {
          next: ({ data, errors }) => {
            if (errors) return reject(new Error(errors.map((e) => e.message).join('; ')));
            const s = data.extensionStatusChanged;
            console.log(`${new Date().toISOString()}\t${s.number}\t${s.state}\t${s.contacts.map((c) => `${c.ip}:${c.port}`).join(',')}`);
          },
          error: reject,
          complete: resolve,
        },
      );
    });
  },
};

const [name, ...args] = process.argv.slice(2);
if (!name || !commands[name]) {
  console.error('usage: node clients/pbx-cli.mjs login|login-password|passwd|extensions|export|import|watch ... (see the top of this file)');
  process.exit(2);
}
commands[name](...args).catch((error) => {
  console.error(error.message);
  process.exit(1);
});
