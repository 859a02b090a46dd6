import { ConfigError, loadConfig } from '../config/config.js';
import { isPasskeydError } from '../domain/errors.js';
import { runCommand, UsageError } from './commands.js';

/** Entry point of the `passkeyd` binary: the only place (with config/) that reads process.env. */
export async function main(argv = process.argv.slice(2)): Promise<number> {
  const stdout = (s: string) => void process.stdout.write(s);
  const stderr = (s: string) => void process.stderr.write(s);
  try {
    const wantsHelp = argv.includes('--help') || argv.includes('-h') || argv.length === 0;
    const config = wantsHelp ? loadConfig({}) : loadConfig(process.env);
    return await runCommand(argv, {
      config,
      stdout,
      stderr,
      reloadConfig: () => loadConfig(process.env),
    });
  } catch (err) {
    if (err instanceof ConfigError || err instanceof UsageError) {
      stderr(`passkeyd: ${err.message}\n`);
      return 2;
    }
    if (isPasskeydError(err)) {
      // The driver's reason (host, port, errno) is for the operator, never for HTTP clients.
      const cause = err.cause instanceof Error ? `: ${err.cause.message}` : '';
      stderr(`passkeyd: ${err.message} (${err.code})${cause}\n`);
      return 1;
    }
    if (
      err instanceof TypeError &&
      /parseArgs|Unknown option|ERR_PARSE_ARGS/.test(
        `${(err as { code?: string }).code} ${err.message}`,
      )
    ) {
      stderr(`passkeyd: ${err.message}\n`);
      return 2;
    }
    stderr(`passkeyd: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
    return 1;
  }
}
