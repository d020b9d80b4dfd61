import { createClient } from 'graphql-ws';
import { decodeJwt, SignJWT } from 'jose';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { ADMIN_PASSWORD, ERROR_FIELDS, ok, startTestServer, type TestServer } from '../support/server.js';

const LOGIN = `mutation($u: String!, $p: String!) { login(username: $u, password: $p) {
  __typename
  ... on MutationLoginSuccess { data { accessToken refreshToken me { username role permissions } } }
  ... on LoginLockedError { message retryAfterSeconds }
  ... on Error { message } } }`;

describe('first start', () => {
  it('creates admin with a generated password printed once, and no other account', async () => {
    const server = await startTestServer({ ADMIN_PASSWORD: '' });
    try {
      const line = server.printed.join('\n');
      const password = /admin \/ (\S+)/.exec(line)?.[1];
      expect(password).toBeTruthy();
      expect(password!.length).toBeGreaterThanOrEqual(16);
      const token = await server.login('admin', password!);
      const accounts = await server.gql(`{ accounts(first: 10) { totalCount edges { node { username role builtIn } } } }`, {}, token);
      expect(accounts.data.accounts).toEqual({ totalCount: 1, edges: [{ node: { username: 'admin', role: 'ADMIN', builtIn: true } }] });
      // No well-known default works.
      for (const guess of ['admin', 'password', '123456']) {
        const r = await server.gql(LOGIN, { u: 'admin', p: guess });
        expect(r.data.login.__typename).toBe('AuthenticationError');
      }
      await server.restart();
      expect(server.printed.filter((l) => l.includes('Administrator login'))).toHaveLength(1);
      expect(await server.login('admin', password!)).toBeTruthy();
    } finally {
      await server.stop();
    }
  });

  it('uses ADMIN_PASSWORD when set and prints nothing', async () => {
    const server = await startTestServer();
    try {
      expect(server.printed).toEqual([]);
      const me = await server.gql(`{ me { username role } }`, {}, server.adminToken);
      expect(me.data.me).toEqual({ username: 'admin', role: 'ADMIN' });
    } finally {
      await server.stop();
    }
  });
});

