#!/usr/bin/env node
// The first session of the README, as a script:
//   node examples/quickstart.mjs <graphql-url> <admin-user> <admin-password> [<second-graphql-url> <second-admin-password>]
// Logs in, batch-creates 100 extensions, puts three in a department, exports them to XLSX,
// imports the file into a second (empty) server when given, gives one extension an API login
// password (never its SIP password) and logs in as that extension.
import { randomBytes } from 'node:crypto';

async function gql(url, query, variables = {}, token) {
  const response = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
    body: JSON.stringify({ query, variables }),
  });
  const body = await response.json();
  if (body.errors) throw new Error(JSON.stringify(body.errors));
  return body.data;
}

function success(result, field) {
  const value = result[field];
  if (!value.__typename.endsWith('Success')) throw new Error(`${field}: ${JSON.stringify(value)}`);
  return value.data;
}

async function login(url, username, password) {
  const r = await gql(url, `mutation($u: String!, $p: String!) { login(username: $u, password: $p) { __typename ... on MutationLoginSuccess { data { accessToken } } ... on Error { message } } }`, {
    u: username,
    p: password,
  });
  return success(r, 'login').accessToken;
}

export async function quickstart({ url, username, password, targetUrl, targetPassword, log = console.log }) {
  const token = await login(url, username, password);
  log('logged in as', username);

  const batch = success(
    await gql(
      url,
      `mutation { createExtensions(input: { startNumber: "100", count: 100 }) { __typename ... on MutationCreateExtensionsSuccess { data { count extensions { number password } } } ... on ValidationError { issues { path message } } ... on Error { message } } }`,
      {},
      token,
    ),
    'createExtensions',
  );
  log('created', batch.count, 'extensions');

  const dept = success(
    await gql(
      url,
      `mutation { createDepartment(input: { name: "Sales", number: "0400", ringStrategy: RING_ALL, ringTimeSeconds: 20, noAnswerDestination: { type: VOICEMAIL, target: "100" }, members: ["100", "101", "102"] }) { __typename ... on MutationCreateDepartmentSuccess { data { name members { number } } } ... on Error { message } } }`,
      {},
      token,
    ),
    'createDepartment',
  );
  log('department', dept.name, 'with', dept.members.map((m) => m.number).join(', '));

  const file = (await gql(url, `{ exportExtensions(format: XLSX) { filename contentType base64 } }`, {}, token)).exportExtensions;
  log('exported', file.filename, Buffer.from(file.base64, 'base64').length, 'bytes');

  let imported = null;
  if (targetUrl) {
    const targetToken = await login(targetUrl, 'admin', targetPassword);
    const form = new FormData();
    form.set(
      'operations',
      JSON.stringify({
        query: `mutation($file: File!) { importExtensions(file: $file) { __typename ... on MutationImportExtensionsSuccess { data { createdCount } } ... on ValidationError { issues { path message } } ... on Error { message } } }`,
        variables: { file: null },
      }),
    );
    form.set('map', JSON.stringify({ 0: ['variables.file'] }));
    form.set('0', new Blob([Buffer.from(file.base64, 'base64')], { type: file.contentType }), file.filename);
    const response = await fetch(targetUrl, { method: 'POST', headers: { authorization: `Bearer ${targetToken}` }, body: form });
    imported = success((await response.json()).data, 'importExtensions').createdCount;
    log('imported', imported, 'extensions into', targetUrl);
  }

  // Extensions log in to the API with a login password of their own, set by an admin (the SIP
  // password sits on phones and in provisioning files and is never accepted); the user can then
  // change it with changeMyPassword.
  const first = batch.extensions[0];
  const loginPassword = randomBytes(12).toString('base64url');
  success(
    await gql(
      url,
      `mutation($e: String!, $p: String!) { setExtensionLoginPassword(extension: $e, password: $p) { __typename ... on ValidationError { issues { path message } } ... on Error { message } } }`,
      { e: first.number, p: loginPassword },
      token,
    ),
    'setExtensionLoginPassword',
  );
  log(`extension ${first.number} got an API login password`);
  const extToken = await login(url, first.number, loginPassword);
  const own = await gql(url, `{ me { role } extensions(first: 500) { totalCount edges { node { number } } } }`, {}, extToken);
  log(`extension ${first.number} sees`, own.extensions.totalCount, 'extension(s):', own.extensions.edges.map((e) => e.node.number).join(', '));
  return {
    created: batch.count,
    members: dept.members.length,
    exportedBytes: Buffer.from(file.base64, 'base64').length,
    imported,
    extensionSees: own.extensions.edges.map((e) => e.node.number),
    role: own.me.role,
  };
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const [url, username, password, targetUrl, targetPassword] = process.argv.slice(2);
  if (!url || !username || !password) {
    console.error('usage: node examples/quickstart.mjs <graphql-url> <admin-user> <admin-password> [<second-graphql-url> <second-admin-password>]');
    process.exit(2);
  }
  await quickstart({ url, username, password, targetUrl, targetPassword });
}
