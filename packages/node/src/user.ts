import { readArgs, readRevokeOptions } from './arguments.js';
import { devicesFrom, nothingFrom, renamedDeviceFrom, userFrom, userIdFrom } from './from-wire.js';
import type { HttpClient } from './http-client.js';
import { PassageError, PassageErrorCode } from './passage-error.js';
import type {
  DeviceArgs,
  PassageUser,
  RenameDeviceArgs,
  RevokeDeviceOptions,
  UserArgs,
  WebAuthnDevice,
} from './types.js';

/**
 * `passage.user`: read and manage a user and their passkeys, addressed by your external ID.
 * Every method first resolves the external ID to passkeyd's user ID (one extra GET), as
 * Passage's SDK did.
 */
export class User {
  readonly #http: HttpClient;

  constructor(http: HttpClient) {
    this.#http = http;
  }

  /**
   * @example
   * const user = await passage.user.get('user-4821');
   * console.log(user.loginCount, user.webauthnDevices.length);
   */
  get(externalId: string): Promise<PassageUser>;
  get(args: UserArgs): Promise<PassageUser>;
  async get(...args: unknown[]): Promise<PassageUser> {
    const userId = await this.#userId(readArgs(['externalId'], args).externalId);
    return this.#http.request({ method: 'GET', path: ['users', userId], read: userFrom });
  }

  /**
   * @example
   * for (const device of await passage.user.listDevices('user-4821')) {
   *   console.log(device.friendlyName, device.authenticatorName, device.lastLoginAt);
   * }
   */
  listDevices(externalId: string): Promise<WebAuthnDevice[]>;
  listDevices(args: UserArgs): Promise<WebAuthnDevice[]>;
  async listDevices(...args: unknown[]): Promise<WebAuthnDevice[]> {
    const userId = await this.#userId(readArgs(['externalId'], args).externalId);
    return this.#http.request({
      method: 'GET',
      path: ['users', userId, 'devices'],
      read: devicesFrom,
    });
  }

  /**
   * Deletes one passkey. It can no longer be used to sign in. Fails with 404
   * `device_not_found` when the device does not belong to this user, and with 409
   * `last_passkey` for the user's last passkey when the app has `prevent_last_passkey_removal`
   * on, unless `{ force: true }` (passkeyd addition).
   *
   * @example
   * await passage.user.revokeDevice('user-4821', device.id);
   * // an operator removing a lost device anyway: revokeDevice('user-4821', device.id, { force: true })
   */
  revokeDevice(externalId: string, deviceId: string, options?: RevokeDeviceOptions): Promise<void>;
  revokeDevice(args: DeviceArgs & RevokeDeviceOptions): Promise<void>;
  async revokeDevice(...args: unknown[]): Promise<void> {
    const { externalId, deviceId } = readArgs(['externalId', 'deviceId'], args);
    const { force } = readRevokeOptions(args);
    const userId = await this.#userId(externalId);
    await this.#http.request({
      method: 'DELETE',
      path: ['users', userId, 'devices', deviceId],
      ...(force ? { query: [['force', 'true']] as const } : {}),
      read: nothingFrom,
    });
  }

  /**
   * Renames one passkey (its `friendlyName`) and returns it updated. passkeyd extension.
   *
   * @example
   * await passage.user.renameDevice('user-4821', device.id, 'Work laptop');
   */
  renameDevice(externalId: string, deviceId: string, friendlyName: string): Promise<WebAuthnDevice>;
  renameDevice(args: RenameDeviceArgs): Promise<WebAuthnDevice>;
  async renameDevice(...args: unknown[]): Promise<WebAuthnDevice> {
    const { externalId, deviceId, friendlyName } = readArgs(
      ['externalId', 'deviceId', 'friendlyName'],
      args,
    );
    const userId = await this.#userId(externalId);
    return this.#http.request({
      method: 'PATCH',
      path: ['users', userId, 'devices', deviceId],
      body: { friendly_name: friendlyName },
      read: renamedDeviceFrom,
    });
  }

  /**
   * Deletes the user and all their passkeys. A later register transaction with the same
   * external ID starts a fresh user. passkeyd extension.
   *
   * @example
   * await passage.user.delete('user-4821');
   */
  delete(externalId: string): Promise<void>;
  delete(args: UserArgs): Promise<void>;
  async delete(...args: unknown[]): Promise<void> {
    const userId = await this.#userId(readArgs(['externalId'], args).externalId);
    await this.#http.request({ method: 'DELETE', path: ['users', userId], read: nothingFrom });
  }

  /** B4: external ID → user ID, with the same 404 Passage's 1.x SDK produced for no match. */
  async #userId(externalId: string): Promise<string> {
    const userId = await this.#http.request({
      method: 'GET',
      path: ['users'],
      query: [
        ['limit', '1'],
        ['identifier', externalId],
      ],
      read: (body) => userIdFrom(body, externalId),
    });
    if (userId === undefined) {
      throw new PassageError(404, PassageErrorCode.UserNotFound, 'User not found.');
    }
    return userId;
  }
}
