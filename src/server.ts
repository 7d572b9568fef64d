import closeWithGrace from 'close-with-grace';
import { pino } from 'pino';
import { Registry } from 'prom-client';
import type { StreamBackend } from './backends/contract.js';
import { openBackend } from './backends/create-backend.js';
import { ConfigError, loadConfig, type Config } from './config.js';
import { buildApp } from './http/app.js';
import { storageTimingsMetrics } from './http/plugins/metrics.js';
import { protectedModeRefusal } from './http/auth/protected-mode.js';
import { AuthSetupError } from './http/auth/tokens-file.js';
import { LOGGER_OPTIONS } from './http/request-logger.js';

function readConfig(): Config {
  try {
    return loadConfig(process.env);
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    console.error(error.message);
    process.exit(2);
  }
}

const config = readConfig();
const refusal = protectedModeRefusal(config);
if (refusal !== undefined) {
  console.error(refusal);
  process.exit(2);
}
const logger = pino({ level: config.logLevel, ...LOGGER_OPTIONS });
const metrics = new Registry();

let backend: StreamBackend;
try {
  backend = await openBackend(config, { logger: logger.child({ component: 'storage' }), storageTimings: storageTimingsMetrics(metrics) });
} catch (err) {
  logger.fatal({ err, backend: config.backend, dataDir: config.dataDir }, 'could not open storage');
  process.exit(1);
}

let app: ReturnType<typeof buildApp>;
try {
  app = buildApp({ backend, config, logger, metrics });
} catch (err) {
  await backend.close();
  if (!(err instanceof AuthSetupError)) throw err;
  console.error(`streamgate refuses to start: ${err.message}`);
  process.exit(2);
}

// SIGHUP re-reads AUTH_TOKENS_FILE and AUTH_JWT_PUBLIC_KEY_FILE; a bad file keeps the tokens in force.
process.on('SIGHUP', () => {
  const authenticator = app.authenticator;
  if (authenticator === undefined) logger.info('SIGHUP: authentication is off, nothing to reload');
  else void authenticator.reload(logger.child({ component: 'auth' }));
});

closeWithGrace({ delay: 10_000, logger, skip: ['SIGHUP'] }, async ({ err, signal }) => {
  if (err) logger.error({ err }, 'closing after an error');
  else logger.info({ signal }, 'closing');
  await app.close();
  await backend.close();
});

try {
  await app.listen({ host: config.host, port: config.port });
} catch (err) {
  await backend.close();
  if (err instanceof AuthSetupError) {
    console.error(`streamgate refuses to start: ${err.message}`);
    process.exit(2);
  }
  logger.fatal({ err }, 'could not start');
  process.exit(1);
}
