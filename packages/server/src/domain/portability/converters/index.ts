import { PasskeydError } from '../../errors.js';
import type { SourceRecord } from '../records.js';
import { fromHanko } from './hanko.js';
import { fromPassage, type PassageKeys } from './passage.js';
import { SIMPLEWEBAUTHN_USER_COLUMNS, fromSimpleWebAuthn } from './simplewebauthn.js';

/** The `--from` values: passkeyd's own format and the systems people leave. */
export const SOURCES = ['passkeyd', 'simplewebauthn', 'hanko', 'passage'] as const;
export type SourceName = (typeof SOURCES)[number];

export interface ConvertOptions {
  /** The source field holding the app's user id (our external id); each source has a default. */
  userColumn?: string;
  /** Passage only: key records by credential id (their export has no keys). */
  passageKeys?: PassageKeys;
}

export function isSourceName(v: string): v is SourceName {
  return (SOURCES as readonly string[]).includes(v);
}

/** Maps each record of `from`'s shape to passkeyd's format; unusable lines pass through as errors. */
export async function* convert(
  records: AsyncIterable<SourceRecord>,
  from: SourceName,
  opts: ConvertOptions = {},
): AsyncGenerator<SourceRecord> {
  for await (const r of records) {
    if (!('value' in r) || from === 'passkeyd') {
      yield r;
      continue;
    }
    const row = r.value;
    if (typeof row !== 'object' || row === null || Array.isArray(row)) {
      yield {
        line: r.line,
        error: new PasskeydError('invalid_request', 'A record must be a JSON object or a CSV row.'),
      };
      continue;
    }
    const o = row as Record<string, unknown>;
    if (from === 'simplewebauthn') {
      yield {
        line: r.line,
        value: fromSimpleWebAuthn(
          o,
          opts.userColumn ? [opts.userColumn] : SIMPLEWEBAUTHN_USER_COLUMNS,
        ),
      };
    } else if (from === 'hanko') {
      yield { line: r.line, ...fromHanko(o, opts.userColumn) };
    } else {
      yield {
        line: r.line,
        ...fromPassage(
          o,
          opts.passageKeys ?? new Map(),
          opts.userColumn ? [opts.userColumn] : undefined,
        ),
      };
    }
  }
}
