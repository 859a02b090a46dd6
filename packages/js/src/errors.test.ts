import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { PasskeydError, isPasskeydError } from './errors.js';
import * as sdk from './index.js';

describe('PasskeydError', () => {
  it('carries a code, an HTTP status and a cause', () => {
    const cause = new Error('boom');
    const err = new PasskeydError('credential_not_found', 'gone', { status: 401, cause });
    expect(err).toBeInstanceOf(Error);
    expect(err).toMatchObject({
      name: 'PassageError',
      code: 'credential_not_found',
      status: 401,
      message: 'gone',
    });
    expect(err.cause).toBe(cause);
  });

  it('has no status when raised in the browser', () => {
    expect(new PasskeydError('user_cancelled', 'x').status).toBeUndefined();
  });

  it('is exported also as PassageError, with statusCode defaulting to the HTTP status', () => {
    expect(sdk.PassageError).toBe(sdk.PasskeydError);
    const err = new sdk.PasskeydError('transaction_not_found', 'x', { status: 404 });
    expect(err).toBeInstanceOf(sdk.PassageError);
    expect(err).toMatchObject({ name: 'PassageError', statusCode: 404, statusText: '' });
    expect(new PasskeydError('aborted', 'x').statusCode).toBeUndefined();
  });
});

describe('isPasskeydError', () => {
  it('recognises an error from another copy of the SDK by name and code', () => {
    const foreign = Object.assign(new Error('x'), { name: 'PassageError', code: 'aborted' });
    expect(isPasskeydError(foreign)).toBe(true);
    expect(isPasskeydError(foreign, 'aborted')).toBe(true);
    expect(isPasskeydError(foreign, 'user_cancelled')).toBe(false);
  });

  it('recognises an error from a 0.1 copy of the SDK, named PasskeydError', () => {
    const old = Object.assign(new Error('x'), { name: 'PasskeydError', code: 'aborted' });
    expect(isPasskeydError(old, 'aborted')).toBe(true);
  });

  it("does not take passage-flex-js's own PassageError (it has no code) for one of ours", () => {
    const passage = Object.assign(new Error(''), { name: 'PassageError', statusCode: 707 });
    expect(isPasskeydError(passage)).toBe(false);
  });

  it('rejects other errors and non-errors', () => {
    expect(isPasskeydError(new Error('x'))).toBe(false);
    expect(isPasskeydError({ name: 'PasskeydError' })).toBe(false);
    expect(isPasskeydError(null)).toBe(false);
    expect(isPasskeydError('PasskeydError')).toBe(false);
  });
});

describe('the README', () => {
  it('documents every client and server error code, and documents no code that does not exist', () => {
    const source = readFileSync(new URL('./errors.ts', import.meta.url), 'utf8');
    const union = (name: string) => {
      const body = source.split(`export type ${name} =`)[1]?.split(';')[0] ?? '';
      return [...body.matchAll(/'([a-z_]+)'/g)].map((m) => m[1]);
    };
    const codes = new Set([...union('ClientErrorCode'), ...union('ServerErrorCode')]);
    expect(codes.size).toBeGreaterThan(20);

    const readme = readFileSync(new URL('../README.md', import.meta.url), 'utf8');
    const table = readme.split('## Errors')[1]?.split('\n## ')[0] ?? '';
    const documented = new Set([...table.matchAll(/^\|\s*`([a-z_]+)`\s*\|/gm)].map((m) => m[1]));
    expect([...codes].filter((c) => !documented.has(c))).toEqual([]);
    expect([...documented].filter((c) => !codes.has(c))).toEqual([]);
  });
});
