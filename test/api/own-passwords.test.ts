import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ERROR_FIELDS, ok, startTestServer, type TestServer } from '../support/server.js';

// Self-service passwords of every kind of login, and the API login password of
// extensions (the SIP secret sits on phones and in provisioning files: it is
// never an API password).

const LOGIN = `mutation($u: String!, $p: String!) { login(username: $u, password: $p) {
  __typename ... on MutationLoginSuccess { data { accessToken refreshToken } } ... on Error { message } } }`;
const CHANGE = `mutation($c: String!, $n: String!) { changeMyPassword(currentPassword: $c, newPassword: $n) {
  __typename ... on Error { message } ... on ValidationError { issues { path message code } } ... on LoginLockedError { retryAfterSeconds }
  ... on MutationChangeMyPasswordSuccess { data { username role } } } }`;
const SET = `mutation($e: String!, $p: String!) { setExtensionLoginPassword(extension: $e, password: $p) {
  ${ERROR_FIELDS} ... on MutationSetExtensionLoginPasswordSuccess { data { number loginPasswordSet } } } }`;
const REFRESH = `mutation($t: String!) { refreshTokens(refreshToken: $t) { __typename } }`;
const UPDATE = `mutation($id: ID!, $input: UpdateExtensionInput!) { updateExtension(id: $id, input: $input) { ${ERROR_FIELDS} } }`;

let server: TestServer;
beforeAll(async () => {
  // Slowed after 2 failures (250 ms, at most 300), locked after 5, per account name (and number).
  server = await startTestServer({ LOGIN_SLOW_AFTER: '2', LOGIN_LOCK_AFTER: '5', LOGIN_IP_LOCK_AFTER: '200', LOGIN_MAX_DELAY_MS: '300' });
});
afterAll(() => server.stop());

const loginResult = async (u: string, p: string) => (await server.gql(LOGIN, { u, p })).data.login;
const session = async (u: string, p: string) => {
  const r = await loginResult(u, p);
  if (r.__typename !== 'MutationLoginSuccess') throw new Error(`login ${u} failed: ${JSON.stringify(r)}`);
  return r.data as { accessToken: string; refreshToken: string };
};
const change = async (token: string, current: string, next: string) => (await server.gql(CHANGE, { c: current, n: next }, token)).data.changeMyPassword;
const whoAmI = async (token: string) => (await server.gql(`{ me { username } }`, {}, token)).data?.me?.username ?? null;
const createExtension = async (number: string, password: string, extra = '') =>
  ok<{ id: string }>(
    await server.gql(
      `mutation { createExtension(input: { number: "${number}", name: "E${number}", password: "${password}" ${extra} }) { ${ERROR_FIELDS} ... on MutationCreateExtensionSuccess { data { id } } } }`,
      {},
      server.adminToken,
    ),
    'createExtension',
  ).id;
const setLoginPassword = async (extension: string, password: string, token = server.adminToken) => (await server.gql(SET, { e: extension, p: password }, token)).data.setExtensionLoginPassword;

