import { once, type EventEmitter } from 'node:events';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import ari, { type Client } from 'ari-client';
import { describe, expect, it, onTestFinished, vi } from 'vitest';
import { EventLog, type ReceivedEvent } from './support/ari-standin/event-log.js';
import { startAriStandin, type AriStandin } from './support/ari-standin/index.js';

// ARI's dynamic configuration as the stand-in models it (dynamic-config.ts):
// the statuses and bodies are those of res/ari/resource_asterisk.c, as a real
// Asterisk 22.10.1 answered them with res_pjsip's endpoint/auth/aor in astdb.

const USER = 'ari';
const PASSWORD = 'ari';
const DYNAMIC = '/ari/asterisk/config/dynamic';
const PHONE_200 = { ip: '127.0.0.1', port: 5080, uri: 'sip:200@127.0.0.1:5080;ob' };

// Asterisk's own Swagger document for the resource, when the shared reference copy is there.
const ASTERISK_JSON = path.resolve(fileURLToPath(new URL('..', import.meta.url)), '../shared/asterisk/ari-api-docs/api-docs/asterisk.json');

async function startStandin(): Promise<AriStandin> {
  const standin = await startAriStandin({ username: USER, password: PASSWORD, endpoints: [{ resource: '100', callerName: 'Alice' }] });
  onTestFinished(() => standin.stop());
  return standin;
}

interface Answer {
  status: number;
  reason: string;
  body: unknown;
}

type Tuple = { attribute: string; value: string };

