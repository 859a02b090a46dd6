import { ConfigError, loadConfig } from './config.js';
import { startExampleApp } from './start-example-app.js';

// The only place that reads the environment.
try {
  const app = await startExampleApp(loadConfig(process.env));
  console.log(`Example app listening on ${app.url}`);
  const stop = () => {
    app.close().then(
      () => process.exit(0),
      (err: unknown) => {
        console.error('Example app: shutdown failed', err);
        process.exit(1);
      },
    );
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
} catch (err) {
  console.error(err instanceof ConfigError ? `Example app: ${err.message}` : err);
  process.exit(err instanceof ConfigError ? 2 : 1);
}
