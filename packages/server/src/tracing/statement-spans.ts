import {
  SpanKind,
  SpanStatusCode,
  trace,
  type Attributes,
  type Context,
  type Tracer,
} from '@opentelemetry/api';
import {
  ATTR_DB_COLLECTION_NAME,
  ATTR_DB_OPERATION_NAME,
  ATTR_DB_QUERY_SUMMARY,
  ATTR_DB_QUERY_TEXT,
  ATTR_DB_SYSTEM_NAME,
  ATTR_ERROR_TYPE,
  DB_SYSTEM_NAME_VALUE_POSTGRESQL,
} from '@opentelemetry/semantic-conventions';
import type { CompiledQuery, DatabaseConnection, Dialect, Driver, OperationNode } from 'kysely';
import { isPasskeydError } from '../domain/errors.js';

const OPERATIONS: Record<string, string> = {
  SelectQueryNode: 'SELECT',
  InsertQueryNode: 'INSERT',
  UpdateQueryNode: 'UPDATE',
  DeleteQueryNode: 'DELETE',
};

/** The first table a statement names, from Kysely's tree (never from the SQL text). */
function tableOf(node: unknown): string | undefined {
  const n = node as
    | {
        kind?: string;
        table?: { identifier?: { name?: unknown } } | unknown;
        node?: unknown;
        froms?: unknown[];
        from?: unknown;
        into?: unknown;
      }
    | undefined;
  switch (n?.kind) {
    case 'TableNode': {
      const name = (n.table as { identifier?: { name?: unknown } }).identifier?.name;
      return typeof name === 'string' ? name : undefined;
    }
    case 'AliasNode':
      return tableOf(n.node);
    case 'FromNode':
      return tableOf(n.froms?.[0]);
    case 'SelectQueryNode':
    case 'DeleteQueryNode':
      return tableOf(n.from);
    case 'InsertQueryNode':
      return tableOf(n.into);
    case 'UpdateQueryNode':
      return tableOf(n.table);
    default:
      return undefined;
  }
}

/**
 * Attributes of one statement. db.query.text is the parameterised SQL Kysely compiled: every
 * value, secrets' hashes included, is a bound parameter (`?`, `$1`), and parameters are never
 * recorded. The semantic conventions allow the text when it is parameterised.
 */
function describe(query: CompiledQuery, system: string): { name: string; attributes: Attributes } {
  const root: OperationNode = query.query;
  const operation =
    OPERATIONS[root.kind] ?? /^\s*([a-z]+)/i.exec(query.sql)?.[1]?.toUpperCase() ?? 'QUERY';
  const table = tableOf(root);
  const name = table === undefined ? operation : `${operation} ${table}`;
  return {
    name,
    attributes: {
      [ATTR_DB_SYSTEM_NAME]: system,
      [ATTR_DB_OPERATION_NAME]: operation,
      [ATTR_DB_QUERY_SUMMARY]: name,
      [ATTR_DB_QUERY_TEXT]: query.sql,
      ...(table === undefined ? {} : { [ATTR_DB_COLLECTION_NAME]: table }),
    },
  };
}

/**
 * Wraps a Kysely dialect so every statement, and each BEGIN/COMMIT/ROLLBACK, issued inside a
 * span becomes a CLIENT child span of it. Statements outside any span (migrations at start-up)
 * run untraced.
 */
