// The load generator: a child process of run.mjs, pinned to a core of its own. It plays both the
// app's backend (management API with the API key) and its users' browsers (frontend API, with
// the project's test authenticator signing real responses), over real HTTP on loopback.
// Jobs arrive over IPC; each answers with one result message.
import { Agent, request } from 'node:http';
import { performance } from 'node:perf_hooks';
import { TestAuthenticator } from '@passkeyd/test-authenticator';
import {
  cpuSeconds,
  fileRefaults,
  machineBusySeconds,
  majorFaults,
  stealSeconds,
} from './lib/proc.mjs';
import { Samples } from './lib/stats.mjs';

const ORIGIN = 'http://localhost:3000';
const SDK_HEADERS = {
  origin: ORIGIN,
  'passage-flex-version': '@passageidentity/passage-flex-js 1.0.2',
};

let target; // { host, port, appId, apiKey }
let agent = new Agent({ keepAlive: true });
/** Signing devices, one per seeded passkey; taken from the pool while a ceremony uses them. */
let pool = [];

class HttpError extends Error {
  constructor(step, status, body) {
    super(`${step}: HTTP ${status} ${body?.code ?? ''}`);
    this.key = `${step} ${status} ${body?.code ?? ''}`.trim();
  }
}

function call(step, path, body, headers, samples) {
  const payload = body === undefined ? undefined : JSON.stringify(body);
  return new Promise((resolve, reject) => {
    const t0 = performance.now();
    const req = request(
      {
        agent,
        host: target.host,
        port: target.port,
        method: payload === undefined ? 'GET' : 'POST',
        path,
        headers: {
          ...(payload === undefined
            ? {}
            : {
                'content-type': 'application/json',
                'content-length': Buffer.byteLength(payload),
              }),
          ...headers,
        },
      },
      (res) => {
        const chunks = [];
        res.on('data', (c) => chunks.push(c));
        res.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8');
          let parsed;
          try {
            parsed = text ? JSON.parse(text) : undefined;
          } catch {
            parsed = undefined;
          }
          if (res.statusCode < 200 || res.statusCode > 299)
            return reject(new HttpError(step, res.statusCode, parsed));
          samples?.record(step, performance.now() - t0);
          resolve(parsed);
        });
        res.on('error', reject);
      },
    );
    req.on('error', (e) => reject(Object.assign(e, { key: `${step} ${e.code ?? e.message}` })));
    req.end(payload);
  });
}

const monotonicUs = () => Number(process.hrtime.bigint() / 1000n);
const app = () => `/v1/apps/${encodeURIComponent(target.appId)}`;
const backend = () => ({ authorization: `Bearer ${target.apiKey}` });

/** What passage-flex-js sends as handshake_response (passage-wire.md §2.4, §2.6). */
function asSdkAssertion(a) {
  const { clientDataJSON, authenticatorData, signature, userHandle } = a.response;
  return {
    id: a.id,
    rawId: a.rawId,
    response: { authenticatorData, clientDataJSON, signature, userHandle: userHandle ?? '' },
    type: 'public-key',
  };
}
function asSdkRegistration(r) {
  const { clientDataJSON, attestationObject, transports } = r.response;
  return {
    id: r.id,
    rawId: r.rawId,
    response: { attestationObject, clientDataJSON },
    transports,
    type: 'public-key',
  };
}

async function verifyNonce(nonce, expectedExternalId, s) {
  const v = await call('verify', `${app()}/authenticate/verify`, { nonce }, backend(), s);
  if (v.external_id !== expectedExternalId)
    throw Object.assign(new Error('nonce for the wrong user'), { key: 'verify wrong-user' });
}

let registrations = 0;
let floorAssertion;

