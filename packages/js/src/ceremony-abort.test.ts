import { afterEach, describe, expect, it } from 'vitest';
import { abortAutofill, beginCeremony, type CeremonyScope } from './ceremony-abort.js';

const open: CeremonyScope[] = [];
const begin = (...args: Parameters<typeof beginCeremony>) => {
  const scope = beginCeremony(...args);
  open.push(scope);
  return scope;
};

afterEach(() => {
  for (const scope of open.splice(0)) scope.end();
});

describe('beginCeremony', () => {
  it('aborts a pending autofill request when a modal ceremony starts', () => {
    const autofill = begin('autofill');
    const modal = begin('modal');
    expect(autofill.signal.aborted).toBe(true);
    expect((autofill.signal.reason as DOMException).name).toBe('AbortError');
    expect(modal.signal.aborted).toBe(false);
  });

  it('gives a later autofill request a fresh signal, unlike passage-flex-js', () => {
    begin('autofill');
    begin('modal').end();
    expect(begin('autofill').signal.aborted).toBe(false);
  });

  it('replaces an earlier autofill request but leaves a pending modal one alone', () => {
    const modal = begin('modal');
    const first = begin('autofill');
    const second = begin('autofill');
    expect(first.signal.aborted).toBe(true);
    expect(second.signal.aborted).toBe(false);
    expect(modal.signal.aborted).toBe(false);
  });

  it('aborts an earlier modal ceremony (a double click) when another starts', () => {
    const first = begin('modal');
    begin('modal');
    expect(first.signal.aborted).toBe(true);
  });

  it("follows the app's own signal, including one aborted before the call", () => {
    const app = new AbortController();
    const scope = begin('autofill', app.signal);
    app.abort('navigated away');
    expect(scope.signal.reason).toBe('navigated away');

    const already = new AbortController();
    already.abort();
    expect(begin('modal', already.signal).signal.aborted).toBe(true);
  });

  it('does not abort a finished ceremony', () => {
    const done = begin('autofill');
    done.end();
    begin('modal');
    expect(done.signal.aborted).toBe(false);
  });
});

describe('abortAutofill', () => {
  it('aborts only autofill requests and says whether there was one', () => {
    const modal = begin('modal');
    expect(abortAutofill()).toBe(false);
    const autofill = begin('autofill');
    expect(abortAutofill()).toBe(true);
    expect(autofill.signal.aborted).toBe(true);
    expect(modal.signal.aborted).toBe(false);
  });
});
