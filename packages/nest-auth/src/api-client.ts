import createClient, { type Client } from 'openapi-fetch';
import type { paths } from './generated/api';

export type UserManagementClient = Client<paths>;

/**
 * A typed client of the whole service API, generated from its OpenAPI document: paths, bodies, answers and
 * errors are checked by the compiler. Authenticate with a user's access token or a service's API key.
 *
 *   const api = createUserManagementClient({ baseUrl: 'https://users.example.com', apiKey });
 *   const { data, error } = await api.GET('/api/v2/users/{id}', { params: { path: { id } } });
 */
export function createUserManagementClient(o: {
  baseUrl: string;
  accessToken?: string;
  apiKey?: string;
  tenant?: string;
  fetch?: typeof fetch;
}): UserManagementClient {
  const headers: Record<string, string> = {};
  if (o.accessToken) headers.authorization = `Bearer ${o.accessToken}`;
  if (o.apiKey) headers['x-api-key'] = o.apiKey;
  if (o.tenant) headers['x-tenant-id'] = o.tenant;
  return createClient<paths>({
    baseUrl: o.baseUrl.replace(/\/+$/, ''),
    headers,
    ...(o.fetch ? { fetch: o.fetch } : {}),
  });
}
