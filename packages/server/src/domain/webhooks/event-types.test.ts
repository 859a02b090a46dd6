import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import {
  INSTANCE_WIDE_EVENT_TYPES,
  isWebhookEventType,
  WEBHOOK_EVENT_TYPE_NAMES,
} from './event-types.js';

// The console (a separate bundle) keeps its own copy of the names for its checkboxes, and
// docs/webhooks.md documents each; both must follow this list.
const read = (rel: string) => readFileSync(new URL(rel, import.meta.url), 'utf8');

describe('webhook event types', () => {
  it('are the issue’s names plus the passkey refusals, the admin trail and endpoint_disabled', () => {
    for (const t of [
      'passkey.registered',
      'passkey.authenticated',
      'passkey.authentication_failed',
      'passkey.renamed',
      'passkey.revoked',
      'passkey.counter_regression',
      'user.deleted',
      'import.completed',
      'admin.webhook.secret_rotated',
      'webhook.endpoint_disabled',
    ])
      expect(isWebhookEventType(t), t).toBe(true);
    expect(isWebhookEventType('webhook.test')).toBe(false);
    expect(isWebhookEventType('toString')).toBe(false);
  });

  it('are the ones the console offers, instance-wide ones in their own group', () => {
    const src = read('../../../../console/src/webhooks-api.ts');
    const groups = [...src.matchAll(/types: \[([^\]]*)\]/g)].map((m) =>
      [...m[1]!.matchAll(/'([a-z_.]+)'/g)].map((x) => x[1]),
    );
    expect(groups.flat().sort()).toEqual([...WEBHOOK_EVENT_TYPE_NAMES].sort());
    expect(groups.at(-1)).toEqual([...INSTANCE_WIDE_EVENT_TYPES]);
  });

  it('are each documented in docs/webhooks.md', () => {
    const doc = read('../../../../../docs/webhooks.md');
    for (const t of WEBHOOK_EVENT_TYPE_NAMES) expect(doc, t).toContain(`\`${t}\``);
  });
});
