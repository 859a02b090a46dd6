// Loaded by the SDK test pages after an SDK bundle. The test decides which SDK through
// window.__makeFlex (set by the page), so the same calls drive @passkeyd/js and
// passage-flex-js. Every call resolves { ok, value } or { ok: false, error } so that the test,
// not the page, decides what an error should look like.
(function () {
  const pending = new Map();
  let nextId = 1;

  function describeError(err) {
    if (typeof err !== 'object' || err === null) return { message: String(err) };
    return {
      name: err.name,
      message: String(err.message),
      code: err.code,
      status: err.status,
      statusCode: err.statusCode,
      statusText: err.statusText,
      causeName: err.cause && err.cause.name,
    };
  }

  async function settle(promise) {
    try {
      return { ok: true, value: await promise };
    } catch (err) {
      return { ok: false, error: describeError(err) };
    }
  }

  window.harness = {
    flex: null,
    signalCalls: [],
    create() {
      this.flex = window.__makeFlex();
      return true;
    },
    call(method, ...args) {
      return settle(Promise.resolve().then(() => this.flex.passkey[method](...args)));
    },
    /** Starts a call without waiting (autofill); returns an id for wait(). */
    start(method, ...args) {
      const id = nextId++;
      pending.set(id, this.call(method, ...args));
      return id;
    },
    wait(id) {
      return pending.get(id);
    },
    /** Records PublicKeyCredential.signalUnknownCredential calls, still passing them on. */
    spyOnSignals() {
      const original =
        window.PublicKeyCredential && window.PublicKeyCredential.signalUnknownCredential;
      if (typeof original !== 'function') return false;
      const calls = this.signalCalls;
      window.PublicKeyCredential.signalUnknownCredential = function (options) {
        calls.push(options);
        return original.call(this, options);
      };
      return true;
    },
  };
})();
