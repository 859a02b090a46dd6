import type { Config, LogLevel } from '../../config/config.js';
import { adminTokens, metricsTokens, type TokenSet } from './tokens.js';

/**
 * The only settings a running server changes (issue 16, item 5: "SIGHUP re-reads those settings
 * and the log level"): everything else stays as read at start-up. One frozen snapshot, replaced
 * whole, so a request that reads it once sees either the old token sets or the new ones, never
 * the admin tokens of one and the metrics tokens of the other.
 */
export interface RotatableSettings {
  readonly adminTokens: TokenSet;
  readonly metricsTokens: TokenSet;
  readonly logLevel: LogLevel;
}

export type RotatableConfig = Pick<
  Config,
  'adminToken' | 'adminTokens' | 'metricsToken' | 'metricsTokens' | 'logLevel'
>;

/** The Config keys a reload applies; a change to any other needs a restart. */
export const ROTATABLE_KEYS: readonly (keyof RotatableConfig)[] = [
  'adminToken',
  'adminTokens',
  'metricsToken',
  'metricsTokens',
  'logLevel',
];

export function rotatableSettings(config: RotatableConfig): RotatableSettings {
  return Object.freeze({
    adminTokens: adminTokens(config),
    metricsTokens: metricsTokens(config),
    logLevel: config.logLevel,
  });
}

/** The holder the HTTP layer reads per request; the composition root swaps its contents. */
export class LiveSettings {
  #current: RotatableSettings;

  constructor(config: RotatableConfig) {
    this.#current = rotatableSettings(config);
  }

  get current(): RotatableSettings {
    return this.#current;
  }

  /** Builds the new snapshot first, so a failure leaves the old one in place. */
  replace(config: RotatableConfig): { previous: RotatableSettings; next: RotatableSettings } {
    const next = rotatableSettings(config);
    const previous = this.#current;
    this.#current = next;
    return { previous, next };
  }
}

/**
 * The server's holder, or (apps built without one, as most tests do) a fixed one from the
 * config: the route plugins need not know whether they can be reloaded.
 */
export function liveSettings(deps: {
  config: RotatableConfig;
  live?: LiveSettings | undefined;
}): LiveSettings {
  return deps.live ?? new LiveSettings(deps.config);
}
