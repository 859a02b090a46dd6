import type { Request } from 'express';
import { AppError } from '../errors.js';

function field(req: Request, name: string): unknown {
  const body: unknown = req.body;
  return typeof body === 'object' && body !== null
    ? (body as Record<string, unknown>)[name]
    : undefined;
}

export function readEmail(req: Request): string {
  const value = field(req, 'email');
  const email = typeof value === 'string' ? value.trim() : '';
  // Deliberately loose: the only real check of an address is mail to it, which this demo skips.
  if (email.length > 254 || !/^[^\s@]+@[^\s@]+$/.test(email)) throw new AppError('invalid_email');
  return email;
}

/** The nonce the browser SDK resolved with; opaque to this app. */
export function readNonce(req: Request): string {
  const nonce = field(req, 'nonce');
  if (typeof nonce !== 'string' || nonce === '' || nonce.length > 512)
    throw new AppError('bad_request');
  return nonce;
}

export function readPasskeyName(req: Request): string {
  const value = field(req, 'name');
  const name = typeof value === 'string' ? value.trim() : '';
  if (name === '' || name.length > 100) throw new AppError('invalid_passkey_name');
  return name;
}
