import { invalidArgument } from './passage-error.js';
import type { AuthenticateTransactionOptions, WebAuthnHint } from './types.js';

/**
 * Reads a method's string arguments given either positionally (`f(externalId, deviceId)`, the
 * released 1.x shape) or as one object (`f({ externalId, deviceId })`, the 0.x shape and the
 * one Passage's demo app used), and checks each is a non-empty string before any request.
 */
export function readArgs<const K extends string>(
  names: readonly K[],
  args: readonly unknown[],
): Record<K, string> {
  const first = args[0];
  const byName =
    typeof first === 'object' && first !== null
      ? (first as Record<string, unknown>)
      : Object.fromEntries(names.map((name, i) => [name, args[i]]));
  const result = {} as Record<K, string>;
  for (const name of names) result[name] = requireString(byName[name], name);
  return result;
}

export function requireString(value: unknown, name: string): string {
  if (value === undefined || value === null || value === '') {
    throw invalidArgument(`${name} is required.`);
  }
  if (typeof value !== 'string') {
    throw invalidArgument(`${name} must be a string, got ${typeof value}.`);
  }
  return value;
}

/**
 * passkeyd's options of a method, from the argument object (`{ externalId, …, option }`) or from
 * the positional argument at `position` (`(externalId, name, { option })`).
 */
function optionsObject(args: readonly unknown[], position: number): Record<string, unknown> {
  const first = args[0];
  const source = typeof first === 'object' && first !== null ? first : args[position];
  if (source === undefined || source === null) return {};
  if (typeof source !== 'object') throw invalidArgument('options must be an object.');
  return source as Record<string, unknown>;
}

function optionalBoolean(o: Record<string, unknown>, name: string): boolean {
  const value = o[name];
  if (value !== undefined && typeof value !== 'boolean') {
    throw invalidArgument(`${name} must be a boolean, got ${typeof value}.`);
  }
  return value === true;
}

// The server checks the values (an unknown hint is 400 invalid_request); this only catches a
// wrong type before any request.
function optionalHints(o: Record<string, unknown>): { hints?: WebAuthnHint[] } {
  const value = o.hints;
  if (value === undefined) return {};
  if (!Array.isArray(value) || value.some((h) => typeof h !== 'string')) {
    throw invalidArgument('hints must be an array of strings.');
  }
  return { hints: [...(value as WebAuthnHint[])] };
}

/** The options of `createRegisterTransaction` (third positional argument). */
export function readRegisterOptions(args: readonly unknown[]): {
  supersedePending: boolean;
  mediation?: 'conditional';
  hints?: WebAuthnHint[];
} {
  const o = optionsObject(args, 2);
  const mediation = o.mediation;
  if (mediation !== undefined && mediation !== 'conditional') {
    throw invalidArgument(`mediation must be 'conditional' when given, got ${String(mediation)}.`);
  }
  return {
    supersedePending: optionalBoolean(o, 'supersedePending'),
    ...(mediation === 'conditional' ? { mediation } : {}),
    ...optionalHints(o),
  };
}

/** The options of `createAuthenticateTransaction` (second positional argument). */
export function readAuthenticateOptions(args: readonly unknown[]): AuthenticateTransactionOptions {
  const o = optionsObject(args, 1);
  const uv = o.userVerification;
  if (uv !== undefined && uv !== 'required') {
    throw invalidArgument('userVerification may only be "required".');
  }
  return { ...optionalHints(o), ...(uv === 'required' ? { userVerification: uv } : {}) };
}

/** The options of `revokeDevice` (third positional argument). */
export function readRevokeOptions(args: readonly unknown[]): { force: boolean } {
  return { force: optionalBoolean(optionsObject(args, 2), 'force') };
}
