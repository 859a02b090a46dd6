import { describe, expect, it } from 'vitest';
import { originsPastLabelLimit, registrableLabel } from './related-origins.js';

describe('registrable-domain labels (WebAuthn L3 §5.11.1)', () => {
  it.each([
    ['https://example.co.uk', 'example'],
    ['https://login.example.co.uk', 'example'],
    ['https://example.de:8443', 'example'],
    ['https://shop.example.com.au', 'example'],
    // The Public Suffix List's private section counts, as in HTML's "registrable domain".
    ['https://acme.github.io', 'acme'],
  ])('labels %s as %s', (origin, label) => {
    expect(registrableLabel(origin)).toBe(label);
  });

  it('skips, in list order, the origins whose label is the sixth or later', () => {
    const origins = [
      'https://a.co.uk',
      'https://b.com',
      'https://a.de',
      'https://c.com',
      'https://d.com',
      'https://e.com',
      'https://f.com',
      'https://www.b.org',
      'https://f.net',
    ];
    expect(originsPastLabelLimit(origins)).toEqual(['https://f.com', 'https://f.net']);
    expect(originsPastLabelLimit(origins.slice(0, 6))).toEqual([]);
  });
});
