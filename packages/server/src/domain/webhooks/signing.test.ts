import { Webhook } from 'standardwebhooks';
import { describe, expect, it } from 'vitest';
import { signedHeaders } from './signing.js';

// The standardwebhooks package's own secret format: whsec_ + base64 of 32 random bytes.
const SECRET = `whsec_${Buffer.alloc(32, 7).toString('base64')}`;
const OLD = `whsec_${Buffer.alloc(32, 9).toString('base64')}`;
const AT = Date.UTC(2026, 11, 1, 12, 0, 0, 345);
const BODY = JSON.stringify({ type: 'passkey.authenticated', data: { app_id: 'app_x' } });

/** Verifies as a receiver would, at the attempt's own time (the package allows 5 minutes). */
function verify(secret: string, body: string, headers: Record<string, string>) {
  return new Webhook(secret).verify(body, headers);
}

describe('webhook signing (Standard Webhooks)', () => {
  it('signs so that the reference implementation verifies the delivery', () => {
    const h = signedHeaders({ id: 'msg_evt_1', at: Date.now(), body: BODY, secret: SECRET });
    expect(h['webhook-id']).toBe('msg_evt_1');
    expect(h['webhook-timestamp']).toMatch(/^\d{10}$/);
    expect(h['webhook-signature']).toMatch(/^v1,[A-Za-z0-9+/]+=*$/);
    expect(verify(SECRET, BODY, h)).toEqual(JSON.parse(BODY));
  });

  it('puts the attempt time in seconds in webhook-timestamp', () => {
    const h = signedHeaders({ id: 'msg_1', at: AT, body: BODY, secret: SECRET });
    expect(h['webhook-timestamp']).toBe(String(Math.floor(AT / 1000)));
  });

  it('fails verification when the body, the timestamp or the id is tampered with', () => {
    const h = signedHeaders({ id: 'msg_evt_1', at: Date.now(), body: BODY, secret: SECRET });
    expect(() => verify(SECRET, BODY.replace('app_x', 'app_y'), h)).toThrow(
      'No matching signature found',
    );
    const ts = String(Number(h['webhook-timestamp']) - 1);
    expect(() => verify(SECRET, BODY, { ...h, 'webhook-timestamp': ts })).toThrow(
      'No matching signature found',
    );
    expect(() => verify(SECRET, BODY, { ...h, 'webhook-id': 'msg_evt_2' })).toThrow(
      'No matching signature found',
    );
    expect(() => verify(OLD, BODY, h)).toThrow('No matching signature found');
  });

  it('signs with both secrets during a rotation grace period, each verifying on its own', () => {
    const now = Date.now();
    const h = signedHeaders({
      id: 'msg_evt_1',
      at: now,
      body: BODY,
      secret: SECRET,
      previousSecret: OLD,
      previousSecretExpiresAt: now + 60_000,
    });
    const sigs = h['webhook-signature'].split(' ');
    expect(sigs).toHaveLength(2);
    expect(sigs.every((s) => s.startsWith('v1,'))).toBe(true);
    expect(verify(SECRET, BODY, h)).toBeTruthy();
    expect(verify(OLD, BODY, h)).toBeTruthy();
  });

  it('drops the previous secret once its grace period is over', () => {
    const now = Date.now();
    const h = signedHeaders({
      id: 'msg_evt_1',
      at: now,
      body: BODY,
      secret: SECRET,
      previousSecret: OLD,
      previousSecretExpiresAt: now,
    });
    expect(h['webhook-signature'].split(' ')).toHaveLength(1);
    expect(() => verify(OLD, BODY, h)).toThrow('No matching signature found');
  });
});
