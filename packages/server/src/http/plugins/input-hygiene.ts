import type { FastifyInstance, FastifyRequest } from 'fastify';
import { PasskeydError } from '../../domain/errors.js';

// A lone high surrogate (not followed by a low one) or a lone low surrogate (not preceded by a
// high one): what String.prototype.isWellFormed rejects, spelled out because that method is
// ES2024 and this package's TypeScript lib is ES2023.
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;
// A field name that can be quoted as is; anything else is shown JSON-escaped and cut short, so
// the message naming the field is itself safe to log and display.
const PLAIN_KEY = /^[A-Za-z0-9_$-]{1,64}$/;

function problemOf(s: string): string | undefined {
  if (s.includes('\u0000')) return 'contains a NUL character';
  if (LONE_SURROGATE.test(s)) return 'is not well-formed UTF-16 (it has a lone surrogate)';
  return undefined;
}

function isWalkable(v: unknown): v is Record<string, unknown> {
  if (v === null || typeof v !== 'object') return false;
  // The import routes' bodies are raw streams, parsed (and checked) record by record
  // elsewhere; bytes are not text. Everything else the parsers make (plain objects, the
  // null-prototype objects of params and query, arrays) is walked.
  if (typeof (v as { pipe?: unknown }).pipe === 'function' || ArrayBuffer.isView(v)) return false;
  return true;
}

function member(path: string, key: string | number): string {
  if (typeof key === 'number') return `${path}[${key}]`;
  if (PLAIN_KEY.test(key)) return `${path}.${key}`;
  const shown = JSON.stringify(key.length > 40 ? `${key.slice(0, 40)}…` : key);
  return `${path}[${shown}]`;
}

/** Where a refused string is (`body.external_id`) and what is wrong with it. */
export interface HostileString {
  field: string;
  problem: string;
}

/**
 * The first string in `value` (keys included, at any depth) that a database cannot store
 * faithfully. Iterative, so a deeply nested body cannot overflow the stack.
 */
export function findHostileString(value: unknown, root: string): HostileString | undefined {
  const stack: [unknown, string][] = [[value, root]];
  while (stack.length > 0) {
    const [v, path] = stack.pop() as [unknown, string];
    if (typeof v === 'string') {
      const p = problemOf(v);
      if (p) return { field: path, problem: p };
    } else if (Array.isArray(v)) {
      for (let i = v.length - 1; i >= 0; i--) stack.push([v[i], member(path, i)]);
    } else if (isWalkable(v)) {
      const keys = Object.keys(v);
      for (let i = keys.length - 1; i >= 0; i--) {
        const k = keys[i] as string;
        const p = problemOf(k);
        if (p) return { field: member(path, k), problem: `(a field name) ${p}` };
        stack.push([v[k], member(path, k)]);
      }
    }
  }
  return undefined;
}

/**
 * The query parser keeps a component it cannot decode as its raw text, so `?q=%ED%A0%80` (the
 * UTF-8-style bytes of a lone surrogate, or any invalid UTF-8) would reach a handler as the
 * literal `%ED%A0%80`. Such a query names no value; refuse it rather than guess.
 */
function undecodableQuery(url: string): HostileString | undefined {
  const q = url.indexOf('?');
  if (q < 0) return undefined;
  for (const part of url.slice(q + 1).split('&')) {
    const eq = part.indexOf('=');
    const [key, value] = eq < 0 ? [part, ''] : [part.slice(0, eq), part.slice(eq + 1)];
    const decode = (s: string) => {
      try {
        return decodeURIComponent(s.replace(/\+/g, ' '));
      } catch {
        return undefined;
      }
    };
    const name = decode(key);
    if (name === undefined)
      return { field: 'querystring', problem: 'has a parameter name that is not valid UTF-8' };
    if (decode(value) === undefined)
      return {
        field: member('querystring', name),
        problem: 'is not valid percent-encoded UTF-8',
      };
  }
  return undefined;
}

function refuse(found: HostileString | undefined): void {
  if (found)
    throw new PasskeydError('invalid_request', `${found.field} ${found.problem}.`, {
      details: { field: found.field },
    });
}

/**
 * One gate for every string that enters over HTTP. PostgreSQL cannot store U+0000 in text (the
 * query fails, a 500) while SQLite stores it; both rewrite lone UTF-16 surrogates to U+FFFD, so
 * `"carol\ud800"` and `"carol\udfff"` would become one user. Refusing both before any handler or
 * query runs gives the same 400 `invalid_request` on every engine and every route, the ones added
 * later included (docs/security.md, "Input hygiene").
 *
 * Path and query are checked in onRequest, ahead of every other hook (CORS looks the app up by
 * its id there); the body once it is parsed, before validation.
 */
export function registerInputHygiene(app: FastifyInstance): void {
  app.addHook('onRequest', async (req: FastifyRequest) => {
    refuse(findHostileString(req.params, 'params'));
    refuse(undecodableQuery(req.url));
    refuse(findHostileString(req.query, 'querystring'));
  });
  app.addHook('preValidation', async (req: FastifyRequest) => {
    refuse(findHostileString(req.body, 'body'));
  });
}
