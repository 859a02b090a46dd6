import { describe, expect, it } from 'vitest';
import { PassageError, PassageErrorCode } from './passage-error.js';

describe('PassageError', () => {
  it('carries status, code and message like Passage 1.x', () => {
    const err = new PassageError(404, PassageErrorCode.UserNotFound, 'User not found.');
    expect(err).toBeInstanceOf(Error);
    expect(err.name).toBe('PassageError');
    expect(err.statusCode).toBe(404);
    expect(err.errorCode).toBe('user_not_found');
    expect(err.message).toBe('User not found.');
  });

  it('exposes the code as statusText for 0.x error handling', () => {
    expect(new PassageError(401, 'invalid_nonce', 'x').statusText).toBe('invalid_nonce');
  });

  it('keeps the cause and a Retry-After hint', () => {
    const cause = new Error('socket hang up');
    const err = new PassageError(429, 'rate_limited', 'slow down', { cause, retryAfterSeconds: 3 });
    expect(err.cause).toBe(cause);
    expect(err.retryAfterSeconds).toBe(3);
  });
});