describe('tokens, accounts and API keys', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer();
  });
  afterAll(() => server.stop());

  /** An access token signed with the server's key for the session of `like`, with no expiry or one in the past. */
  async function signedAccessToken(like: string, { expiredSecondsAgo }: { expiredSecondsAgo?: number }): Promise<string> {
    const secret = readFileSync(join(server.running.config.dataDir, 'token-secret'), 'utf8').trim();
    const claims = decodeJwt(like);
    const token = new SignJWT({ sid: claims.sid, kind: claims.kind }).setProtectedHeader({ alg: 'HS256' }).setSubject(claims.sub!).setIssuer('pbx').setAudience('pbx-api');
    if (expiredSecondsAgo === undefined) return token.setIssuedAt().sign(new TextEncoder().encode(secret));
    const now = Math.floor(Date.now() / 1000);
    return token
      .setIssuedAt(now - expiredSecondsAgo - 900)
      .setExpirationTime(now - expiredSecondsAgo)
      .sign(new TextEncoder().encode(secret));
  }

  it('refresh tokens rotate and logout revokes the access token', async () => {
    const login = await server.gql(LOGIN, { u: 'admin', p: ADMIN_PASSWORD });
    const { accessToken, refreshToken } = login.data.login.data;
    const refreshed = await server.gql(`mutation($t: String!) { refreshTokens(refreshToken: $t) { __typename ... on MutationRefreshTokensSuccess { data { accessToken refreshToken } } } }`, {
      t: refreshToken,
    });
    expect(refreshed.data.refreshTokens.__typename).toBe('MutationRefreshTokensSuccess');
    // The old session ended with the rotation.
    expect((await server.gql(`{ me { username } }`, {}, accessToken)).data.me).toBeNull();
    const fresh = refreshed.data.refreshTokens.data.accessToken;
    expect((await server.gql(`{ me { username } }`, {}, fresh)).data.me.username).toBe('admin');
    expect((await server.gql(`mutation { logout }`, {}, fresh)).data.logout).toBe(true);
    expect((await server.gql(`{ me { username } }`, {}, fresh)).data.me).toBeNull();
    const afterLogout = await server.gql(`mutation($t: String!) { refreshTokens(refreshToken: $t) { __typename } }`, { t: refreshed.data.refreshTokens.data.refreshToken });
    expect(afterLogout.data.refreshTokens.__typename).toBe('AuthenticationError');
  });

  it("a refresh token used twice revokes its whole family, the thief's chain and the owner's alike", async () => {
    const login = await server.gql(LOGIN, { u: 'admin', p: ADMIN_PASSWORD });
    const stolen = login.data.login.data.refreshToken;
    const REFRESH = `mutation($t: String!) { refreshTokens(refreshToken: $t) { __typename ... on MutationRefreshTokensSuccess { data { accessToken refreshToken } } } }`;
    // The thief redeems first and keeps refreshing.
    const first = (await server.gql(REFRESH, { t: stolen })).data.refreshTokens.data;
    const second = (await server.gql(REFRESH, { t: first.refreshToken })).data.refreshTokens.data;
    expect((await server.gql(`{ me { username } }`, {}, second.accessToken)).data.me.username).toBe('admin');
    // The owner presents the original token: reuse is detected.
    expect((await server.gql(REFRESH, { t: stolen })).data.refreshTokens.__typename).toBe('AuthenticationError');
    expect((await server.gql(`{ me { username } }`, {}, second.accessToken)).data.me).toBeNull();
    expect((await server.gql(REFRESH, { t: second.refreshToken })).data.refreshTokens.__typename).toBe('AuthenticationError');
    // Another login is another family and still works.
    expect((await server.gql(`{ me { username } }`, {}, server.adminToken)).data.me.username).toBe('admin');
  });

  it('two concurrent redemptions of one refresh token: at most one succeeds', async () => {
    const login = await server.gql(LOGIN, { u: 'admin', p: ADMIN_PASSWORD });
    const token = login.data.login.data.refreshToken;
    const results = await Promise.all([0, 1, 2].map(() => server.gql(`mutation($t: String!) { refreshTokens(refreshToken: $t) { __typename } }`, { t: token })));
    expect(results.filter((r) => r.data.refreshTokens.__typename === 'MutationRefreshTokensSuccess').length).toBeLessThanOrEqual(1);
  });

  it('an access token without an expiry is refused even when signed with the key', async () => {
    const noExp = await signedAccessToken(server.adminToken, {});
    expect((await server.gql(`{ me { username } }`, {}, noExp)).data?.me ?? null).toBeNull();
  });

  it('a refused token runs as anonymous: refusals are UNAUTHENTICATED and say why, while refreshTokens still works', async () => {
    const [h, p] = server.adminToken.split('.');
    const forged = await server.gql(`{ me { username } extensions(first: 1) { totalCount } }`, {}, `${h}.${p}.AAAA`);
    expect(forged.data?.me ?? null).toBeNull();
    expect(forged.errors?.[0]).toMatchObject({ message: expect.stringMatching(/^Not authenticated: the access token is not valid/), extensions: { code: 'UNAUTHENTICATED' } });

    const login = await server.gql(LOGIN, { u: 'admin', p: ADMIN_PASSWORD });
    const expired = await signedAccessToken(login.data.login.data.accessToken, { expiredSecondsAgo: 60 });
    const listed = await server.gql(`{ extensions(first: 1) { totalCount } }`, {}, expired);
    expect(listed.errors?.[0]).toMatchObject({ message: 'Not authenticated: the access token has expired: renew it with refreshTokens, or log in again', extensions: { code: 'UNAUTHENTICATED' } });
    const calls = await server.gql(`{ calls { id } }`, {}, expired);
    expect(calls.errors?.[0]).toMatchObject({ message: expect.stringMatching(/^Not authenticated: the access token has expired/), extensions: { code: 'UNAUTHENTICATED' } });
    // A mutation answers its typed refusal, with the reason.
    const write = await server.gql(`mutation { createExtension(input: { number: "151", name: "X", password: "secret151" }) { ${ERROR_FIELDS} ... on NotPermittedError { code } } }`, {}, expired);
    expect(write.data.createExtension).toMatchObject({ __typename: 'NotPermittedError', code: 'UNAUTHENTICATED', message: expect.stringMatching(/the access token has expired/) });
    // `me`, the usual probe of a session, is null and says why.
    const me = await server.gql(`{ me { username } }`, {}, expired);
    expect(me.data.me).toBeNull();
    expect(me.errors?.[0]).toMatchObject({ message: expect.stringMatching(/^Not authenticated: the access token has expired/), extensions: { code: 'UNAUTHENTICATED' } });
    expect((await server.gql(`{ me { username } }`)).errors).toBeUndefined();
    // A subscription over SSE is refused the same way.
    const sse = await fetch(`${server.graphqlUrl}?query=${encodeURIComponent('subscription { extensionStatusChanged { number } }')}`, {
      headers: { accept: 'text/event-stream', authorization: `Bearer ${expired}` },
    });
    const streamed = await sse.text();
    expect(streamed).toContain('"message":"Not authenticated: the access token has expired');
    expect(streamed).toContain('"code":"UNAUTHENTICATED"');
    // A client that sends its old token along with the renewal is renewed.
    const renewed = await server.gql(`mutation($t: String!) { refreshTokens(refreshToken: $t) { __typename } }`, { t: login.data.login.data.refreshToken }, expired);
    expect(renewed.data.refreshTokens.__typename).toBe('MutationRefreshTokensSuccess');

    const unknownKey = await server.gql(`{ extensions(first: 1) { totalCount } }`, {}, 'pbx_0123456789abcdef_0123456789abcdef0123456789abcdef');
    expect(unknownKey.errors?.[0]?.message).toMatch(/^Not authenticated: the API key is not valid/);
    const basic = await fetch(server.graphqlUrl, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: 'Basic YWRtaW46YWRtaW4=' },
      body: JSON.stringify({ query: '{ extensions(first: 1) { totalCount } }' }),
    });
    expect(((await basic.json()) as { errors: { message: string }[] }).errors[0]!.message).toBe('Not authenticated: the Authorization header is not "Bearer <token>"');
    // Without any credential, the refusal is UNAUTHENTICATED too, without a reason.
    expect((await server.gql(`{ extensions(first: 1) { totalCount } }`)).errors?.[0]).toMatchObject({ message: 'Not authenticated', extensions: { code: 'UNAUTHENTICATED' } });
  });

  it('a graphql-ws connection with a refused token is closed with 4403 when it opens; one without a token opens', async () => {
    const login = await server.gql(LOGIN, { u: 'admin', p: ADMIN_PASSWORD });
    const expired = await signedAccessToken(login.data.login.data.accessToken, { expiredSecondsAgo: 60 });
    const opening = async (connectionParams: Record<string, string>) => {
      const client = createClient({ url: server.graphqlUrl.replace('http', 'ws'), webSocketImpl: WebSocket, connectionParams, retryAttempts: 0, lazy: false });
      try {
        return await new Promise<string>((resolve) => {
          client.on('connected', () => resolve('open'));
          client.on('closed', (event) => resolve(`${(event as CloseEvent).code} ${(event as CloseEvent).reason}`));
        });
      } finally {
        await client.dispose();
      }
    };
    expect(await opening({ authorization: `Bearer ${expired}` })).toBe('4403 Forbidden: the access token has expired: renew it with refreshTokens, or log in again');
    expect(await opening({ authorization: 'Bearer not-a-token' })).toBe('4403 Forbidden: the access token is not valid: it is not one of this server, or its session has ended');
    expect(await opening({})).toBe('open');
    expect(await opening({ authorization: `Bearer ${login.data.login.data.accessToken}` })).toBe('open');
  });

  it('roles: an operator reads but cannot write; the built-in admin cannot be deleted', async () => {
    const created = await server.gql(
      `mutation { createAccount(input: { username: "op1", password: "operator-pass", role: OPERATOR }) { ${ERROR_FIELDS} ... on MutationCreateAccountSuccess { data { id username role } } } }`,
      {},
      server.adminToken,
    );
    expect(ok(created, 'createAccount')).toMatchObject({ username: 'op1', role: 'OPERATOR' });
    const op = await server.login('op1', 'operator-pass');
    expect((await server.gql(`{ extensions(first: 1) { totalCount } }`, {}, op)).data.extensions.totalCount).toBe(0);
    const write = await server.gql(`mutation { createExtension(input: { number: "150", name: "X", password: "secret150" }) { ${ERROR_FIELDS} ... on NotPermittedError { code } } }`, {}, op);
    expect(write.data.createExtension).toMatchObject({ __typename: 'NotPermittedError', code: 'FORBIDDEN' });
    const audit = await server.gql(`{ auditLog(first: 1) { totalCount } }`, {}, op);
    expect(audit.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');

    const admins = await server.gql(`{ accounts(first: 10) { edges { node { id username } } } }`, {}, server.adminToken);
    const adminId = admins.data.accounts.edges.find((e: any) => e.node.username === 'admin').node.id;
    const del = await server.gql(`mutation($id: ID!) { deleteAccount(id: $id) { ${ERROR_FIELDS} } }`, { id: adminId }, server.adminToken);
    expect(del.data.deleteAccount.__typename).toBe('NotPermittedError');
    const demote = await server.gql(`mutation($id: ID!) { updateAccount(id: $id, input: { role: BILLING }) { ${ERROR_FIELDS} } }`, { id: adminId }, server.adminToken);
    expect(demote.data.updateAccount.__typename).toBe('NotPermittedError');
  });

  it('account input is validated by field', async () => {
    const r = await server.gql(`mutation { createAccount(input: { username: "9abc", password: "short", role: OPERATOR_PANEL }) { ${ERROR_FIELDS} } }`, {}, server.adminToken);
    expect(r.data.createAccount.__typename).toBe('ValidationError');
    const paths = r.data.createAccount.issues.map((i: any) => i.path.join('.'));
    expect(paths).toEqual(expect.arrayContaining(['input.username', 'input.password', 'input.extensionId']));
  });

  it('an account manager manages only accounts with no permission it lacks: a key with accounts:write alone cannot make or take over an admin', async () => {
    const key = ok(
      await server.gql(
        `mutation { createApiKey(name: "hr", scopes: [ACCOUNTS_WRITE, ACCOUNTS_READ, EXTENSIONS_READ, DEPARTMENTS_READ, CALLRECORDS_READ]) { ${ERROR_FIELDS} ... on MutationCreateApiKeySuccess { data { secret } } } }`,
        {},
        server.adminToken,
      ),
      'createApiKey',
    ).secret as string;
    const refused = async (mutation: string, field: string) => {
      const r = await server.gql(`mutation { ${mutation} { ${ERROR_FIELDS} ... on NotPermittedError { path } } }`, {}, key);
      expect(r.data[field].__typename, JSON.stringify(r)).toBe('NotPermittedError');
      return r.data[field] as { message: string; path: string[] };
    };
    const asAdmin = await refused(`createAccount(input: { username: "evilroot", password: "EvilPass123!", role: ADMIN })`, 'createAccount');
    expect(asAdmin.path).toEqual(['input', 'role']);
    expect(asAdmin.message).toMatch(/ADMIN role has .*settings:write.* which you do not hold yourself/);
    const admins = await server.gql(`{ accounts(first: 10) { edges { node { id username role } } } }`, {}, key);
    const admin = admins.data.accounts.edges.map((e: any) => e.node).find((a: any) => a.username === 'admin');
    expect((await refused(`updateAccount(id: "${admin.id}", input: { password: "Hijacked123!" })`, 'updateAccount')).message).toMatch(/^Not permitted to change admin/);
    expect((await refused(`deleteAccount(id: "${admin.id}")`, 'deleteAccount')).message).toMatch(/^Not permitted to delete admin/);
    await expect(server.login('admin', 'Hijacked123!')).rejects.toThrow();
    // A role within its own permissions it may give, and then not raise.
    const billing = ok(
      await server.gql(
        `mutation { createAccount(input: { username: "billing7", password: "Billing-pass7", role: BILLING }) { ${ERROR_FIELDS} ... on MutationCreateAccountSuccess { data { id role } } } }`,
        {},
        key,
      ),
      'createAccount',
    );
    expect(billing.role).toBe('BILLING');
    expect((await refused(`updateAccount(id: "${billing.id}", input: { role: OPERATOR })`, 'updateAccount')).path).toEqual(['input', 'role']);
    expect((await server.gql(`{ accounts(first: 10) { edges { node { username } } } }`, {}, server.adminToken)).data.accounts.edges.map((e: any) => e.node.username)).not.toContain('evilroot');
  });

  it('API keys carry only their scopes and stop working when revoked', async () => {
    const created = await server.gql(
      `mutation { createApiKey(name: "crm", scopes: [EXTENSIONS_READ]) { ${ERROR_FIELDS} ... on MutationCreateApiKeySuccess { data { secret apiKey { id scopes } } } } }`,
      {},
      server.adminToken,
    );
    const { secret, apiKey } = ok(created, 'createApiKey');
    expect(secret).toMatch(/^pbx_[A-Za-z0-9]{12}_/);
    expect(apiKey.scopes).toEqual(['EXTENSIONS_READ']);
    expect((await server.gql(`{ me { role permissions } }`, {}, secret)).data.me).toEqual({ role: 'API_KEY', permissions: ['EXTENSIONS_READ'] });
    expect((await server.gql(`{ extensions(first: 1) { totalCount } }`, {}, secret)).data.extensions.totalCount).toBeGreaterThanOrEqual(0);
    const write = await server.gql(`mutation { createExtension(input: { number: "151", name: "Y", password: "secret151" }) { __typename } }`, {}, secret);
    expect(write.data.createExtension.__typename).toBe('NotPermittedError');
    const secrets = await server.gql(`{ extensions(first: 5) { edges { node { number } } } exportExtensions(format: CSV) { filename } }`, {}, secret);
    expect(secrets.errors?.map((e) => e.extensions?.code)).toContain('FORBIDDEN');
    await server.gql(`mutation($id: ID!) { revokeApiKey(id: $id) { __typename } }`, { id: apiKey.id }, server.adminToken);
    expect((await server.gql(`{ me { role } }`, {}, secret)).data.me).toBeNull();
    const wrongSecret = secret.slice(0, -2) + (secret.endsWith('AA') ? 'BB' : 'AA');
    expect((await server.gql(`{ me { role } }`, {}, wrongSecret)).data.me).toBeNull();
  });

  it('a key with APIKEYS_WRITE revokes only keys whose scopes it holds itself', async () => {
    const create = async (scopes: string, token = server.adminToken) =>
      ok<{ secret: string; apiKey: { id: string } }>(
        await server.gql(`mutation { createApiKey(name: "k", scopes: [${scopes}]) { ${ERROR_FIELDS} ... on MutationCreateApiKeySuccess { data { secret apiKey { id } } } } }`, {}, token),
        'createApiKey',
      );
    const strong = await create('EXTENSIONS_SECRETS, ACCOUNTS_WRITE, APIKEYS_WRITE');
    const keeper = await create('APIKEYS_WRITE, EXTENSIONS_READ');
    const weak = await create('EXTENSIONS_READ', keeper.secret);
    const revoke = async (id: string, token: string) =>
      (await server.gql(`mutation($id: ID!) { revokeApiKey(id: $id) { __typename ... on NotPermittedError { message code } } }`, { id }, token)).data.revokeApiKey;
    expect(await revoke(strong.apiKey.id, keeper.secret)).toEqual({
      __typename: 'NotPermittedError',
      message: 'Not permitted: the key has extensions:secrets, accounts:write, which you do not hold yourself',
      code: 'FORBIDDEN',
    });
    expect((await server.gql(`{ me { role } }`, {}, strong.secret)).data.me).toEqual({ role: 'API_KEY' });
    expect((await revoke(weak.apiKey.id, keeper.secret)).__typename).toBe('MutationRevokeApiKeySuccess');
    expect((await revoke(strong.apiKey.id, server.adminToken)).__typename).toBe('MutationRevokeApiKeySuccess');
  });

  it('a key made by a key ends with it: revoked with it, never expiring after it; a deleted account takes its keys with it', async () => {
    const create = async (token: string, expiresAt?: string) =>
      server.gql(
        `mutation($at: DateTime) { createApiKey(name: "child", scopes: [APIKEYS_WRITE, EXTENSIONS_READ], expiresAt: $at) { ${ERROR_FIELDS} ... on MutationCreateApiKeySuccess { data { secret apiKey { id expiresAt createdBy } } } } }`,
        { at: expiresAt ?? null },
        token,
      );
    const works = async (secret: string) => (await server.gql(`{ extensions(first: 1) { totalCount } }`, {}, secret)).errors === undefined;
    const soon = new Date(Date.now() + 120_000);
    const parent = ok(await create(server.adminToken, soon.toISOString()), 'createApiKey');
    expect(parent.apiKey.createdBy).toBe('admin');
    // Asked for no expiry, or a later one, under a key that expires: the parent's expiry, or refused naming the field.
    const child = ok(await create(parent.secret), 'createApiKey');
    expect(new Date(child.apiKey.expiresAt).getTime()).toBe(soon.getTime());
    expect(child.apiKey.createdBy).toBe('apikey:child');
    const later = await create(parent.secret, new Date(Date.now() + 86_400_000).toISOString());
    expect(later.data.createApiKey).toMatchObject({ __typename: 'ValidationError', issues: [{ path: ['input', 'expiresAt'], code: 'OUT_OF_BOUNDS' }] });
    const grandchild = ok(await create(child.secret), 'createApiKey');
    expect(await works(grandchild.secret)).toBe(true);
    const revoked = await server.gql(`mutation($id: ID!) { revokeApiKey(id: $id) { __typename } }`, { id: parent.apiKey.id }, server.adminToken);
    expect(revoked.data.revokeApiKey.__typename).toBe('MutationRevokeApiKeySuccess');
    expect(await works(child.secret)).toBe(false);
    expect(await works(grandchild.secret)).toBe(false);

    ok(await server.gql(`mutation { createAccount(input: { username: "leaver", password: "Leaver-pw-1", role: ADMIN }) { ${ERROR_FIELDS} } }`, {}, server.adminToken), 'createAccount');
    const leaver = await server.login('leaver', 'Leaver-pw-1');
    const made = ok(await create(leaver), 'createApiKey');
    const madeByMade = ok(await create(made.secret), 'createApiKey');
    expect(await works(madeByMade.secret)).toBe(true);
    const leaverId = (await server.gql(`{ accounts(first: 50) { edges { node { id username } } } }`, {}, server.adminToken)).data.accounts.edges.find((e: any) => e.node.username === 'leaver').node.id;
    ok(await server.gql(`mutation($id: ID!) { deleteAccount(id: $id) { ${ERROR_FIELDS} ... on MutationDeleteAccountSuccess { data } } }`, { id: leaverId }, server.adminToken), 'deleteAccount');
    expect(await works(made.secret)).toBe(false);
    expect(await works(madeByMade.secret)).toBe(false);
  });
});

