import { createConnection, createServer } from 'node:net';
import { performance } from 'node:perf_hooks';

/**
 * A TCP proxy on loopback that holds every chunk for `delayMs` before passing it on, in each
 * direction: put between passkeyd and PostgreSQL, a request that waits for N sequential database
 * round trips takes N × 2 × delayMs longer, which is how the benchmark counts round trips from
 * outside the server.
 *
 * Each direction of each connection is a FIFO of chunks with the time each is due. One timer per
 * direction waits for the head, so chunks keep their order (a later chunk never overtakes an
 * earlier one held by a late timer) and a burst of chunks costs one delay, not one per chunk.
 * Timers fire late on a loaded machine, so the proxy also records the delay it actually added
 * (release − arrival) per chunk: the round-trip count divides by its median, not by the nominal
 * delay.
 *
 * It also counts round trips without a clock: a turn is a chunk from the client that follows a
 * chunk from the server on its connection (or is the connection's first). A client that waits for
 * each answer before it asks again makes one turn per round trip; a pipelined burst makes one.
 * Timing-free, so it tells a real extra round trip from a latency residue (timer wake-ups).
 */
export async function startDelayProxy({ target, delayMs = 2, host = '127.0.0.1', port = 0 }) {
  let delay = delayMs;
  let held = { chunks: 0, totalMs: 0, samples: [], turns: 0, turnTimes: [] };
  const sockets = new Set();
  let holding = 0;

  const pipe = (from, to, conn, dir) => {
    const queue = [];
    let timer = null;
    const flush = () => {
      timer = null;
      const now = performance.now();
      while (queue.length && queue[0].due <= now) {
        const c = queue.shift();
        holding--;
        held.chunks++;
        held.totalMs += now - c.arrived;
        held.samples.push(now - c.arrived);
        to.write(c.data);
      }
      if (queue.length) timer = setTimeout(flush, queue[0].due - now);
    };
    from.on('data', (data) => {
      const arrived = performance.now();
      if (dir === 'up' && conn.last !== 'up') {
        held.turns++;
        // Wall-clock time (ms since the epoch, sub-ms), comparable with the load generator's.
        held.turnTimes.push(performance.timeOrigin + arrived);
      }
      conn.last = dir;
      if (delay <= 0 && queue.length === 0) {
        held.chunks++;
        held.samples.push(0);
        to.write(data);
        return;
      }
      queue.push({ data, arrived, due: arrived + delay });
      holding++;
      timer ??= setTimeout(flush, delay);
    });
    // A half-close or close reaches the other side only after the chunks still held.
    from.on('end', () => {
      const end = () => (queue.length ? setTimeout(end, 1) : to.end());
      end();
    });
  };

  const server = createServer((client) => {
    const upstream = createConnection(target);
    for (const s of [client, upstream]) {
      sockets.add(s);
      s.setNoDelay(true);
      s.on('close', () => sockets.delete(s));
    }
    client.on('error', () => upstream.destroy());
    upstream.on('error', () => client.destroy());
    const conn = { last: null };
    pipe(client, upstream, conn, 'up');
    pipe(upstream, client, conn, 'down');
  });
  await new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, resolve);
  });
  const address = server.address();

  return {
    host: address.address,
    port: address.port,
    get delayMs() {
      return delay;
    },
    /** Changes the delay for chunks arriving from now on, on open connections too. */
    setDelay(ms) {
      delay = ms;
    },
    /**
     * Chunks passed on and how long they were actually held, since the last reset: the mean, and
     * the median, which a stall of the whole process (every chunk then waits) moves less, and
     * which is what compares with a median latency. `holding`: chunks held right now. `turns`:
     * round trips counted without a clock (see above), over every connection.
     */
    stats() {
      const v = Float64Array.from(held.samples).sort();
      return {
        chunks: held.chunks,
        holding,
        meanHeldMs: held.chunks ? held.totalMs / held.chunks : 0,
        medianHeldMs: v.length ? v[Math.floor(v.length / 2)] : 0,
        turns: held.turns,
        turnTimes: [...held.turnTimes],
      };
    },
    resetStats() {
      held = { chunks: 0, totalMs: 0, samples: [], turns: 0, turnTimes: [] };
    },
    async close() {
      for (const s of sockets) s.destroy();
      await new Promise((resolve) => server.close(() => resolve()));
    },
  };
}

/**
 * Round trips one operation waits for, from its median latency with the proxy adding `delayMs`
 * each way and with it adding nothing: (p50 with − p50 without) ÷ 2 × delay.
 */
export function roundTrips({ p50WithDelay, p50WithoutDelay, delayMs }) {
  if (!(delayMs > 0)) return NaN;
  return (p50WithDelay - p50WithoutDelay) / (2 * delayMs);
}
