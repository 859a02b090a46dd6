/**
 * The app backend's side of a Flex flow, as plain calls to passkeyd's management API
 * (passage-wire.md §3): what an app server does with the Node SDK, without depending on it.
 */

export interface ManagementTarget {
  /** passkeyd root URL, e.g. http://localhost:41234 (the API is under /v1). */
  baseUrl: string;
  appId: string;
  apiKey: string;
}

export interface Device {
  id: string;
  cred_id: string;
  [key: string]: unknown;
}

export class ManagementError extends Error {
  constructor(
    readonly status: number,
    readonly body: string,
    request: string,
  ) {
    super(`${request} -> HTTP ${status}: ${body}`);
  }
}

export function managementApi(target: ManagementTarget) {
  const root = `${target.baseUrl.replace(/\/+$/, '')}/v1/apps/${encodeURIComponent(target.appId)}`;

  async function call<T>(method: string, path: string, body?: object): Promise<T> {
    const response = await fetch(`${root}${path}`, {
      method,
      headers: {
        Authorization: `Bearer ${target.apiKey}`,
        ...(body && { 'Content-Type': 'application/json' }),
      },
      body: body && JSON.stringify(body),
    });
    const text = await response.text();
    if (!response.ok) throw new ManagementError(response.status, text, `${method} ${path}`);
    return (text ? JSON.parse(text) : undefined) as T;
  }

  const api = {
    async createRegisterTransaction(
      externalId: string,
      passkeyDisplayName = externalId,
      extra: { mediation?: 'conditional' } = {},
    ): Promise<string> {
      const { transaction_id } = await call<{ transaction_id: string }>(
        'POST',
        '/transactions/register',
        {
          external_id: externalId,
          passkey_display_name: passkeyDisplayName,
          ...extra,
        },
      );
      return transaction_id;
    },
    async createAuthenticateTransaction(externalId: string): Promise<string> {
      const { transaction_id } = await call<{ transaction_id: string }>(
        'POST',
        '/transactions/authenticate',
        {
          external_id: externalId,
        },
      );
      return transaction_id;
    },
    async verifyNonce(nonce: string): Promise<string> {
      const { external_id } = await call<{ external_id: string }>('POST', '/authenticate/verify', {
        nonce,
      });
      return external_id;
    },
    async findUserId(externalId: string): Promise<string> {
      const { users } = await call<{ users: Array<{ id: string; external_id: string }> }>(
        'GET',
        `/users?limit=1&identifier=${encodeURIComponent(externalId)}`,
      );
      const user = users[0];
      if (!user) throw new Error(`no passkeyd user for external id ${externalId}`);
      return user.id;
    },
    async listDevices(externalId: string): Promise<Device[]> {
      const userId = await api.findUserId(externalId);
      const { devices } = await call<{ devices: Device[] }>(
        'GET',
        `/users/${encodeURIComponent(userId)}/devices`,
      );
      return devices;
    },
    async revokeDevice(externalId: string, deviceId: string): Promise<void> {
      const userId = await api.findUserId(externalId);
      await call(
        'DELETE',
        `/users/${encodeURIComponent(userId)}/devices/${encodeURIComponent(deviceId)}`,
      );
    },
  };
  return api;
}

export type ManagementApi = ReturnType<typeof managementApi>;
