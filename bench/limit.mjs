// The physical limit, measured in a process of its own on the server's core: how many ES256
// signatures one core verifies per second with the key already imported, and how many keys it
// imports per second (what a sign-in pays on a key-cache miss). Rates are per CPU-second of this
// process as well as per wall-clock second: on a shared machine the CPU-time rate is the one that
// compares fairly with the server's ceremonies per CPU-second. Prints one JSON line.
import { createHash, createPublicKey, randomBytes, sign, verify } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import { generateCredentialKey } from '@passkeyd/test-authenticator';

const durationMs = Number(process.argv[2] ?? 1500);
const key = generateCredentialKey('ES256');
const publicKey = createPublicKey({
  key: Buffer.from(key.publicKeySpki),
  format: 'der',
  type: 'spki',
});
const jwk = publicKey.export({ format: 'jwk' });

// What a sign-in verifies: authenticatorData (37 bytes) || SHA-256(clientDataJSON). Distinct
// messages, so nothing can be reused between iterations.
const samples = Array.from({ length: 64 }, () => {
  const data = Buffer.concat([
    randomBytes(37),
    createHash('sha256').update(randomBytes(134)).digest(),
  ]);
  return { data, signature: sign('sha256', data, key.privateKey) };
});

const cpuSeconds = () => {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1e6;
};

function rate(fn, ms) {
  const warmEnd = performance.now() + Math.min(200, ms / 4);
  for (let i = 0; performance.now() < warmEnd; i++) fn(i);
  let n = 0;
  const cpu0 = cpuSeconds();
  const start = performance.now();
  const end = start + ms;
  let now = start;
  while (now < end) {
    for (let k = 0; k < 32; k++) fn(n++);
    now = performance.now();
  }
  const cpu = cpuSeconds() - cpu0;
  return { perCpuSecond: n / cpu, perWallSecond: n / ((now - start) / 1000), ops: n };
}

const verifyOne = (i) => {
  const s = samples[i & 63];
  if (!verify('sha256', s.data, publicKey, s.signature)) throw new Error('verify failed');
};
const importOne = () => createPublicKey({ key: jwk, format: 'jwk' });
const importAndVerifyOne = (i) => {
  const s = samples[i & 63];
  if (!verify('sha256', s.data, importOne(), s.signature)) throw new Error('verify failed');
};

console.log(
  JSON.stringify({
    verify: rate(verifyOne, durationMs),
    importKey: rate(importOne, durationMs / 3),
    importAndVerify: rate(importAndVerifyOne, durationMs / 3),
    openssl: process.versions.openssl,
    node: process.version,
  }),
);
