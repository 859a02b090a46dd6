import { MAX_RECORD_CHARS } from './read-lines.js';

/**
 * Deepest nesting a record may have. passkeyd's own records are 4 levels deep (user, credentials,
 * credential, JWK) and the converters' sources a few more; JSON.parse takes about 0.3 s for a
 * million levels, so depth is checked before a record is parsed.
 */
export const MAX_JSON_DEPTH = 32;

/** One element of a top-level JSON array: its text to parse, or why it cannot be read. */
export type ArrayElement = { position: number; text: string } | { position: number; error: string };

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const COMMA = 0x2c;
const OPEN_BRACE = 0x7b;
const OPEN_BRACKET = 0x5b;
const CLOSE_BRACKET = 0x5d;
const CLOSE_BRACE = 0x7d;

/**
 * Splits a top-level JSON array (`sqlite3 -json`, `jq -s`, most APIs' dumps) into the text of each
 * element without parsing the whole: one pass over the input, holding one element at a time, so
 * a 500 MB array costs no more memory than its largest record. Only strings and brackets are
 * tracked here; each element is then parsed on its own by JSON.parse, which judges the rest. An
 * element nested deeper than MAX_JSON_DEPTH or longer than MAX_RECORD_CHARS is skipped to its
 * end and reported, without its text being kept.
 */
export async function* splitJsonArray(pieces: AsyncIterable<string>): AsyncGenerator<ArrayElement> {
  let opened = false;
  let closed = false;
  let trailing = false;
  let depth = 0;
  let inString = false;
  let escaped = false;
  let position = 1;
  let held = '';
  let spoiled: string | undefined;
  const finish = (text: string, last: boolean): ArrayElement | undefined => {
    const at = position++;
    if (spoiled) {
      const error = spoiled;
      spoiled = undefined;
      return { position: at, error };
    }
    if (text.trim() === '') {
      // `[]` has no element; `[1,]` and `[1,,2]` have an empty one, which JSON does not allow.
      return last && at === 1 ? undefined : { position: at, error: 'Element is empty.' };
    }
    return { position: at, text };
  };

  for await (const piece of pieces) {
    if (closed) {
      if (!trailing && piece.trim() !== '') trailing = true;
      continue;
    }
    let start = 0;
    for (let i = 0; i < piece.length; i++) {
      const c = piece.charCodeAt(i);
      if (!opened) {
        if (c === OPEN_BRACKET) {
          opened = true;
          start = i + 1;
        }
        continue;
      }
      if (inString) {
        if (escaped) escaped = false;
        else if (c === BACKSLASH) escaped = true;
        else if (c === QUOTE) inString = false;
        continue;
      }
      if (c === QUOTE) inString = true;
      else if (c === OPEN_BRACE || c === OPEN_BRACKET) {
        if (++depth > MAX_JSON_DEPTH && !spoiled)
          spoiled = `Element is nested deeper than ${MAX_JSON_DEPTH} levels.`;
      } else if (c === CLOSE_BRACE || c === CLOSE_BRACKET) {
        if (depth > 0) depth--;
        else if (c === CLOSE_BRACKET) {
          const el = finish(held + piece.slice(start, i), true);
          if (el) yield el;
          closed = true;
          if (piece.slice(i + 1).trim() !== '') trailing = true;
          break;
        }
      } else if (c === COMMA && depth === 0) {
        const el = finish(held + piece.slice(start, i), false);
        held = '';
        start = i + 1;
        if (el) yield el;
      }
    }
    if (closed || !opened) continue;
    held = spoiled ? '' : held + piece.slice(start);
    if (held.length > MAX_RECORD_CHARS) {
      spoiled = `Element is longer than ${MAX_RECORD_CHARS} characters.`;
      held = '';
    }
  }
  if (!closed) {
    yield {
      position,
      error: inString
        ? 'A string in the JSON array is never closed.'
        : 'The JSON array is never closed.',
    };
  } else if (trailing) {
    yield { position, error: "Text follows the JSON array's closing ]." };
  }
}

/** Whether `text` (one JSON value) nests deeper than `max` arrays and objects. */
export function jsonDepthExceeds(text: string, max = MAX_JSON_DEPTH): boolean {
  let depth = 0;
  let inString = false;
  let escaped = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (escaped) escaped = false;
      else if (c === BACKSLASH) escaped = true;
      else if (c === QUOTE) inString = false;
    } else if (c === QUOTE) inString = true;
    else if (c === OPEN_BRACE || c === OPEN_BRACKET) {
      if (++depth > max) return true;
    } else if ((c === CLOSE_BRACE || c === CLOSE_BRACKET) && depth > 0) depth--;
  }
  return false;
}
