// The floor under a ceremony's HTTP: a Fastify server (passkeyd's own framework and version,
// JSON bodies, logging off) whose four routes do no work at all and answer with bodies the size
// of passkeyd's. A sign-in makes four such requests; what they cost here, per CPU-second, is the
// most any passkeyd built on Fastify could reach, whatever its storage did.
import Fastify from 'fastify';

const app = Fastify({ logger: false });
const challenge = {
  publicKey: {
    challenge: 'c'.repeat(43),
    timeout: 300000,
    rpId: 'localhost',
    allowCredentials: [
      { id: 'i'.repeat(43), type: 'public-key', transports: ['internal', 'hybrid'] },
    ],
    userVerification: 'preferred',
  },
};
app.post('/floor/create-tx', async (_req, reply) =>
  reply.status(201).send({ transaction_id: `txn_${'t'.repeat(22)}` }),
);
app.post('/floor/start', async () => ({
  handshake: { id: `hs_${'h'.repeat(22)}`, challenge },
  transaction_id: `txn_${'t'.repeat(22)}`,
}));
app.post('/floor/finish', async () => ({ nonce: `nce_${'n'.repeat(43)}` }));
app.post('/floor/verify', async () => ({ external_id: 'active-1' }));
await app.listen({ host: '127.0.0.1', port: Number(process.env.PORT ?? 0) });
process.stderr.write(`http floor listening on http://127.0.0.1:${app.server.address().port}\n`);
process.on('SIGTERM', () => app.close().then(() => process.exit(0)));