export function traceStatements(
  dialect: Dialect,
  engine: 'sqlite' | 'postgres',
  tracer: Tracer,
  active: () => Context,
): Dialect {
  const system = engine === 'postgres' ? DB_SYSTEM_NAME_VALUE_POSTGRESQL : 'sqlite';
  const traced = async <T>(
    describeIt: () => { name: string; attributes: Attributes },
    run: () => Promise<T>,
  ): Promise<T> => {
    const ctx = active();
    if (trace.getSpan(ctx) === undefined) return run();
    const { name, attributes } = describeIt();
    const span = tracer.startSpan(name, { kind: SpanKind.CLIENT, attributes }, ctx);
    try {
      return await run();
    } catch (err) {
      // The driver's error code (SQLSTATE, SQLITE_…), never its message: a message can quote
      // the values of the row (PostgreSQL's unique-violation detail does).
      const code = isPasskeydError(err) ? err.code : (err as { code?: unknown })?.code;
      span.setAttribute(ATTR_ERROR_TYPE, typeof code === 'string' ? code : 'error');
      span.setStatus({ code: SpanStatusCode.ERROR });
      throw err;
    } finally {
      span.end();
    }
  };
  const step = (operation: string) => () => ({
    name: operation,
    attributes: { [ATTR_DB_SYSTEM_NAME]: system, [ATTR_DB_OPERATION_NAME]: operation },
  });
  return {
    createAdapter: () => dialect.createAdapter(),
    createQueryCompiler: () => dialect.createQueryCompiler(),
    createIntrospector: (db) => dialect.createIntrospector(db),
    createDriver(): Driver {
      const inner = dialect.createDriver();
      // The driver gets its own connection objects back (pg's release needs them).
      const original = new WeakMap<DatabaseConnection, DatabaseConnection>();
      const unwrap = (c: DatabaseConnection) => original.get(c) ?? c;
      const driver: Driver = {
        init: () => inner.init(),
        async acquireConnection() {
          const conn = await inner.acquireConnection();
          const wrapped: DatabaseConnection = {
            executeQuery: (q) =>
              traced(
                () => describe(q, system),
                () => conn.executeQuery(q),
              ),
            streamQuery: (q, chunkSize) => conn.streamQuery(q, chunkSize),
          };
          original.set(wrapped, conn);
          return wrapped;
        },
        beginTransaction: (c, s) =>
          traced(step('BEGIN'), () => inner.beginTransaction(unwrap(c), s)),
        commitTransaction: (c) => traced(step('COMMIT'), () => inner.commitTransaction(unwrap(c))),
        rollbackTransaction: (c) =>
          traced(step('ROLLBACK'), () => inner.rollbackTransaction(unwrap(c))),
        releaseConnection: (c) => inner.releaseConnection(unwrap(c)),
        destroy: () => inner.destroy(),
      };
      if (inner.savepoint) {
        const sp = inner.savepoint.bind(inner);
        driver.savepoint = (c, n, q) => sp(unwrap(c), n, q);
      }
      if (inner.rollbackToSavepoint) {
        const sp = inner.rollbackToSavepoint.bind(inner);
        driver.rollbackToSavepoint = (c, n, q) => sp(unwrap(c), n, q);
      }
      if (inner.releaseSavepoint) {
        const sp = inner.releaseSavepoint.bind(inner);
        driver.releaseSavepoint = (c, n, q) => sp(unwrap(c), n, q);
      }
      return driver;
    },
  };
}

/**
 * Runs one hand-written statement (storage/ceremonies: SQL the query builder never sees) inside a
 * CLIENT child span of the active span, synchronous or not. `name` is the statement's own name in
 * that module; `sql` its parameterised text (placeholders only, never values).
 */
export type StatementTracer = <T>(name: string, sql: string, run: () => T) => T;

export function handWrittenStatementTracer(
  engine: 'sqlite' | 'postgres',
  tracer: Tracer,
  active: () => Context,
): StatementTracer {
  const system = engine === 'postgres' ? DB_SYSTEM_NAME_VALUE_POSTGRESQL : 'sqlite';
  return <T>(name: string, sql: string, run: () => T): T => {
    const ctx = active();
    if (trace.getSpan(ctx) === undefined) return run();
    const operation = /^\s*([a-z]+)/i.exec(sql)?.[1]?.toUpperCase() ?? 'QUERY';
    const summary = operation === name.toUpperCase() ? operation : `${operation} ${name}`;
    const span = tracer.startSpan(
      summary,
      {
        kind: SpanKind.CLIENT,
        attributes: {
          [ATTR_DB_SYSTEM_NAME]: system,
          [ATTR_DB_OPERATION_NAME]: operation,
          [ATTR_DB_QUERY_SUMMARY]: summary,
          [ATTR_DB_QUERY_TEXT]: sql,
        },
      },
      ctx,
    );
    const failed = (err: unknown) => {
      const code = isPasskeydError(err) ? err.code : (err as { code?: unknown })?.code;
      span.setAttribute(ATTR_ERROR_TYPE, typeof code === 'string' ? code : 'error');
      span.setStatus({ code: SpanStatusCode.ERROR });
    };
    let result: T;
    try {
      result = run();
    } catch (err) {
      failed(err);
      span.end();
      throw err;
    }
    if (result instanceof Promise) {
      return result.then(
        (v) => {
          span.end();
          return v;
        },
        (err: unknown) => {
          failed(err);
          span.end();
          throw err;
        },
      ) as T;
    }
    span.end();
    return result;
  };
}