describe('accounts other than ADMIN change their own password', () => {
  beforeAll(async () => {
    await createExtension('300', 'Sip-secret-300');
    for (const [username, role, extension] of [
      ['oper1', 'OPERATOR', null],
      ['bill1', 'BILLING', null],
      ['panel1', 'OPERATOR_PANEL', '300'],
    ] as const) {
      const r = await server.gql(
        `mutation($u: String!, $r: AccountRole!, $e: String) { createAccount(input: { username: $u, password: "First-pass-1", role: $r, extension: $e }) { ${ERROR_FIELDS} ... on MutationCreateAccountSuccess { data { id } } } }`,
        { u: username, r: role, e: extension },
        server.adminToken,
      );
      ok(r, 'createAccount');
    }
  });

  for (const [username, role] of [
    ['oper1', 'OPERATOR'],
    ['bill1', 'BILLING'],
    ['panel1', 'OPERATOR_PANEL'],
  ] as const) {
    it(`${role}: the old password stops working, the new one works, its other sessions end`, async () => {
      const current = await session(username, 'First-pass-1');
      const other = await session(username, 'First-pass-1');

      const wrong = await change(current.accessToken, 'not-my-password', 'Second-pass-2');
      expect(wrong).toMatchObject({ __typename: 'AuthenticationError' });
      const short = await change(current.accessToken, 'First-pass-1', 'short');
      expect(short.__typename).toBe('ValidationError');
      expect(short.issues).toEqual([{ path: ['newPassword'], message: '8–128 characters', code: 'INVALID_LENGTH' }]);
      // Nothing changed so far.
      expect(await whoAmI(other.accessToken)).toBe(username);

      const changed = await change(current.accessToken, 'First-pass-1', 'Second-pass-2');
      expect(changed).toEqual({ __typename: 'MutationChangeMyPasswordSuccess', data: { username, role } });
      // This session stays; the other one (and its refresh token) ended.
      expect(await whoAmI(current.accessToken)).toBe(username);
      expect(await whoAmI(other.accessToken)).toBeNull();
      expect((await server.gql(REFRESH, { t: other.refreshToken })).data.refreshTokens.__typename).toBe('AuthenticationError');
      expect((await server.gql(REFRESH, { t: current.refreshToken })).data.refreshTokens.__typename).toBe('MutationRefreshTokensSuccess');

      expect((await loginResult(username, 'First-pass-1')).__typename).toBe('AuthenticationError');
      expect((await loginResult(username, 'Second-pass-2')).__typename).toBe('MutationLoginSuccess');
    });
  }

  it('a wrong current password counts in the login throttle: slowed, then locked, even for the right password', async () => {
    await server.gql(`mutation { createAccount(input: { username: "bill2", password: "First-pass-1", role: BILLING }) { __typename } }`, {}, server.adminToken);
    const token = (await session('bill2', 'First-pass-1')).accessToken;
    // Failures of login and of changeMyPassword add up on the same account.
    expect((await loginResult('bill2', 'wrong-1')).__typename).toBe('AuthenticationError');
    expect((await loginResult('bill2', 'wrong-2')).__typename).toBe('AuthenticationError');
    for (let i = 3; i <= 5; i++) {
      const started = performance.now();
      expect((await change(token, `wrong-${i}`, 'Second-pass-2')).__typename).toBe('AuthenticationError');
      // Past LOGIN_SLOW_AFTER the answer is held back, as for a login.
      expect(performance.now() - started).toBeGreaterThanOrEqual(200);
    }
    const locked = await change(token, 'First-pass-1', 'Second-pass-2');
    expect(locked.__typename).toBe('LoginLockedError');
    expect(locked.retryAfterSeconds).toBeGreaterThan(0);
    expect((await loginResult('bill2', 'First-pass-1')).__typename).toBe('LoginLockedError');
    // The password did not change and the session goes on.
    expect(await whoAmI(token)).toBe('bill2');
    const audit = await server.gql(`{ auditLog(first: 50, filter: { operation: "changeMyPassword" }) { edges { node { username outcome input } } } }`, {}, server.adminToken);
    const entries = audit.data.auditLog.edges.map((e: any) => e.node).filter((n: any) => n.username === 'bill2');
    expect(entries.map((n: any) => n.outcome)).toEqual(['LoginLockedError', 'AuthenticationError', 'AuthenticationError', 'AuthenticationError']);
    for (const e of entries) {
      expect(JSON.parse(e.input)).toEqual({ currentPassword: '[REDACTED]', newPassword: '[REDACTED]' });
    }
  });

  it('refuses callers without a password of their own', async () => {
    const anonymous = await server.gql(CHANGE, { c: 'First-pass-1', n: 'Second-pass-2' });
    expect(anonymous.data.changeMyPassword.__typename).toBe('NotPermittedError');
    const key = ok(
      await server.gql(`mutation { createApiKey(name: "k1", scopes: [EXTENSIONS_READ]) { ${ERROR_FIELDS} ... on MutationCreateApiKeySuccess { data { secret } } } }`, {}, server.adminToken),
      'createApiKey',
    ).secret;
    expect((await change(key, 'anything-1', 'Second-pass-2')).__typename).toBe('NotPermittedError');
  });
});

