import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { pinned } from './proc.mjs';

const SCRIPT = fileURLToPath(new URL('../loadgen.mjs', import.meta.url));

/** The load generator child process (bench/loadgen.mjs), pinned to `cpu`, driven over IPC. */
export function startLoadGenerator({ cpu }) {
  const command = [...pinned(cpu), process.execPath, SCRIPT];
  const child = spawn(command[0], command.slice(1), {
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  const waiting = new Map();
  let nextId = 0;
  child.on('message', (msg) => {
    const w = waiting.get(msg.id);
    waiting.delete(msg.id);
    if (msg.error) w?.reject(new Error(`load generator: ${msg.error}`));
    else w?.resolve(msg.result);
  });
  child.on('exit', (code) => {
    for (const w of waiting.values()) w.reject(new Error(`load generator exited (${code})`));
    waiting.clear();
  });
  const send = (type, job) =>
    new Promise((resolve, reject) => {
      const id = ++nextId;
      waiting.set(id, { resolve, reject });
      child.send({ id, type, job });
    });
  return {
    pid: child.pid,
    /** Points it at a server, app and (optionally) the seeded passkeys it signs with. */
    setup: (job) => send('setup', job),
    run: (job) => send('run', job),
    stop: () => {
      if (child.connected) child.disconnect();
    },
  };
}