/** One ceremony per scenario, as the app backend and browser SDK run it. */
const SCENARIOS = {
  /** B2 → F3 → sign → F4 → B3. */
  async authenticate(device, s) {
    const tx = await call(
      'create-tx',
      `${app()}/transactions/authenticate`,
      { external_id: device.externalId },
      backend(),
      s,
    );
    const start = await call(
      'start',
      `${app()}/authenticate/transactions/webauthn/start`,
      { transaction_id: tx.transaction_id },
      SDK_HEADERS,
      s,
    );
    const assertion = device.authenticator.getAssertion(start.handshake.challenge.publicKey, {
      origin: ORIGIN,
    });
    const fin = await call(
      'finish',
      `${app()}/authenticate/transactions/webauthn/finish`,
      {
        handshake_id: start.handshake.id,
        handshake_response: asSdkAssertion(assertion),
        transaction_id: tx.transaction_id,
      },
      SDK_HEADERS,
      s,
    );
    await verifyNonce(fin.nonce, device.externalId, s);
  },
  /** Modal discoverable sign-in: F3 `{}` → sign → F4 (no transaction) → B3. */
  async discoverable(device, s) {
    const start = await call(
      'start',
      `${app()}/authenticate/transactions/webauthn/start`,
      {},
      SDK_HEADERS,
      s,
    );
    const assertion = device.authenticator.getAssertion(start.handshake.challenge.publicKey, {
      origin: ORIGIN,
      credentialId: device.credentialId,
    });
    const fin = await call(
      'finish',
      `${app()}/authenticate/transactions/webauthn/finish`,
      { handshake_id: start.handshake.id, handshake_response: asSdkAssertion(assertion) },
      SDK_HEADERS,
      s,
    );
    await verifyNonce(fin.nonce, device.externalId, s);
  },
  /** A new user's first passkey: B1 → F1 → create → F2 → B3. */
  async register(_device, s) {
    const externalId = `reg-${process.pid}-${++registrations}`;
    const tx = await call(
      'create-tx',
      `${app()}/transactions/register`,
      { external_id: externalId, passkey_display_name: `${externalId}@bench.example` },
      backend(),
      s,
    );
    const start = await call(
      'start',
      `${app()}/register/transactions/webauthn/start`,
      { transaction_id: tx.transaction_id, authenticator_attachment: 'platform' },
      SDK_HEADERS,
      s,
    );
    const created = new TestAuthenticator().createCredential(start.handshake.challenge.publicKey, {
      origin: ORIGIN,
    });
    const fin = await call(
      'finish',
      `${app()}/register/transactions/webauthn/finish`,
      {
        handshake_id: start.handshake.id,
        handshake_response: asSdkRegistration(created),
        transaction_id: tx.transaction_id,
      },
      SDK_HEADERS,
      s,
    );
    await verifyNonce(fin.nonce, externalId, s);
  },
  /**
   * The same four requests, with bodies of the same size, to bench/http-floor.mjs: routes that do
   * nothing. The assertion is signed once and replayed; the floor server checks nothing.
   */
  async floor(device, s) {
    floorAssertion ??= asSdkAssertion(
      device.authenticator.getAssertion(
        { challenge: 'c'.repeat(43), rpId: 'localhost' },
        { origin: ORIGIN, credentialId: device.credentialId },
      ),
    );
    await call('create-tx', '/floor/create-tx', { external_id: device.externalId }, backend(), s);
    await call(
      'start',
      '/floor/start',
      { transaction_id: `txn_${'t'.repeat(22)}` },
      SDK_HEADERS,
      s,
    );
    await call(
      'finish',
      '/floor/finish',
      {
        handshake_id: `hs_${'h'.repeat(22)}`,
        handshake_response: floorAssertion,
        transaction_id: `txn_${'t'.repeat(22)}`,
      },
      SDK_HEADERS,
      s,
    );
    await call('verify', '/floor/verify', { nonce: `nce_${'n'.repeat(43)}` }, backend(), s);
  },
  /**
   * GET /readyz: one `select 1`, one database round trip. The round-trip count's unit: what a
   * known single round trip costs through the delay proxy on this machine, wake-ups included.
   */
  async ready(_device, s) {
    await call('ready', '/readyz', undefined, {}, s);
  },
  /** A sign-in the user walks away from: B2 → F3, never finished. */
  async abandon(device, s) {
    const tx = await call(
      'create-tx',
      `${app()}/transactions/authenticate`,
      { external_id: device.externalId },
      backend(),
      s,
    );
    await call(
      'start',
      `${app()}/authenticate/transactions/webauthn/start`,
      { transaction_id: tx.transaction_id },
      SDK_HEADERS,
      s,
    );
  },
};

