/** Everything the example app needs to run; read once in main.ts and passed down. */
export interface ExampleConfig {
  host: string;
  port: number;
  /** Where browsers reach this app; also the only Origin accepted on POSTs. Default http://localhost:<port>. */
  publicUrl: string | undefined;
  /** The app's own SQLite file (its users and sessions), separate from passkeyd's database. */
  databasePath: string;
  /** At least 32 characters; signs the session cookie. */
  cookieSecret: string;
  passkeyd: {
    /** Where this app's backend reaches passkeyd (the management API). */
    url: string;
    /** Where browsers reach passkeyd (the auth API); differs from `url` behind Docker or a proxy. */
    browserUrl: string;
    appId: string;
    apiKey: string;
  };
}

export class ConfigError extends Error {
  override readonly name = 'ConfigError';
}

/** Reads the environment; names every missing or bad variable in one error. */
export function loadConfig(env: Record<string, string | undefined>): ExampleConfig {
  const problems: string[] = [];
  const required = (name: string): string => {
    const value = env[name]?.trim();
    if (!value) problems.push(`${name} is required`);
    return value ?? '';
  };
  const port = Number(env.PORT ?? 3000);
  if (!Number.isInteger(port) || port < 0 || port > 65535)
    problems.push('PORT must be an integer from 0 to 65535');
  const cookieSecret = required('COOKIE_SECRET');
  if (cookieSecret && cookieSecret.length < 32)
    problems.push('COOKIE_SECRET must be at least 32 characters');
  const url = required('PASSKEYD_URL');
  const config: ExampleConfig = {
    host: env.HOST?.trim() || '127.0.0.1',
    port,
    publicUrl: env.PUBLIC_URL?.trim() || undefined,
    databasePath: env.EXAMPLE_DATABASE_PATH?.trim() || './.data/example-app.db',
    cookieSecret,
    passkeyd: {
      url,
      browserUrl: env.PASSKEYD_BROWSER_URL?.trim() || url,
      appId: required('PASSKEYD_APP_ID'),
      apiKey: required('PASSKEYD_API_KEY'),
    },
  };
  if (problems.length)
    throw new ConfigError(`invalid configuration:\n  - ${problems.join('\n  - ')}`);
  return config;
}
