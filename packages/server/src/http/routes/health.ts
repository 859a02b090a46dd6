import type { FastifyPluginAsync } from 'fastify';
import { PasskeydError } from '../../domain/errors.js';
import type { Storage } from '../../domain/ports.js';

/** Liveness says the process serves; readiness says it can reach its database right now. */
export const healthRoutes: FastifyPluginAsync<{ storage: Storage }> = async (
  scope,
  { storage },
) => {
  scope.get('/healthz', { schema: { hide: true } }, async () => ({ status: 'ok' }));
  scope.get('/readyz', { schema: { hide: true } }, async () => {
    try {
      await storage.ping();
    } catch (cause) {
      throw new PasskeydError('service_unavailable', 'The database is unreachable.', { cause });
    }
    return { status: 'ready', storage: storage.engine };
  });
};