/** A request as the server sends it: JSON declared with Content-Type, unless `contentType` says otherwise. */
async function call(standin: AriStandin, method: string, resource: string, body?: unknown, contentType = 'application/json'): Promise<Answer> {
  const headers: Record<string, string> = { authorization: `Basic ${Buffer.from(`${USER}:${PASSWORD}`).toString('base64')}` };
  if (body !== undefined) headers['content-type'] = contentType;
  const send = () => fetch(standin.url + resource, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
  // After restart() a pooled connection may still look open to fetch; the stand-in had closed it unread.
  const response = await send().catch((error: unknown) => {
    if ((error as { cause?: { code?: string } }).cause?.code === 'UND_ERR_SOCKET') return send();
    throw error;
  });
  const text = await response.text();
  return { status: response.status, reason: response.statusText, body: text ? (JSON.parse(text) as unknown) : null };
}

const fields = (...pairs: [string, string][]) => ({ fields: pairs.map(([attribute, value]) => ({ attribute, value })) });
const put = (standin: AriStandin, objectPath: string, ...pairs: [string, string][]) => call(standin, 'PUT', `${DYNAMIC}/${objectPath}`, fields(...pairs));
const valueOf = (answer: Answer, attribute: string) => (answer.body as Tuple[]).find((tuple) => tuple.attribute === attribute)?.value;
const attributes = (answer: Answer) => (answer.body as Tuple[]).map((tuple) => tuple.attribute);

async function connectClient(standin: AriStandin): Promise<Client> {
  const log = vi.spyOn(console, 'log').mockImplementation(() => undefined);
  try {
    return await ari.connect(standin.url, USER, PASSWORD);
  } finally {
    log.mockRestore();
  }
}

async function startApp(standin: AriStandin): Promise<{ client: Client; log: EventLog }> {
  const client = await connectClient(standin);
  const log = new EventLog(client);
  await client.start('watcher', true);
  onTestFinished(() => client.stop());
  return { client, log };
}

let settleCount = 0;

/** Everything emitted so far, once it has reached the client: a Stasis device state set through REST arrives after it. */
async function settle(standin: AriStandin, log: EventLog): Promise<ReceivedEvent[]> {
  const marker = `Stasis:settle-${++settleCount}`;
  expect((await call(standin, 'PUT', `/ari/deviceStates/${marker}?deviceState=INUSE`)).status).toBe(204);
  const isMarker = (event: ReceivedEvent) => (event['device_state'] as { name?: string } | undefined)?.name === marker;
  await log.until((events) => events.some(isMarker), marker);
  await call(standin, 'DELETE', `/ari/deviceStates/${marker}`);
  return log.take().filter((event) => !isMarker(event));
}

describe('ARI stand-in: dynamic configuration', () => {
  it('documents getObject, updateObject and deleteObject as Asterisk does, and ari-client can call them', async () => {
    const standin = await startStandin();
    const doc = (await call(standin, 'GET', '/ari/api-docs/asterisk.json')).body as {
      apis: { path: string; operations: { httpMethod: string; nickname: string; responseClass: string; parameters: object[]; errorResponses: object[] }[] }[];
      models: Record<string, { properties: Record<string, { type: string; required: boolean }> }>;
    };
    const api = doc.apis.find((entry) => entry.path === '/asterisk/config/dynamic/{configClass}/{objectType}/{id}');
    expect(api?.operations.map((operation) => [operation.httpMethod, operation.nickname, operation.responseClass])).toEqual([
      ['GET', 'getObject', 'List[ConfigTuple]'],
      ['PUT', 'updateObject', 'List[ConfigTuple]'],
      ['DELETE', 'deleteObject', 'void'],
    ]);
    expect(doc.models['ConfigTuple']?.properties).toEqual({ attribute: { type: 'string', required: true }, value: { type: 'string', required: true } });
    if (existsSync(ASTERISK_JSON)) {
      const real = JSON.parse(readFileSync(ASTERISK_JSON, 'utf8')) as typeof doc;
      const realApi = real.apis.find((entry) => entry.path === api?.path);
      const shape = (operations: NonNullable<typeof api>['operations']) =>
        operations.map(({ httpMethod, nickname, responseClass, parameters, errorResponses }) => ({
          httpMethod,
          nickname,
          responseClass,
          parameters: parameters.map((p) => {
            const { name, paramType, required, allowMultiple, dataType } = p as Record<string, unknown>;
            return { name, paramType, required, allowMultiple, dataType };
          }),
          errorResponses,
        }));
      expect(shape(api?.operations ?? [])).toEqual(shape(realApi?.operations ?? []));
    } else {
      console.warn(`comparison with Asterisk's asterisk.json skipped: ${ASTERISK_JSON} is absent`);
    }

    // ari-client wraps `fields` in {"fields": ...} and declares it JSON.
    const client = await connectClient(standin);
    const created = (await client.asterisk.updateObject({
      configClass: 'res_pjsip',
      objectType: 'endpoint',
      id: '200',
      fields: [
        { attribute: 'allow', value: 'ulaw' },
        { attribute: 'context', value: 'internal' },
      ],
    })) as unknown as Tuple[];
    expect(created.find((tuple) => tuple.attribute === 'context')?.value).toBe('internal');
    const read = (await client.asterisk.getObject({ configClass: 'res_pjsip', objectType: 'endpoint', id: '200' })) as unknown as Tuple[];
    expect(read.find((tuple) => tuple.attribute === 'allow')?.value).toBe('(ulaw)');
    await client.asterisk.deleteObject({ configClass: 'res_pjsip', objectType: 'endpoint', id: '200' });
    await expect(client.asterisk.getObject({ configClass: 'res_pjsip', objectType: 'endpoint', id: '200' })).rejects.toThrow(/Object with id '200' not found/);
  });

  it('answers unknown classes, types and ids with 404, and refuses file-defined objects and other types with 403', async () => {
    const standin = await startStandin();
    const notFound = (message: string) => ({ status: 404, reason: 'Not Found', body: { message } });
    expect(await call(standin, 'GET', `${DYNAMIC}/res_nope/endpoint/200`)).toEqual(notFound("configClass 'res_nope' not found"));
    expect(await put(standin, 'res_nope/endpoint/200')).toEqual(notFound("configClass 'res_nope' not found"));
    expect(await call(standin, 'DELETE', `${DYNAMIC}/res_nope/endpoint/200`)).toEqual(notFound("configClass 'res_nope' not found"));
    expect(await call(standin, 'GET', `${DYNAMIC}/res_pjsip/nope/200`)).toEqual(notFound("objectType 'nope' not found"));
    expect(await put(standin, 'res_pjsip/nope/200')).toEqual(notFound("objectType 'nope' not found"));
    expect(await call(standin, 'GET', `${DYNAMIC}/res_pjsip/endpoint/200`)).toEqual(notFound("Object with id '200' not found"));
    expect(await call(standin, 'DELETE', `${DYNAMIC}/res_pjsip/endpoint/200`)).toEqual(notFound("Object with id '200' not found"));

    // 100 comes from the configuration file: readable, but neither writable nor deletable.
    const fileDefined = await call(standin, 'GET', `${DYNAMIC}/res_pjsip/endpoint/100`);
    expect(fileDefined.status).toBe(200);
    expect(valueOf(fileDefined, 'callerid')).toBe('Alice');
    expect(await put(standin, 'res_pjsip/endpoint/100', ['context', 'elsewhere'])).toEqual({
      status: 403,
      reason: 'Forbidden',
      body: { message: "Cannot update sorcery objects of type 'endpoint'" },
    });
    expect(await call(standin, 'DELETE', `${DYNAMIC}/res_pjsip/endpoint/100`)).toEqual({
      status: 403,
      reason: 'Forbidden',
      body: { message: "Could not delete object with id '100'" },
    });
    // The fields are validated before the update is refused.
    expect((await put(standin, 'res_pjsip/endpoint/100', ['bogus', 'x'])).status).toBe(400);
    // Types without a writable wizard in sorcery.conf.
    expect(await put(standin, 'res_pjsip/identify/i1', ['endpoint', '200'], ['match', '192.0.2.1'])).toEqual({
      status: 403,
      reason: 'Forbidden',
      body: { message: "Cannot create sorcery objects of type 'identify'" },
    });
    expect(standin.dynamicObjects).toEqual([]);
    expect(standin.configRequests.map((request) => `${request.method} ${request.type}/${request.id} ${request.status}`)).toContain('DELETE endpoint/100 403');
  });

  it('a pushed endpoint answers with every option, and is an endpoint of the PBX: listed offline, registrable, calling with its caller id', async () => {
    const standin = await startStandin();
    const { log } = await startApp(standin);
    const created = await put(standin, 'res_pjsip/endpoint/200', ['allow', 'ulaw,alaw'], ['context', 'internal'], ['callerid', 'Carol <200>'], ['auth', '200'], ['aors', '200']);
    expect(created.status).toBe(200);
    expect(created.body as Tuple[]).toHaveLength(138);
    expect(Object.fromEntries((created.body as Tuple[]).map((t) => [t.attribute, t.value]))).toMatchObject({
      allow: '(ulaw|alaw)',
      context: 'internal',
      callerid: '"Carol" <200>',
      auth: '200',
      aors: '200',
      dtmf_mode: 'rfc4733',
      set_var: '',
      acl: '',
    });
    expect((await put(standin, 'res_pjsip/auth/200', ['auth_type', 'userpass'], ['username', '200'], ['password', 'secret'])).status).toBe(200);
    expect(valueOf(await put(standin, 'res_pjsip/aor/200', ['max_contacts', '1'], ['remove_existing', 'yes']), 'remove_existing')).toBe('true');
    expect(standin.dynamicObject('res_pjsip', 'auth', '200')?.fields['password']).toBe('secret');
    expect(standin.dynamicObjects.map((object) => `${object.type}/${object.id}`)).toEqual(['endpoint/200', 'auth/200', 'aor/200']);

    // No event announces it; it is listed like a configured endpoint.
    expect(await settle(standin, log)).toEqual([]);
    expect((await call(standin, 'GET', '/ari/endpoints/PJSIP/200')).body).toEqual({ technology: 'PJSIP', resource: '200', state: 'offline', channel_ids: [] });
    expect(((await call(standin, 'GET', '/ari/endpoints')).body as { resource: string }[]).map((e) => e.resource)).toEqual(['200', '100']);

    standin.register('200', PHONE_200);
    expect(((await call(standin, 'GET', '/ari/endpoints/PJSIP/200')).body as { state: string }).state).toBe('online');
    // The AOR's max_contacts 1: a second contact replaces the first.
    standin.register('200', { ...PHONE_200, port: 5082, uri: 'sip:200@127.0.0.1:5082;ob' });
    const contacts = (await settle(standin, log)).filter((event) => event.type === 'ContactStatusChange').map((event) => event['contact_info']);
    expect(contacts).toContainEqual(expect.objectContaining({ uri: PHONE_200.uri, contact_status: 'Removed' }));

    standin.register('100', { ip: '127.0.0.1', port: 5070 });
    standin.ring('200', '100');
    const channels = (await call(standin, 'GET', '/ari/channels')).body as { caller: { name: string; number: string } }[];
    expect(channels.map((channel) => channel.caller)).toContainEqual({ name: 'Carol', number: '200' });

    // An id lives in one wizard only (the same id in both crashed Asterisk).
    expect(() => standin.addEndpoint('200')).toThrow(/pushed through ARI/);
  });

  it('a PUT applies its fields on top of the existing ones: the last value wins, set_var replaces by name, acl and permit append', async () => {
    const standin = await startStandin();
    const created = await put(
      standin,
      'res_pjsip/endpoint/200',
      ['allow', 'ulaw'],
      ['context', 'a'],
      ['context', 'b'],
      ['set_var', 'A=1'],
      ['set_var', 'B=2'],
      ['set_var', 'A=3'],
      ['permit', '127.0.0.1'],
    );
    expect(created.status).toBe(200);
    expect(valueOf(created, 'context')).toBe('b');
    // The variables are printed one tuple each, in place of set_var ...
    expect(attributes(created)).not.toContain('set_var');
    expect((created.body as Tuple[]).filter((t) => t.attribute === 'A' || t.attribute === 'B')).toEqual([
      { attribute: 'A', value: '3' },
      { attribute: 'B', value: '2' },
    ]);
    expect(valueOf(created, 'acl')).toBe('deny/permit');
    // ... and astdb does not keep them: read back, the endpoint has none.
    const read = await call(standin, 'GET', `${DYNAMIC}/res_pjsip/endpoint/200`);
    expect(valueOf(read, 'set_var')).toBe('');
    expect(attributes(read)).not.toContain('A');
    expect(standin.dynamicObject('res_pjsip', 'endpoint', '200')?.fields['set_var']).toBe('');

    // Fields left out keep their values.
    const updated = await put(standin, 'res_pjsip/endpoint/200', ['callerid', 'X <200>']);
    expect([valueOf(updated, 'callerid'), valueOf(updated, 'context'), valueOf(updated, 'allow')]).toEqual(['"X" <200>', 'b', '(ulaw)']);
    // The permit rules came back as a named ACL `deny/permit`: naming it again is a duplicate.
    expect(await put(standin, 'res_pjsip/endpoint/200', ['acl', 'deny/permit'])).toEqual({
      status: 400,
      reason: 'Bad request',
      body: { message: "Update of object '200' failed field value validation" },
    });
    expect(valueOf(await put(standin, 'res_pjsip/endpoint/200', ['acl', 'office']), 'acl')).toBe('deny/permit');
    expect((await put(standin, 'res_pjsip/endpoint/201', ['allow', 'ulaw'], ['acl', 'office'], ['acl', 'OFFICE'])).status).toBe(400);
    // disallow removes, a printed list replaces.
    expect(valueOf(await put(standin, 'res_pjsip/endpoint/200', ['allow', 'g722,alaw'], ['disallow', 'ulaw']), 'allow')).toBe('(g722|alaw)');
    expect(valueOf(await put(standin, 'res_pjsip/endpoint/200', ['allow', '(alaw)']), 'allow')).toBe('(alaw)');
  });

  it('refuses bad requests with the 400s of resource_asterisk.c and keeps nothing of them', async () => {
    const standin = await startStandin();
    const badRequest = (message: string) => ({ status: 400, reason: 'Bad request', body: { message } });
    expect((await put(standin, 'res_pjsip/endpoint/200', ['allow', 'ulaw'])).status).toBe(200);
    expect(await call(standin, 'PUT', `${DYNAMIC}/res_pjsip/endpoint/200`, {})).toEqual(badRequest("Fields must be provided to update object '200'"));
    expect(await call(standin, 'PUT', `${DYNAMIC}/res_pjsip/endpoint/200`)).toEqual(badRequest("Fields must be provided to update object '200'"));
    expect(await put(standin, 'res_pjsip/endpoint/200', ['bogus', 'x'])).toEqual(badRequest("Update of object '200' failed field value validation"));
    expect(await put(standin, 'res_pjsip/endpoint/201', ['allow', 'ulaw'], ['bogus', 'x'])).toEqual(badRequest("Creation of object '201' failed field value validation"));
    expect((await put(standin, 'res_pjsip/endpoint/201', ['allow', 'nosuchcodec'])).status).toBe(400);
    expect((await put(standin, 'res_pjsip/endpoint/201', ['allow', 'ulaw'], ['set_var', 'no-equals-sign'])).status).toBe(400);
    expect((await put(standin, 'res_pjsip/endpoint/201', ['allow', 'ulaw'], ['permit', 'not-an-address'])).status).toBe(400);
    expect((await put(standin, 'res_pjsip/endpoint/201', ['allow', 'ulaw'], ['dtmf_mode', 'banana'])).status).toBe(400);
    expect((await put(standin, 'res_pjsip/aor/201', ['max_contacts', '-1'])).status).toBe(400);
    expect((await put(standin, 'res_pjsip/aor/201', ['qualify_frequency', 'x'])).status).toBe(400);
    // auth's own check: a username and a password (or its digest).
    expect(await put(standin, 'res_pjsip/auth/201', ['username', '201'])).toEqual(badRequest("Creation of object '201' failed field value validation"));
    expect(await call(standin, 'GET', `${DYNAMIC}/res_pjsip/endpoint/201`)).toMatchObject({ status: 404 });
    expect(standin.dynamicObjects.map((object) => `${object.type}/${object.id}`)).toEqual(['endpoint/200']);
    // A body that is not valid JSON.
    const broken = await fetch(`${standin.url}${DYNAMIC}/res_pjsip/endpoint/200`, {
      method: 'PUT',
      headers: { authorization: `Basic ${Buffer.from(`${USER}:${PASSWORD}`).toString('base64')}`, 'content-type': 'application/json' },
      body: '{"fields": [',
    });
    expect([broken.status, await broken.json()]).toEqual([400, { message: 'Error parsing request body' }]);
    // Asterisk dereferences a missing attribute or value and dies; the stand-in says so.
    const crash = await call(standin, 'PUT', `${DYNAMIC}/res_pjsip/endpoint/200`, { fields: [{ value: 'x' }] });
    expect(crash.status).toBe(500);
    expect((crash.body as { message: string }).message).toMatch(/crashes Asterisk/);
  });

  it('an endpoint pushed without allow cannot be read back: GET and DELETE 404, a PUT creates it anew, gone at restart', async () => {
    const standin = await startStandin();
    const created = await put(standin, 'res_pjsip/endpoint/211', ['context', 'a'], ['callerid', 'X <211>']);
    expect(created.status).toBe(200);
    expect(valueOf(created, 'allow')).toBe('(nothing)');
    expect(await call(standin, 'GET', `${DYNAMIC}/res_pjsip/endpoint/211`)).toEqual({ status: 404, reason: 'Not Found', body: { message: "Object with id '211' not found" } });
    expect((await call(standin, 'GET', '/ari/endpoints/PJSIP/211')).body).toMatchObject({ resource: '211', state: 'offline' });
    // Not found, the object is created again from the PUT's fields alone: the caller id is lost.
    const again = await put(standin, 'res_pjsip/endpoint/211', ['context', 'b']);
    expect([again.status, valueOf(again, 'context'), valueOf(again, 'callerid')]).toEqual([200, 'b', '<unknown>']);
    expect((await call(standin, 'DELETE', `${DYNAMIC}/res_pjsip/endpoint/211`)).status).toBe(404);
    expect(standin.dynamicObject('res_pjsip', 'endpoint', '211')).toMatchObject({ readable: false, fields: { context: 'b', allow: '(nothing)' } });
    expect(() => standin.register('211', { ip: '127.0.0.1', port: 5090 })).toThrow(/without codecs/);

    // A JSON body not declared as JSON is ignored by Asterisk: the endpoint is created without its fields.
    const undeclared = await call(standin, 'PUT', `${DYNAMIC}/res_pjsip/endpoint/212`, fields(['allow', 'ulaw']), 'text/plain');
    expect([undeclared.status, valueOf(undeclared, 'allow')]).toEqual([200, '(nothing)']);

    await standin.restart();
    expect((await call(standin, 'GET', '/ari/endpoints/PJSIP/211')).status).toBe(404);
    expect(standin.dynamicObject('res_pjsip', 'endpoint', '211')?.readable).toBe(false);
    // Pushed with its codecs, it is an ordinary endpoint again.
    expect(valueOf(await put(standin, 'res_pjsip/endpoint/211', ['allow', 'ulaw']), 'allow')).toBe('(ulaw)');
    expect((await call(standin, 'GET', `${DYNAMIC}/res_pjsip/endpoint/211`)).status).toBe(200);
  });

  it('deleting a registered endpoint: 204, it leaves the listings without an event; its contact lingers and comes back with it', async () => {
    const standin = await startStandin();
    const { client, log } = await startApp(standin);
    expect((await put(standin, 'res_pjsip/endpoint/200', ['allow', 'ulaw'], ['aors', '200'])).status).toBe(200);
    standin.register('200', PHONE_200);
    await settle(standin, log);

    expect(await call(standin, 'DELETE', `${DYNAMIC}/res_pjsip/endpoint/200`)).toEqual({ status: 204, reason: 'No Content', body: null });
    expect(await settle(standin, log)).toEqual([]);
    expect(await call(standin, 'GET', '/ari/endpoints/PJSIP/200')).toEqual({ status: 404, reason: 'Not Found', body: { message: 'Endpoint not found' } });
    expect(((await call(standin, 'GET', '/ari/endpoints')).body as { resource: string }[]).map((e) => e.resource)).toEqual(['100']);
    expect((await call(standin, 'DELETE', `${DYNAMIC}/res_pjsip/endpoint/200`)).status).toBe(404);
    expect(standin.dynamicObject('res_pjsip', 'endpoint', '200')).toBeUndefined();

    // The contact stayed on the AOR (across a restart too): pushed again, the endpoint is online at once.
    const reconnected = once(client as unknown as EventEmitter, 'WebSocketConnected');
    await standin.restart();
    await reconnected;
    expect((await put(standin, 'res_pjsip/endpoint/200', ['allow', 'ulaw'], ['aors', '200'])).status).toBe(200);
    const events = await settle(standin, log);
    expect(events.map((event) => [event.type, (event['endpoint'] as { state: string }).state, (event['peer'] as { peer_status: string }).peer_status])).toEqual([
      ['PeerStatusChange', 'online', 'Reachable'],
      ['PeerStatusChange', 'online', 'Reachable'],
    ]);
    expect(((await call(standin, 'GET', '/ari/endpoints/PJSIP/200')).body as { state: string }).state).toBe('online');
  });

  it('failPushes makes the next pushes fail with Asterisk answers and changes nothing', async () => {
    const standin = await startStandin();
    standin.failPushes({ status: 500, count: 2 });
    expect(await put(standin, 'res_pjsip/endpoint/200', ['allow', 'ulaw'])).toEqual({ status: 500, reason: 'Internal Server Error', body: { error: 'Allocation failed' } });
    expect((await put(standin, 'res_pjsip/endpoint/200', ['allow', 'ulaw'])).status).toBe(500);
    expect((await call(standin, 'GET', '/ari/endpoints/PJSIP/200')).status).toBe(404);
    expect((await put(standin, 'res_pjsip/endpoint/200', ['allow', 'ulaw'])).status).toBe(200);

    standin.failPushes({ status: 403, type: 'aor' });
    expect((await put(standin, 'res_pjsip/auth/200', ['username', '200'], ['password', 'pw'])).status).toBe(200);
    expect(await put(standin, 'res_pjsip/aor/200', ['max_contacts', '1'])).toEqual({ status: 403, reason: 'Forbidden', body: { message: "Cannot create sorcery objects of type 'aor'" } });
    expect((await put(standin, 'res_pjsip/aor/200', ['max_contacts', '1'])).status).toBe(200);

    standin.failPushes({ status: 403, method: 'DELETE', id: '200' });
    expect(await call(standin, 'DELETE', `${DYNAMIC}/res_pjsip/endpoint/200`)).toEqual({ status: 403, reason: 'Forbidden', body: { message: "Could not delete object with id '200'" } });
    expect(standin.dynamicObject('res_pjsip', 'endpoint', '200')).toBeDefined();
    standin.failPushes({ status: 503, message: 'Asterisk not booted' });
    expect(await put(standin, 'res_pjsip/endpoint/200', ['context', 'x'])).toEqual({ status: 503, reason: 'Service Unavailable', body: { message: 'Asterisk not booted' } });
    expect(standin.dynamicObject('res_pjsip', 'endpoint', '200')?.fields['context']).toBe('default');
    // GETs are not pushes: they do not use up a failure.
    standin.failPushes({ status: 500 });
    expect((await call(standin, 'GET', `${DYNAMIC}/res_pjsip/endpoint/200`)).status).toBe(200);
    expect((await call(standin, 'DELETE', `${DYNAMIC}/res_pjsip/endpoint/200`)).status).toBe(500);
    expect((await call(standin, 'DELETE', `${DYNAMIC}/res_pjsip/endpoint/200`)).status).toBe(204);

    expect(standin.configRequests.map((r) => `${r.method} ${r.type}/${r.id} ${r.status}`)).toEqual([
      'PUT endpoint/200 500',
      'PUT endpoint/200 500',
      'PUT endpoint/200 200',
      'PUT auth/200 200',
      'PUT aor/200 403',
      'PUT aor/200 200',
      'DELETE endpoint/200 403',
      'PUT endpoint/200 503',
      'GET endpoint/200 200',
      'DELETE endpoint/200 500',
      'DELETE endpoint/200 204',
    ]);
  });

  it('pushed objects survive a restart (astdb); a restart with a wiped astdb loses them, with contacts and custom device states', async () => {
    const standin = await startStandin();
    expect((await put(standin, 'res_pjsip/endpoint/200', ['allow', 'ulaw'], ['callerid', 'Carol <200>'])).status).toBe(200);
    expect((await put(standin, 'res_pjsip/aor/200', ['max_contacts', '2'])).status).toBe(200);
    standin.register('200', PHONE_200);
    standin.register('100', { ip: '127.0.0.1', port: 5070 });
    standin.setCustomDeviceState('Custom:night', 'INUSE');

    await standin.restart();
    expect(standin.dynamicObjects.map((object) => `${object.type}/${object.id}`)).toEqual(['endpoint/200', 'aor/200']);
    expect(((await call(standin, 'GET', '/ari/endpoints/PJSIP/200')).body as { state: string }).state).toBe('online');
    expect(valueOf(await call(standin, 'GET', `${DYNAMIC}/res_pjsip/endpoint/200`), 'callerid')).toBe('"Carol" <200>');

    await standin.restart({ wipeAstdb: true });
    expect(standin.dynamicObjects).toEqual([]);
    expect((await call(standin, 'GET', `${DYNAMIC}/res_pjsip/aor/200`)).status).toBe(404);
    expect((await call(standin, 'GET', '/ari/endpoints/PJSIP/200')).status).toBe(404);
    expect(((await call(standin, 'GET', '/ari/endpoints/PJSIP/100')).body as { state: string }).state).toBe('offline');
    expect(((await call(standin, 'GET', '/ari/deviceStates/Custom:night')).body as { state: string }).state).toBe('UNKNOWN');
  });
});
