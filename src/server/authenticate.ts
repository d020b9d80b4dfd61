import type { Principal } from '../auth/permissions.js';
import type { Services } from '../services.js';

/** Resolves `Authorization: Bearer <token>` (an access token or an API key) to a principal. */
export async function authenticate(services: Services, authorization: string | null | undefined): Promise<Principal | null> {
  if (!authorization) return null;
  const match = /^Bearer\s+(\S+)$/i.exec(authorization.trim());
  if (!match) return null;
  const token = match[1]!;
  return services.apiKeys.isApiKey(token) ? services.apiKeys.authenticate(token) : services.sessions.authenticateAccessToken(token);
}
