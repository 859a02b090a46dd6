import { describe, expect, it } from 'vitest';
import { readArgs } from './arguments.js';
import { PassageError } from './passage-error.js';

describe('readArgs', () => {
  it('reads positional arguments (Passage 1.x shape)', () => {
    expect(readArgs(['externalId', 'deviceId'], ['u1', 'd1'])).toEqual({
      externalId: 'u1',
      deviceId: 'd1',
    });
  });

  it('reads one object argument (Passage 0.x and demo-app shape)', () => {
    expect(readArgs(['externalId', 'deviceId'], [{ externalId: 'u1', deviceId: 'd1' }])).toEqual({
      externalId: 'u1',
      deviceId: 'd1',
    });
  });

  it.each([
    [[], 'externalId is required.'],
    [[''], 'externalId is required.'],
    [[null], 'externalId is required.'],
    [[{}], 'externalId is required.'],
    [[42], 'externalId must be a string, got number.'],
    [[{ externalId: ['x'] }], 'externalId must be a string, got object.'],
  ])('rejects %j with invalid_argument', (args, message) => {
    let caught: unknown;
    try {
      readArgs(['externalId'], args);
    } catch (err) {
      caught = err;
    }
    expect(caught).toBeInstanceOf(PassageError);
    expect(caught).toMatchObject({ statusCode: 0, errorCode: 'invalid_argument', message });
  });

  it('names the second argument when only it is missing', () => {
    expect(() => readArgs(['externalId', 'passkeyDisplayName'], ['u1'])).toThrow(
      'passkeyDisplayName is required.',
    );
  });
});
