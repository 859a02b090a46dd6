import { decodeBase64url } from './base64url.js';
import { PasskeydError } from './errors.js';

/**
 * Start responses carry WebAuthn options as JSON inside `handshake.challenge.publicKey`
 * (passage-wire §2.3, §2.5). These turn them into what navigator.credentials.create/get take.
 * Binary fields are decoded; other keys pass through, so newer ones (`hints`) reach the browser.
 */

export interface Handshake<Options> {
  id: string;
  publicKey: Options;
}

type Json = Record<string, unknown>;

/** Reads `{ handshake: { id, challenge: { publicKey } } }` from a start response. */
export function readHandshake(body: unknown): Handshake<Json> {
  const handshake = field(body, 'handshake');
  const id = field(handshake, 'id');
  const publicKey = field(field(handshake, 'challenge'), 'publicKey');
  if (typeof id !== 'string' || !isObject(publicKey)) {
    throw invalid('The start response has no handshake.id and handshake.challenge.publicKey.');
  }
  return { id, publicKey };
}

/** Reads `{ nonce }` from a finish response: the one value the ceremony resolves with. */
export function readNonce(body: unknown): string {
  const nonce = field(body, 'nonce');
  // passage-flex-js resolved `undefined` here (passage-wire §8.4); an app cannot use that.
  if (typeof nonce !== 'string' || nonce === '') throw invalid('The finish response has no nonce.');
  return nonce;
}

export function toCreationOptions(json: Json): PublicKeyCredentialCreationOptions {
  const options = withoutNulls(json);
  const user = options.user;
  if (!isObject(user)) throw invalid('The registration options have no user.');
  return {
    ...options,
    challenge: binary(options.challenge, 'challenge'),
    rp: withoutNulls(isObject(options.rp) ? options.rp : {}),
    user: { ...withoutNulls(user), id: binary(user.id, 'user.id') },
    ...(isObject(options.authenticatorSelection) && {
      authenticatorSelection: withoutNulls(options.authenticatorSelection),
    }),
    ...(options.excludeCredentials !== undefined && {
      excludeCredentials: descriptors(options.excludeCredentials, 'excludeCredentials'),
    }),
  } as unknown as PublicKeyCredentialCreationOptions;
}

export function toRequestOptions(json: Json): PublicKeyCredentialRequestOptions {
  const options = withoutNulls(json);
  return {
    ...options,
    challenge: binary(options.challenge, 'challenge'),
    ...(options.allowCredentials !== undefined && {
      allowCredentials: descriptors(options.allowCredentials, 'allowCredentials'),
    }),
  } as unknown as PublicKeyCredentialRequestOptions;
}

function descriptors(list: unknown, name: string): PublicKeyCredentialDescriptor[] {
  if (!Array.isArray(list)) throw invalid(`${name} is not a list.`);
  return list.map((entry: unknown, i) => {
    if (!isObject(entry)) throw invalid(`${name}[${i}] is not an object.`);
    const descriptor = withoutNulls(entry);
    return {
      ...descriptor,
      type: 'public-key',
      id: binary(descriptor.id, `${name}[${i}].id`),
    } as PublicKeyCredentialDescriptor;
  });
}

function binary(value: unknown, name: string): Uint8Array<ArrayBuffer> {
  try {
    return decodeBase64url(value as string);
  } catch (cause) {
    throw invalid(`${name} is not base64url.`, cause);
  }
}

// WebIDL rejects null for most optional members, while JSON encoders love to emit it;
// passage-flex-js also turned null into undefined (passage-wire §2.3).
function withoutNulls(object: Json): Json {
  return Object.fromEntries(Object.entries(object).filter(([, v]) => v !== null));
}

function field(value: unknown, key: string): unknown {
  return isObject(value) ? value[key] : undefined;
}

function isObject(value: unknown): value is Json {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function invalid(message: string, cause?: unknown): PasskeydError {
  return new PasskeydError(
    'invalid_server_response',
    `Unusable passkey options from the server: ${message}`,
    {
      cause,
    },
  );
}