describe('login abuse', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer({ LOGIN_SLOW_AFTER: '2', LOGIN_LOCK_AFTER: '4', LOGIN_IP_LOCK_AFTER: '50', LOGIN_MAX_DELAY_MS: '400' });
  });
  afterAll(() => server.stop());

  it('slows and then locks out an account, even for the right password', async () => {
    const times: number[] = [];
    for (let i = 0; i < 3; i++) {
      const started = performance.now();
      const r = await server.gql(LOGIN, { u: 'admin', p: `wrong-${i}` });
      times.push(performance.now() - started);
      expect(r.data.login.__typename).toBe('AuthenticationError');
    }
    // The third failure is past LOGIN_SLOW_AFTER=2, so its answer was held back.
    expect(times[2]).toBeGreaterThanOrEqual(200);
    const fourth = await server.gql(LOGIN, { u: 'admin', p: 'wrong-3' });
    expect(fourth.data.login.__typename).toBe('AuthenticationError');
    const locked = await server.gql(LOGIN, { u: 'admin', p: ADMIN_PASSWORD });
    expect(locked.data.login.__typename).toBe('LoginLockedError');
    expect(locked.data.login.retryAfterSeconds).toBeGreaterThan(0);
    const audit = await server.gql(`{ auditLog(first: 20, filter: { operation: "login" }) { edges { node { outcome username input } } } }`, {}, server.adminToken);
    const outcomes = audit.data.auditLog.edges.map((e: any) => e.node.outcome);
    expect(outcomes).toContain('LoginLockedError');
    expect(outcomes).toContain('AuthenticationError');
    for (const e of audit.data.auditLog.edges) expect(e.node.input).not.toContain('wrong-');
  });

  it('checks no more passwords than the limit when wrong guesses arrive all at once', async () => {
    ok(await server.gql(`mutation { createAccount(input: { username: "burst1", password: "Burst1-pass", role: BILLING }) { ${ERROR_FIELDS} } }`, {}, server.adminToken), 'createAccount');
    const answers = await Promise.all(Array.from({ length: 16 }, (_, i) => server.gql(LOGIN, { u: 'burst1', p: `guess-${i}` })));
    const kinds = answers.map((r) => r.data.login.__typename as string);
    // LOGIN_LOCK_AFTER=4: at most four passwords were checked, every other attempt was refused unchecked.
    expect(kinds.filter((k) => k === 'AuthenticationError').length).toBeGreaterThanOrEqual(1);
    expect(kinds.filter((k) => k === 'AuthenticationError').length).toBeLessThanOrEqual(4);
    expect(kinds.filter((k) => k !== 'AuthenticationError').every((k) => k === 'LoginLockedError')).toBe(true);
    expect((await server.gql(LOGIN, { u: 'burst1', p: 'Burst1-pass' })).data.login.__typename).toBe('LoginLockedError');
  });

  it('does not count successful logins against the IP', async () => {
    ok(await server.gql(`mutation { createAccount(input: { username: "burst2", password: "Burst2-pass", role: BILLING }) { ${ERROR_FIELDS} } }`, {}, server.adminToken), 'createAccount');
    // LOGIN_IP_LOCK_AFTER=50, all from one address.
    for (let i = 0; i < 55; i++) expect((await server.gql(LOGIN, { u: 'burst2', p: 'Burst2-pass' })).data.login.__typename, `login ${i}`).toBe('MutationLoginSuccess');
  });

  it('refuses documents that batch credential attempts or exceed the alias limit', async () => {
    const aliases = Array.from({ length: 1000 }, (_, i) => `a${i}: login(username: "op", password: "p${i}") { __typename }`).join('\n');
    const many = await server.gql(`mutation { ${aliases} }`);
    expect(many.data).toBeUndefined();
    expect(many.errors?.length).toBeGreaterThan(0);
    const two = await server.gql(`mutation { a: login(username: "x1", password: "p") { __typename } b: login(username: "x2", password: "q") { __typename } }`);
    expect(two.errors?.[0]?.extensions?.code).toBe('TOO_MANY_CREDENTIAL_ATTEMPTS');
    const aliasedQuery = Array.from({ length: 40 }, (_, i) => `m${i}: me { username }`).join(' ');
    const aliasResult = await server.gql(`{ ${aliasedQuery} }`, {}, server.adminToken);
    expect(aliasResult.data).toBeUndefined();
    // None of them reached the resolver: nothing was audited for x1/x2 or op.
    const audit = await server.gql(`{ auditLog(first: 50, filter: { operation: "login" }) { edges { node { username } } } }`, {}, server.adminToken);
    expect(audit.data.auditLog.edges.map((e: any) => e.node.username)).not.toContain('op');
    expect(audit.data.auditLog.edges.map((e: any) => e.node.username)).not.toContain('x1');
  });

  it('names the field that is too long: the username or the password', async () => {
    for (const [username, password, field] of [
      ['admin', 'x'.repeat(300), 'password'],
      ['a'.repeat(100), 'whatever-pass', 'username'],
    ] as const) {
      const r = await server.gql(`mutation($u: String!, $p: String!) { login(username: $u, password: $p) { __typename ... on ValidationError { issues { path code } } } }`, {
        u: username,
        p: password,
      });
      expect(r.data?.login?.__typename, JSON.stringify(r)).toBe('ValidationError');
      expect(r.data.login.issues).toEqual([expect.objectContaining({ path: [field], code: 'OUT_OF_BOUNDS' })]);
    }
  });

  it('refuses documents nested too deep', async () => {
    let selection = 'number';
    for (let i = 0; i < 8; i++) selection = `departments { members { ${selection} } }`;
    const r = await server.gql(`{ me { extension { ${selection} } } }`, {}, server.adminToken);
    expect(r.data).toBeUndefined();
    expect(r.errors?.map((e) => e.message).join('\n'), JSON.stringify(r)).toMatch(/depth/i);
  });
});
