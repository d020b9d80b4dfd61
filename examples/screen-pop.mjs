#!/usr/bin/env node
// A screen-pop: prints the caller of every call that rings one extension.
//   node examples/screen-pop.mjs <graphql-url> <extension> <user> <password>
//   PBX_TOKEN=<access token or API key> node examples/screen-pop.mjs <graphql-url> <extension>
// The user may be the extension itself (its number and API login password): an extension user
// sees the calls it takes part in. An account or API key needs calls:read (CALLS_READ).
import { createClient } from 'graphql-ws';
import WebSocket from 'ws';

const EVENTS = `subscription($extension: String!) {
  callEvents(filter: { extensions: [$extension] }) {
    kind
    call { id direction did trunk caller { number name extension } legs { extension state } }
  }
}`;

async function login(url, username, password) {
  const response = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({
      query: `mutation($u: String!, $p: String!) { login(username: $u, password: $p) { __typename ... on MutationLoginSuccess { data { accessToken } } ... on Error { message } } }`,
      variables: { u: username, p: password },
    }),
  });
  const result = (await response.json()).data?.login;
  if (result?.__typename !== 'MutationLoginSuccess') throw new Error(`login failed: ${result?.message ?? JSON.stringify(result)}`);
  return result.data.accessToken;
}

/**
 * Subscribes to the calls of `extension` and calls `onPop` (default: prints a line) once per call when the
 * extension starts ringing, with the caller's number and name and the DID the call came in on. A call that
 * already rings when the subscription starts (kind CURRENT) pops too. Resolves with `stop()`.
 */
export async function screenPop({ url, extension, token, username, password, onPop, log = console.log }) {
  // Logged in again at every (re)connection: the server closes a connection whose access token has expired
  // (4403), and the client then reconnects and subscribes again by itself.
  let bearer = token ?? (await login(url, username, password));
  let connections = 0;
  const connectionParams = async () => {
    if (!token && connections++ > 0) bearer = await login(url, username, password);
    return { authorization: `Bearer ${bearer}` };
  };
  const client = createClient({ url: url.replace(/^http/, 'ws'), webSocketImpl: WebSocket, connectionParams });
  const popped = new Set();
  const pop =
    onPop ?? ((p) => log(`${p.extension} rings: ${p.number || 'anonymous'}${p.name ? ` "${p.name}"` : ''}${p.did ? ` on ${p.did}` : ''}${p.trunk ? ` (trunk ${p.trunk})` : ''}  [call ${p.callId}]`));
  const ready = new Promise((resolve, reject) => {
    client.on('connected', resolve);
    client.on('closed', (event) => reject(new Error(`connection closed: ${event?.reason || event?.code}`)));
  });
  const dispose = client.subscribe(
    { query: EVENTS, variables: { extension } },
    {
      next: ({ data, errors }) => {
        if (errors) return log('error:', errors.map((e) => e.message).join('; '));
        const { kind, call } = data.callEvents;
        if (kind === 'ENDED') return popped.delete(call.id);
        // Its own calls (it called out, or a click-to-call rings it first) are no screen-pop.
        if (popped.has(call.id) || call.caller.extension === extension) return;
        if (!call.legs.some((leg) => leg.extension === extension && leg.state === 'RINGING')) return;
        popped.add(call.id);
        pop({ extension, callId: call.id, number: call.caller.number, name: call.caller.name, did: call.did, trunk: call.trunk, direction: call.direction });
      },
      error: (error) => log('subscription error:', error instanceof Error ? error.message : JSON.stringify(error)),
      complete: () => undefined,
    },
  );
  await ready;
  log(`watching extension ${extension}`);
  return {
    async stop() {
      dispose();
      await client.dispose();
    },
  };
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const [url, extension, username, password] = process.argv.slice(2);
  if (!url || !extension || (!process.env.PBX_TOKEN && !(username && password))) {
    console.error('usage: screen-pop.mjs <graphql-url> <extension> <user> <password>   (or PBX_TOKEN=<token or API key> screen-pop.mjs <graphql-url> <extension>)');
    process.exit(2);
  }
  const session = await screenPop({ url, extension, token: process.env.PBX_TOKEN, username, password });
  process.on('SIGINT', () => void session.stop().then(() => process.exit(0)));
}
