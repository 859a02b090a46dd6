import { Webhook } from 'standardwebhooks';

/**
 * The Standard Webhooks headers of one attempt (https://www.standardwebhooks.com/, "Signature
 * scheme"): v1 = base64 HMAC-SHA256 of `id.timestamp.body` with the secret's key, computed by
 * the specification's reference package so receivers using it verify byte for byte. While a
 * rotated-out secret is in its grace period the attempt carries both signatures, space-
 * separated, which the specification allows so receivers can swap secrets without a gap.
 */
export function signedHeaders(p: {
  /** The `webhook-id`: msg_<source id>, the same on every retry and endpoint. */
  id: string;
  /** Epoch ms of the attempt; the header is in seconds. */
  at: number;
  body: string;
  secret: string;
  previousSecret?: string | null;
  previousSecretExpiresAt?: number | null;
}): Record<'webhook-id' | 'webhook-timestamp' | 'webhook-signature', string> {
  const when = new Date(Math.floor(p.at / 1000) * 1000);
  const secrets = [p.secret];
  if (p.previousSecret && (p.previousSecretExpiresAt ?? 0) > p.at) secrets.push(p.previousSecret);
  return {
    'webhook-id': p.id,
    'webhook-timestamp': String(Math.floor(p.at / 1000)),
    'webhook-signature': secrets.map((s) => new Webhook(s).sign(p.id, when, p.body)).join(' '),
  };
}
