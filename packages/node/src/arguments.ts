import { invalidArgument } from './passage-error.js';

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
 * The options of `createRegisterTransaction`: in the argument object (`{ externalId, …,
 * supersedePending, mediation }`) or as a third positional argument (`(externalId, name, { … })`).
 */
export function readRegisterOptions(args: readonly unknown[]): {
  supersedePending: boolean;
  mediation?: 'conditional';
} {
  const first = args[0];
  const source = typeof first === 'object' && first !== null ? first : args[2];
  if (source === undefined || source === null) return { supersedePending: false };
  if (typeof source !== 'object') throw invalidArgument('options must be an object.');
  const value = (source as Record<string, unknown>).supersedePending;
  if (value !== undefined && typeof value !== 'boolean') {
    throw invalidArgument(`supersedePending must be a boolean, got ${typeof value}.`);
  }
  const mediation = (source as Record<string, unknown>).mediation;
  if (mediation !== undefined && mediation !== 'conditional') {
    throw invalidArgument(`mediation must be 'conditional' when given, got ${String(mediation)}.`);
  }
  return { supersedePending: value === true, ...(mediation && { mediation }) };
}
