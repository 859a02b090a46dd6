import { createHash } from 'node:crypto';
import { setImmediate as nextTurn } from 'node:timers/promises';
import { lookupAuthenticator } from '../aaguid/lookup.js';
import type { DomainDeps } from '../deps.js';
import { PasskeydError, isPasskeydError, type ErrorCode } from '../errors.js';
import { newId, randomToken } from '../secrets.js';
import type { App, Credential, User } from '../types.js';
import type { ImportIssue, ImportReport } from './format.js';
import {
  checkHeader,
  isHeader,
  parseCredentials,
  parseRecord,
  type CredentialDraft,
  type ImportCandidate,
} from './parse-record.js';
import type { SourceRecord } from './records.js';
import { findUnstorableString } from './unstorable-string.js';

export interface ImportOptions {
  /** Validate and report, write nothing. */
  dryRun?: boolean;
  /** Called after each batch with the records read so far. */
  onProgress?: (records: number) => void;
  /** Issues listed in the report; the rest are counted in issues_omitted. */
  maxIssues?: number;
}

/**
 * Longest the import works before giving the event loop a turn. Input arrives in small pieces
 * with a turn before each (decodeText), but a piece of short records, or a source that is not
 * a stream, could still hold the loop; the server's other requests must not wait (issue 12).
 */
const TURN_MS = 20;
/** Records per batch: one lookup round and one insert transaction each. */
const BATCH_RECORDS = 500;
const BATCH_CREDENTIALS = 1000;
const DEFAULT_MAX_ISSUES = 10_000;
const FALLBACK_DISPLAY_NAME = 'Passkey';

/** What duplicate detection needs of a user: not the whole row. */
type KnownUser = Pick<User, 'id' | 'webauthnUserId'>;

/** A short digest: enough to tell two public keys apart, at a fraction of their size. */
const keyDigest = (publicKey: string) =>
  createHash('sha256').update(publicKey).digest('base64').slice(0, 22);

interface Plan {
  line: number;
  externalId: string;
  newUser: User | undefined;
  credentials: Credential[];
}

/**
 * Imports users and their passkeys into `app` (docs/migration.md). Every record is validated;
 * a bad one is reported with its line and the rest go on. Idempotent: a credential id already in
 * the app with the same owner and key is skipped and reported as such, so a re-run after a
 * failure or a partial file only adds what is missing. Records are handled in batches of a few
 * hundred: one round of lookups and one database transaction per batch.
 *
 * Memory does not grow with the input's records: once a batch is written the database answers
 * for it, and only the ids of users this run created stay behind (to count users correctly). A
 * dry run writes nothing, so it remembers each planned user's id and handle, and each
 * credential's owner and key digest.
 */
