import type { Principal } from '../auth/permissions.js';
import type { Services } from '../services.js';

/** Who a request's credential authenticates; when it presented one that authenticates no one, why not. */
export type Credential = { principal: Principal | null; refusal: string | null };

const anonymous: Credential = { principal: null, refusal: null };

/** Checks `Authorization: Bearer <token>` (an access token or an API key). */
export async function checkCredential(services: Services, authorization: string | null | undefined): Promise<Credential> {
  if (!authorization) return anonymous;
  const match = /^Bearer\s+(\S+)$/i.exec(authorization.trim());
  if (!match) return { principal: null, refusal: 'the Authorization header is not "Bearer <token>"' };
  const token = match[1]!;
  if (services.apiKeys.isApiKey(token)) {
    const principal = await services.apiKeys.authenticate(token);
    return principal ? { principal, refusal: null } : { principal: null, refusal: 'the API key is not valid: it is unknown, revoked or expired' };
  }
  const checked = await services.sessions.checkAccessToken(token);
  return 'principal' in checked ? { principal: checked.principal, refusal: null } : { principal: null, refusal: checked.refusal };
}

/** Resolves `Authorization: Bearer <token>` (an access token or an API key) to a principal. */
export async function authenticate(services: Services, authorization: string | null | undefined): Promise<Principal | null> {
  return (await checkCredential(services, authorization)).principal;
}