describe('extension users log in with a login password of their own, never with the SIP secret', () => {
  it('an extension with webLogin on cannot log in with its SIP secret, nor at all before a login password is set', async () => {
    await createExtension('201', 'Sip-secret-201');
    expect((await loginResult('201', 'Sip-secret-201')).__typename).toBe('AuthenticationError');
    expect((await loginResult('201', '')).__typename).toBe('AuthenticationError');
    const ext = await server.gql(`{ extension(number: "201") { webLogin loginPasswordSet } }`, {}, server.adminToken);
    expect(ext.data.extension).toEqual({ webLogin: true, loginPasswordSet: false });
  });

  it('after the admin sets a login password it can log in with it, and still not with the SIP secret', async () => {
    const id = await createExtension('202', 'Sip-secret-202');
    // Not the SIP secret, not too short, not for a missing extension.
    const same = await setLoginPassword('202', 'Sip-secret-202');
    expect(same.__typename).toBe('ValidationError');
    expect(same.issues).toEqual([{ path: ['password'], message: 'must differ from the SIP password', code: 'SAME_AS_SIP_PASSWORD' }]);
    expect((await setLoginPassword('202', 'short')).issues).toEqual([{ path: ['password'], message: '8–128 characters', code: 'INVALID_LENGTH' }]);
    expect((await setLoginPassword('299', 'Login-pass-299')).__typename).toBe('NotFoundError');

    expect(await setLoginPassword('202', 'Login-pass-202')).toEqual({ __typename: 'MutationSetExtensionLoginPasswordSuccess', data: { number: '202', loginPasswordSet: true } });
    const me = await session('202', 'Login-pass-202');
    expect((await server.gql(`{ me { username role } }`, {}, me.accessToken)).data.me).toEqual({ username: '202', role: 'EXTENSION_USER' });
    expect((await loginResult('202', 'Sip-secret-202')).__typename).toBe('AuthenticationError');

    // A reset by the admin (by global ID this time) ends the extension's sessions.
    expect((await setLoginPassword(id, 'Login-pass-202b')).__typename).toBe('MutationSetExtensionLoginPasswordSuccess');
    expect(await whoAmI(me.accessToken)).toBeNull();
    expect((await loginResult('202', 'Login-pass-202')).__typename).toBe('AuthenticationError');
    expect((await loginResult('202', 'Login-pass-202b')).__typename).toBe('MutationLoginSuccess');

    // Setting it needs extensions:secrets: not an operator, not the extension itself.
    await server.gql(`mutation { createAccount(input: { username: "oper2", password: "First-pass-1", role: OPERATOR }) { __typename } }`, {}, server.adminToken);
    const operator = await server.login('oper2', 'First-pass-1');
    expect((await setLoginPassword('202', 'Login-pass-op1', operator)).__typename).toBe('NotPermittedError');
    const self = await server.login('202', 'Login-pass-202b');
    expect((await setLoginPassword('202', 'Login-pass-self', self)).__typename).toBe('NotPermittedError');
    expect((await loginResult('202', 'Login-pass-202b')).__typename).toBe('MutationLoginSuccess');
    // Nor is it readable: only whether one is set.
    const hash = await server.gql(`{ extension(number: "202") { loginPasswordHash } }`, {}, server.adminToken);
    expect(hash.errors?.[0]?.message).toMatch(/Cannot query field "loginPasswordHash"/);
    // The audit log has every attempt, the password redacted.
    const audit = await server.gql(`{ auditLog(first: 50, filter: { operation: "setExtensionLoginPassword" }) { edges { node { outcome input } } } }`, {}, server.adminToken);
    const entries = audit.data.auditLog.edges.map((e: any) => e.node);
    expect(entries.length).toBeGreaterThanOrEqual(7);
    for (const e of entries) {
      expect(e.input).not.toMatch(/Login-pass|Sip-secret/);
      expect(JSON.parse(e.input).password).toBe('[REDACTED]');
    }
  });

  it('changes its own login password with changeMyPassword; never to its SIP secret', async () => {
    await createExtension('203', 'Sip-secret-203');
    expect((await setLoginPassword('203', 'Login-pass-203')).__typename).toBe('MutationSetExtensionLoginPasswordSuccess');
    const current = await session('203', 'Login-pass-203');
    const other = await session('203', 'Login-pass-203');

    // The SIP secret is not the current password either.
    expect((await change(current.accessToken, 'Sip-secret-203', 'Login-pass-203b')).__typename).toBe('AuthenticationError');
    const toSip = await change(current.accessToken, 'Login-pass-203', 'Sip-secret-203');
    expect(toSip.__typename).toBe('ValidationError');
    expect(toSip.issues).toEqual([{ path: ['newPassword'], message: 'must differ from the SIP password', code: 'SAME_AS_SIP_PASSWORD' }]);
    expect(await whoAmI(other.accessToken)).toBe('203');

    expect(await change(current.accessToken, 'Login-pass-203', 'Login-pass-203b')).toEqual({ __typename: 'MutationChangeMyPasswordSuccess', data: { username: '203', role: 'EXTENSION_USER' } });
    expect(await whoAmI(current.accessToken)).toBe('203');
    expect(await whoAmI(other.accessToken)).toBeNull();
    expect((await loginResult('203', 'Login-pass-203')).__typename).toBe('AuthenticationError');
    expect((await loginResult('203', 'Sip-secret-203')).__typename).toBe('AuthenticationError');
    expect((await loginResult('203', 'Login-pass-203b')).__typename).toBe('MutationLoginSuccess');
  });

  it('changing its SIP password does not change API login, and the SIP password may not become the login password', async () => {
    const id = await createExtension('204', 'Sip-secret-204');
    await setLoginPassword('204', 'Login-pass-204');
    const me = await session('204', 'Login-pass-204');

    // By the admin.
    expect((await server.gql(UPDATE, { id, input: { password: 'Sip-secret-204b' } }, server.adminToken)).data.updateExtension.__typename).toBe('MutationUpdateExtensionSuccess');
    expect(await whoAmI(me.accessToken)).toBe('204');
    expect((await loginResult('204', 'Sip-secret-204b')).__typename).toBe('AuthenticationError');
    expect((await loginResult('204', 'Sip-secret-204')).__typename).toBe('AuthenticationError');
    expect((await loginResult('204', 'Login-pass-204')).__typename).toBe('MutationLoginSuccess');

    // By the extension user itself (self-service SIP password).
    expect((await server.gql(UPDATE, { id, input: { password: 'Sip-secret-204c' } }, me.accessToken)).data.updateExtension.__typename).toBe('MutationUpdateExtensionSuccess');
    expect(await whoAmI(me.accessToken)).toBe('204');
    expect((await loginResult('204', 'Sip-secret-204c')).__typename).toBe('AuthenticationError');
    expect((await loginResult('204', 'Login-pass-204')).__typename).toBe('MutationLoginSuccess');

    // The SIP password cannot be set to the login password, by anyone.
    for (const token of [server.adminToken, me.accessToken]) {
      const same = await server.gql(UPDATE, { id, input: { password: 'Login-pass-204' } }, token);
      expect(same.data.updateExtension.__typename).toBe('ValidationError');
      expect(same.data.updateExtension.issues).toEqual([{ path: ['input', 'password'], message: 'must differ from the API login password', code: 'SAME_AS_LOGIN_PASSWORD' }]);
    }
    const sip = await server.gql(`{ extension(number: "204") { password } }`, {}, server.adminToken);
    expect(sip.data.extension.password).toBe('Sip-secret-204c');
  });

  it('the SIP secret is refused at login even if the stored login password were the same', async () => {
    const id = await createExtension('205', 'Sip-secret-205');
    await setLoginPassword('205', 'Login-pass-205');
    // Only a direct database write can make them equal; the login still refuses it.
    const prisma = server.running.services.db.prisma;
    await prisma.extension.update({
      where: {
        id: Buffer.from(id, 'base64')
          .toString()
          .replace(/^Extension:/, ''),
      },
      data: { password: 'Login-pass-205' },
    });
    expect((await loginResult('205', 'Login-pass-205')).__typename).toBe('AuthenticationError');
  });

  it('without a login password an extension has no API session, even one opened before', async () => {
    const id = await createExtension('206', 'Sip-secret-206');
    await setLoginPassword('206', 'Login-pass-206');
    const me = await session('206', 'Login-pass-206');
    expect(await whoAmI(me.accessToken)).toBe('206');
    // As after the upgrade, for sessions opened with the SIP secret: no login password, no access.
    await server.running.services.db.prisma.extension.update({
      where: {
        id: Buffer.from(id, 'base64')
          .toString()
          .replace(/^Extension:/, ''),
      },
      data: { loginPasswordHash: null },
    });
    expect(await whoAmI(me.accessToken)).toBeNull();
    expect((await server.gql(REFRESH, { t: me.refreshToken })).data.refreshTokens.__typename).toBe('AuthenticationError');
  });

  it('webLogin off still keeps it out, login password or not', async () => {
    await createExtension('207', 'Sip-secret-207', ', webLogin: false');
    expect((await setLoginPassword('207', 'Login-pass-207')).__typename).toBe('MutationSetExtensionLoginPasswordSuccess');
    expect((await loginResult('207', 'Login-pass-207')).__typename).toBe('AuthenticationError');
  });

  it('failed extension logins, with the SIP secret too, are throttled like accounts', async () => {
    await createExtension('208', 'Sip-secret-208');
    await setLoginPassword('208', 'Login-pass-208');
    for (let i = 0; i < 5; i++) expect((await loginResult('208', 'Sip-secret-208')).__typename).toBe('AuthenticationError');
    expect((await loginResult('208', 'Login-pass-208')).__typename).toBe('LoginLockedError');
  });
});