/** Per-step latency samples, kept only for requests that complete inside the window. */
class Recorder {
  steps = new Map();
  ceremony = new Samples();
  inWindow = false;
  record(step, ms) {
    if (!this.inWindow) return;
    let s = this.steps.get(step);
    if (!s) this.steps.set(step, (s = new Samples()));
    s.add(ms);
  }
}

/**
 * Runs `scenario` for warmupMs (not measured) then durationMs (measured), either closed-loop
 * (`concurrency` ceremonies always in flight: peak throughput) or open-loop at `rate`
 * ceremonies per second (latency at a given load; each ceremony's latency counts from when it was
 * scheduled, so a stalled server cannot hide queueing: no coordinated omission). `count` instead
 * runs exactly that many ceremonies, unmeasured (abandoned transactions).
 */
async function run(job) {
  const scenario = SCENARIOS[job.scenario];
  const rec = new Recorder();
  const errors = {};
  let completed = 0;
  let failed = 0;
  let inFlight = 0;
  let maxInFlight = 0;
  let started = 0;
  const t0 = performance.now();
  const windowStart = t0 + (job.warmupMs ?? 0);
  const windowEnd = windowStart + (job.durationMs ?? 0);
  let window = null;

  // The server's CPU, plus its PostgreSQL backends' when it has them: their SQL work is part of
  // what a ceremony costs. A backend that went away stops counting.
  const cpuOf = (pids) =>
    pids.reduce((sum, pid) => {
      try {
        return sum + cpuSeconds(pid);
      } catch {
        return sum;
      }
    }, 0);
  const databaseCpu = () => cpuOf(job.databasePids ?? []);
  const serverCpu = () => cpuOf([job.serverPid]) + databaseCpu();
  const openWindow = () => {
    rec.inWindow = true;
    window = {
      t: performance.now(),
      mono: monotonicUs(),
      serverCpu: serverCpu(),
      databaseCpu: databaseCpu(),
      ownCpu: cpuSeconds(process.pid),
      faults: majorFaults(job.serverPid),
      refaults: fileRefaults(),
      machine: machineBusySeconds(),
      steal: stealSeconds(),
      serverCoreSteal: job.serverCore === undefined ? 0 : stealSeconds(job.serverCore),
    };
  };
  const closeWindow = () => {
    rec.inWindow = false;
    const t = performance.now();
    const server = serverCpu() - window.serverCpu;
    const own = cpuSeconds(process.pid) - window.ownCpu;
    const seconds = (t - window.t) / 1000;
    window = {
      seconds,
      // CLOCK_MONOTONIC, the clock of V8's CPU profiles: lets a profile be cut to this window.
      monotonicUs: [window.mono, monotonicUs()],
      serverCpuSeconds: server,
      // The PostgreSQL backends' share of serverCpuSeconds (0 on SQLite).
      databaseCpuSeconds: databaseCpu() - window.databaseCpu,
      loadgenCpuSeconds: own,
      // Reads the server blocked on (its major faults) and evicted file pages read back by
      // anyone: stalls that are the disk's, not the code's.
      serverMajorFaults: majorFaults(job.serverPid) - window.faults,
      fileRefaults: fileRefaults() - window.refaults,
      // CPU the rest of the machine used meanwhile (other people's processes on a shared box),
      // in cores: above a few tenths, latency figures include waiting for a CPU.
      otherCores: (machineBusySeconds() - window.machine - server - own) / seconds,
      // Cores' worth of time the hypervisor gave other guests, all cores and the server's own
      // (null when the job did not say which core the server is on): a stall of this kind
      // shows in the tail latencies and in no process's CPU time.
      stealCores: (stealSeconds() - window.steal) / seconds,
      serverCoreSteal:
        job.serverCore === undefined
          ? null
          : (stealSeconds(job.serverCore) - window.serverCoreSteal) / seconds,
    };
  };

  const one = async (scheduledAt) => {
    const needsNoPasskey = job.scenario === 'register' || job.scenario === 'ready';
    const device = needsNoPasskey ? null : pool.pop();
    if (!needsNoPasskey && !device) {
      errors['no free passkey (raise --active)'] =
        (errors['no free passkey (raise --active)'] ?? 0) + 1;
      return;
    }
    inFlight++;
    maxInFlight = Math.max(maxInFlight, inFlight);
    try {
      await scenario(device, rec);
      if (rec.inWindow) {
        completed++;
        rec.ceremony.add(performance.now() - scheduledAt);
      } else if (job.count !== undefined) completed++;
    } catch (e) {
      failed++;
      const key = e.key ?? e.message;
      errors[key] = (errors[key] ?? 0) + 1;
    } finally {
      inFlight--;
      if (device) pool.unshift(device);
    }
  };

  if (job.count !== undefined) {
    let next = 0;
    // With `windows`, each ceremony's start and end in wall-clock ms (sub-ms), so the delay
    // proxy's turns can be attributed to ceremonies (one in flight).
    const windows = job.windows ? [] : undefined;
    const worker = async () => {
      while (next < job.count) {
        next++;
        const start = performance.now();
        const failedBefore = failed;
        await one(start);
        if (windows && failed === failedBefore)
          windows.push([
            performance.timeOrigin + start,
            performance.timeOrigin + performance.now(),
          ]);
      }
    };
    await Promise.all(Array.from({ length: job.concurrency }, worker));
    return { completed, failed, errors, seconds: (performance.now() - t0) / 1000, windows };
  }

  const windowTimer = setTimeout(openWindow, windowStart - t0);
  const endTimer = new Promise((resolve) =>
    setTimeout(() => {
      closeWindow();
      resolve();
    }, windowEnd - t0),
  );

  if (job.rate) {
    const interval = 1000 / job.rate;
    let next = t0;
    const pending = new Set();
    await new Promise((resolve) => {
      const tick = () => {
        const now = performance.now();
        if (now >= windowEnd) return resolve();
        while (next <= now) {
          const p = one(next);
          pending.add(p);
          p.finally(() => pending.delete(p));
          started++;
          next += interval;
        }
        setTimeout(tick, Math.max(0, next - performance.now()));
      };
      tick();
    });
    await endTimer;
    await Promise.all(pending);
  } else {
    const worker = async () => {
      while (performance.now() < windowEnd) {
        started++;
        await one(performance.now());
      }
    };
    await Promise.all(Array.from({ length: job.concurrency }, worker));
    await endTimer;
  }
  clearTimeout(windowTimer);

  return {
    rate: job.rate ?? null,
    completed,
    failed,
    errors,
    started,
    maxInFlight,
    ...window,
    ceremoniesPerSecond: completed / window.seconds,
    ceremony: rec.ceremony.summary(),
    steps: Object.fromEntries([...rec.steps].map(([k, v]) => [k, v.summary()])),
  };
}

/**
 * Devices for seeded passkeys: each its own authenticator holding the one credential. They are
 * made once and kept across servers, so their sign counters keep moving forward as the stored
 * ones do.
 */
function setup(job) {
  const url = new URL(job.url);
  target = { host: url.hostname, port: Number(url.port), appId: job.appId, apiKey: job.apiKey };
  agent.destroy();
  agent = new Agent({ keepAlive: true });
  if (job.passkeys && pool.length === 0) {
    pool = job.passkeys.map((p) => {
      const authenticator = new TestAuthenticator();
      authenticator.importCredential({
        credentialId: p.credentialId,
        privateKey: p.privateKey,
        rpId: 'localhost',
        userHandle: p.userHandle,
      });
      return { authenticator, credentialId: p.credentialId, externalId: p.externalId };
    });
  }
  return { devices: pool.length };
}

process.on('message', async (msg) => {
  try {
    const result = msg.type === 'setup' ? setup(msg.job) : await run(msg.job);
    process.send({ id: msg.id, result });
  } catch (e) {
    process.send({ id: msg.id, error: e.stack ?? String(e) });
  }
});
process.on('disconnect', () => process.exit(0));
