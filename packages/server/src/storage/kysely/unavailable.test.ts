import { describe, expect, it } from 'vitest';
import { isPostgresUnavailable, isSqliteUnavailable } from './unavailable.js';

const err = (message: string, code?: string) => Object.assign(new Error(message), { code });

describe('which driver errors mean "the database is unavailable"', () => {
  it('PostgreSQL: unreachable, refusing, shutting down or full; not a constraint, a bug or a slow statement', () => {
    const yes = [
      err('connect ECONNREFUSED 127.0.0.1:5432', 'ECONNREFUSED'),
      err('read ECONNRESET', 'ECONNRESET'),
      err('getaddrinfo ENOTFOUND db', 'ENOTFOUND'),
      err('terminating connection due to administrator command', '57P01'),
      err('the database system is starting up', '57P03'),
      err('sorry, too many clients already', '53300'),
      err('connection failure', '08006'),
      err('Connection terminated unexpectedly'),
      err('timeout exceeded when trying to connect'),
      err('Query read timeout'),
      new AggregateError([err('connect ECONNREFUSED ::1:5432', 'ECONNREFUSED')], ''),
    ];
    const no = [
      err('duplicate key value violates unique constraint', '23505'),
      err('canceling statement due to statement timeout', '57014'),
      err('syntax error at or near "x"', '42601'),
      new TypeError('Cannot read properties of undefined'),
      'ECONNREFUSED',
    ];
    for (const e of yes) expect([String(e), isPostgresUnavailable(e)]).toEqual([String(e), true]);
    for (const e of no) expect([String(e), isPostgresUnavailable(e)]).toEqual([String(e), false]);
  });

  it('SQLite: locked past the busy timeout, unopenable, failing disk, closed; not a constraint', () => {
    for (const code of [
      'SQLITE_BUSY',
      'SQLITE_BUSY_SNAPSHOT',
      'SQLITE_LOCKED',
      'SQLITE_CANTOPEN',
      'SQLITE_IOERR_WRITE',
      'SQLITE_FULL',
    ])
      expect([code, isSqliteUnavailable(err('x', code))]).toEqual([code, true]);
    expect(isSqliteUnavailable(new TypeError('The database connection is not open'))).toBe(true);
    for (const code of ['SQLITE_CONSTRAINT_UNIQUE', 'SQLITE_ERROR', 'SQLITE_MISMATCH'])
      expect([code, isSqliteUnavailable(err('x', code))]).toEqual([code, false]);
  });
});