export async function importPasskeys(
  app: App,
  records: AsyncIterable<SourceRecord>,
  deps: Pick<DomainDeps, 'storage' | 'clock'>,
  opts: ImportOptions = {},
): Promise<ImportReport> {
  const started = Date.now();
  const maxIssues = opts.maxIssues ?? DEFAULT_MAX_ISSUES;
  const report: ImportReport = {
    dry_run: Boolean(opts.dryRun),
    records: 0,
    users_created: 0,
    users_existing: 0,
    credentials_imported: 0,
    credentials_skipped: 0,
    credentials_invalid: 0,
    records_invalid: 0,
    issues: [],
    issues_omitted: 0,
    duration_ms: 0,
  };
  const issue = (i: ImportIssue) => {
    if (report.issues.length < maxIssues) report.issues.push(i);
    else report.issues_omitted++;
  };
  const refuseCredential = (
    line: number,
    externalId: string,
    credentialId: string | undefined,
    e: PasskeydError,
  ) => {
    report.credentials_invalid++;
    const field = typeof e.details?.field === 'string' ? e.details.field : undefined;
    issue({
      line,
      status: 'invalid',
      code: e.code,
      message: e.message,
      external_id: externalId,
      ...(credentialId ? { credential_id: credentialId } : {}),
      ...(field ? { field } : {}),
    });
  };

  // What this run has planned and not yet written (all of it in a dry run, which writes
  // nothing), so later records see it like rows in the database.
  const runUsers = new Map<string, KnownUser>();
  const runHandles = new Map<string, string>();
  const runCredentials = new Map<string, { userId: string; key: string }>();
  // External ids of users this run created, and ids of existing users already counted.
  const createdInRun = new Set<string>();
  const countedExisting = new Set<string>();

  let batch: ImportCandidate[] = [];
  let batchCredentials = 0;
  let first = true;

  const flush = async () => {
    if (batch.length === 0) return;
    const plans = await planBatch(batch);
    if (!opts.dryRun) {
      await write(plans);
      // Written: the next batch's lookups find these in the database.
      runUsers.clear();
      runHandles.clear();
      runCredentials.clear();
    }
    for (const p of plans) {
      if (p.newUser) report.users_created++;
      report.credentials_imported += p.credentials.length;
    }
    batch = [];
    batchCredentials = 0;
    opts.onProgress?.(report.records);
  };

  const planBatch = async (candidates: ImportCandidate[]): Promise<Plan[]> => {
    const now = deps.clock.now();
    const uniq = <T>(xs: T[]) => [...new Set(xs)];
    const drafts = candidates.flatMap((c) => c.credentials.flatMap((p) => (p.ok ? [p.draft] : [])));
    const [byExternalId, byHandle, existing] = await Promise.all([
      deps.storage.portability.findUsersByExternalIds(
        app.id,
        uniq(candidates.map((c) => c.externalId).filter((e) => !runUsers.has(e))),
      ),
      deps.storage.portability.findUsersByWebauthnUserIds(
        app.id,
        uniq(candidates.flatMap((c) => (c.userHandle ? [c.userHandle] : []))),
      ),
      deps.storage.portability.findCredentialsByCredentialIds(
        app.id,
        uniq(drafts.map((d) => d.credentialId)),
      ),
    ]);
    const usersByExternalId = new Map(byExternalId.map((u) => [u.externalId, u]));
    const ownerOfHandle = new Map(byHandle.map((u) => [u.webauthnUserId, u.externalId]));
    const credentialsById = new Map(
      existing.map((c) => [c.credentialId, { userId: c.userId, key: keyDigest(c.publicKey) }]),
    );

    const plans: Plan[] = [];
    for (const c of candidates) {
      const valid: CredentialDraft[] = [];
      for (const p of c.credentials) {
        if (p.ok) valid.push(p.draft);
        else refuseCredential(c.line, c.externalId, p.credentialId, p.error);
      }
      const refuseAll = (code: ErrorCode, message: string) => {
        for (const d of valid)
          refuseCredential(
            c.line,
            c.externalId,
            d.credentialId,
            new PasskeydError(code, message, { details: { field: 'user_handle' } }),
          );
        if (c.credentials.length === 0) {
          report.records_invalid++;
          issue({
            line: c.line,
            status: 'invalid',
            code,
            message,
            external_id: c.externalId,
            field: 'user_handle',
          });
        }
      };

      let user: KnownUser | undefined =
        runUsers.get(c.externalId) ?? usersByExternalId.get(c.externalId);
      let newUser: User | undefined;
      if (user) {
        if (!createdInRun.has(c.externalId) && !countedExisting.has(user.id)) {
          countedExisting.add(user.id);
          report.users_existing++;
        }
        // One handle per user: passkeys made for another handle would fail the user-handle
        // check at every discoverable sign-in.
        if (c.userHandle && c.userHandle !== user.webauthnUserId) {
          refuseAll(
            'user_handle_conflict',
            `User ${c.externalId} already exists in this app with another user handle; passkeys created for this handle could not sign in as that user.`,
          );
          continue;
        }
      } else {
        const handle = c.userHandle ?? randomToken(32);
        const owner = runHandles.get(handle) ?? ownerOfHandle.get(handle);
        if (owner !== undefined) {
          refuseAll(
            'user_handle_conflict',
            `This user handle already belongs to user ${owner} in this app.`,
          );
          continue;
        }
        newUser = {
          id: newId('usr'),
          appId: app.id,
          externalId: c.externalId,
          webauthnUserId: handle,
          status: c.status ?? 'active',
          createdAt: c.createdAt ?? now,
          updatedAt: now,
          lastLoginAt: c.lastLoginAt ?? null,
          loginCount: c.loginCount ?? 0,
        };
        user = newUser;
      }

      const credentials: Credential[] = [];
      for (const d of valid) {
        const taken = runCredentials.get(d.credentialId) ?? credentialsById.get(d.credentialId);
        const key = keyDigest(d.publicKey);
        if (taken) {
          if (taken.userId === user.id && taken.key === key) {
            report.credentials_skipped++;
            issue({
              line: c.line,
              status: 'skipped',
              message:
                'Already imported: this credential is in the app with the same user and key.',
              external_id: c.externalId,
              credential_id: d.credentialId,
            });
          } else {
            refuseCredential(
              c.line,
              c.externalId,
              d.credentialId,
              new PasskeydError(
                'credential_already_registered',
                taken.userId === user.id
                  ? 'This credential id is already registered to this user with a different public key.'
                  : 'This credential id is already registered to another user of this app.',
                { details: { field: 'credential_id' } },
              ),
            );
          }
          continue;
        }
        credentials.push(toCredential(app, user.id, d, now));
        runCredentials.set(d.credentialId, { userId: user.id, key });
      }
      if (newUser) {
        // A user whose every credential was refused is not created: nothing of it would work.
        if (credentials.length === 0 && c.credentials.length > 0) continue;
        runUsers.set(c.externalId, { id: newUser.id, webauthnUserId: newUser.webauthnUserId });
        runHandles.set(newUser.webauthnUserId, c.externalId);
        createdInRun.add(c.externalId);
      }
      plans.push({ line: c.line, externalId: c.externalId, newUser, credentials });
    }
    return plans;
  };

  const write = async (plans: Plan[]) => {
    try {
      await deps.storage.portability.insertMany(
        plans.flatMap((p) => (p.newUser ? [p.newUser] : [])),
        plans.flatMap((p) => p.credentials),
      );
    } catch (e) {
      if (!isPasskeydError(e) || e.code !== 'credential_already_registered') throw e;
      // Someone registered one of these meanwhile (the lookups are not locks). Retry record by
      // record so only the record that collided is refused.
      for (const p of plans) {
        try {
          await deps.storage.portability.insertMany(p.newUser ? [p.newUser] : [], p.credentials);
        } catch (err) {
          if (!isPasskeydError(err) || err.code !== 'credential_already_registered') throw err;
          for (const cred of p.credentials)
            refuseCredential(
              p.line,
              p.externalId,
              cred.credentialId,
              new PasskeydError(
                'credential_already_registered',
                'A user or credential of this record was created while the import ran; run the import again.',
              ),
            );
          if (p.newUser) {
            runUsers.delete(p.externalId);
            createdInRun.delete(p.externalId);
          }
          p.newUser = undefined;
          p.credentials = [];
        }
      }
    }
  };

  let turnStarted = performance.now();
  const pause = async () => {
    if (performance.now() - turnStarted > TURN_MS) {
      await nextTurn();
      turnStarted = performance.now();
    }
  };
  for await (const r of records) {
    await pause();
    if (first && 'value' in r && isHeader(r.value)) {
      // A header for another RP ID or a newer format aborts: no line of such a file can work.
      checkHeader(r.value, app.rpId);
      first = false;
      continue;
    }
    first = false;
    report.records++;
    if ('error' in r) {
      report.records_invalid++;
      issue({ line: r.line, status: 'invalid', code: r.error.code, message: r.error.message });
      continue;
    }
    const unstorable = findUnstorableString(r.value);
    if (unstorable) {
      // Refused before any lookup: PostgreSQL would fail the whole batch on it.
      report.records_invalid++;
      const externalId = (r.value as { external_id?: unknown } | null)?.external_id;
      issue({
        line: r.line,
        status: 'invalid',
        code: 'invalid_request',
        message: `${unstorable.field} ${unstorable.reason}.`,
        ...(typeof externalId === 'string' && !findUnstorableString(externalId)
          ? { external_id: externalId }
          : {}),
        field: unstorable.field,
      });
      continue;
    }
    for (const note of r.notes ?? []) {
      report.credentials_skipped++;
      issue({
        line: r.line,
        status: 'skipped',
        message: note.message,
        ...(note.credentialId ? { credential_id: note.credentialId } : {}),
      });
    }
    let candidate: ImportCandidate;
    try {
      candidate = parseRecord(r.value, r.line, { credentials: false });
    } catch (e) {
      if (!isPasskeydError(e)) throw e;
      report.records_invalid++;
      const field =
        typeof e.details?.field === 'string' && e.details.field ? e.details.field : undefined;
      const externalId = (r.value as { external_id?: unknown } | null)?.external_id;
      issue({
        line: r.line,
        status: 'invalid',
        code: e.code,
        message: e.message,
        ...(typeof externalId === 'string' ? { external_id: externalId } : {}),
        ...(field ? { field } : {}),
      });
      continue;
    }
    await parseCredentials(r.value, candidate, pause);
    batch.push(candidate);
    batchCredentials += candidate.credentials.length;
    if (batch.length >= BATCH_RECORDS || batchCredentials >= BATCH_CREDENTIALS) await flush();
  }
  await flush();
  // Credentials are judged per batch, whole records at once: put the report back in line order.
  report.issues.sort((a, b) => a.line - b.line);
  report.duration_ms = Date.now() - started;
  return report;
}

function toCredential(app: App, userId: string, d: CredentialDraft, now: number): Credential {
  return {
    id: newId('dev'),
    appId: app.id,
    userId,
    credentialId: d.credentialId,
    publicKey: d.publicKey,
    alg: d.alg,
    signCount: d.signCount,
    transports: d.transports,
    aaguid: d.aaguid,
    backupEligible: d.backupEligible,
    backedUp: d.backedUp,
    // Provenance for operators reading the table; the attestation itself did not come along.
    attestationFormat: 'imported',
    // People recognise "iCloud Keychain", not an AAGUID.
    friendlyName: d.displayName ?? lookupAuthenticator(d.aaguid)?.name ?? FALLBACK_DISPLAY_NAME,
    createdAt: d.createdAt ?? now,
    updatedAt: now,
    lastUsedAt: d.lastUsedAt,
    usageCount: d.usageCount,
  };
}
