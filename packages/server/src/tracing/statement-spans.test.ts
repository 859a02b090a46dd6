import { AsyncLocalStorage } from 'node:async_hooks';
import { ROOT_CONTEXT, trace, type Context } from '@opentelemetry/api';
import {
  BasicTracerProvider,
  InMemorySpanExporter,
  SimpleSpanProcessor,
} from '@opentelemetry/sdk-trace-base';
import SqliteDatabase from 'better-sqlite3';
import { Kysely, SqliteDialect, sql } from 'kysely';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { traceStatements } from './statement-spans.js';

interface Db {
  secrets: { id: string; value: string };
}

describe('statement spans', () => {
  const exporter = new InMemorySpanExporter();
  const provider = new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] });
  const tracer = provider.getTracer('test');
  const store = new AsyncLocalStorage<Context>();
  let db: Kysely<Db>;

  /** Runs `fn` inside a parent span, as a request would. */
  const inRequest = async <T>(fn: () => Promise<T>) => {
    const span = tracer.startSpan('request');
    try {
      return await store.run(trace.setSpan(ROOT_CONTEXT, span), fn);
    } finally {
      span.end();
    }
  };

  beforeEach(async () => {
    exporter.reset();
    db = new Kysely<Db>({
      dialect: traceStatements(
        new SqliteDialect({ database: new SqliteDatabase(':memory:') }),
        'sqlite',
        tracer,
        () => store.getStore() ?? ROOT_CONTEXT,
      ),
    });
    await sql`create table secrets (id text primary key, value text not null)`.execute(db);
  });
  afterEach(() => db.destroy());

  it('should trace nothing outside a span (migrations at start-up)', async () => {
    await db.insertInto('secrets').values({ id: 'a', value: 'x' }).execute();
    expect(exporter.getFinishedSpans()).toEqual([]);
  });

  it('should name a failed statement by its driver code, never by its message or values', async () => {
    await db.insertInto('secrets').values({ id: 'dup', value: 'first' }).execute();
    const secret = 'nce_never-in-a-span-0123456789';
    await expect(
      inRequest(() => db.insertInto('secrets').values({ id: 'dup', value: secret }).execute()),
    ).rejects.toMatchObject({ code: 'SQLITE_CONSTRAINT_PRIMARYKEY' });
    const span = exporter.getFinishedSpans().find((s) => s.name === 'INSERT secrets');
    expect(span?.attributes).toMatchObject({
      'db.system.name': 'sqlite',
      'db.operation.name': 'INSERT',
      'db.collection.name': 'secrets',
      'error.type': 'SQLITE_CONSTRAINT_PRIMARYKEY',
    });
    expect(span?.status.code).toBe(2);
    expect(span?.status.message).toBeUndefined();
    expect(span?.events).toEqual([]);
    expect(JSON.stringify(span?.attributes)).not.toContain(secret);
    expect(JSON.stringify(span?.attributes)).not.toContain('UNIQUE constraint');
  });

  it('should give a transaction BEGIN and COMMIT (or ROLLBACK) spans of their own', async () => {
    await inRequest(() =>
      db.transaction().execute(async (trx) => {
        await trx.updateTable('secrets').set({ value: 'y' }).where('id', '=', 'a').execute();
      }),
    );
    await inRequest(() =>
      db
        .transaction()
        .execute(async (trx) => {
          await trx.deleteFrom('secrets').where('id', '=', 'a').execute();
          throw new Error('undo');
        })
        .catch(() => undefined),
    );
    expect(exporter.getFinishedSpans().map((s) => s.name)).toEqual([
      'BEGIN',
      'UPDATE secrets',
      'COMMIT',
      'request',
      'BEGIN',
      'DELETE secrets',
      'ROLLBACK',
      'request',
    ]);
  });
});
