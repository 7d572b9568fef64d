import closeWithGrace from 'close-with-grace';
import { pino } from 'pino';
import type { StreamBackend } from './backends/contract.js';
import { openBackend } from './backends/create-backend.js';
import { ConfigError, loadConfig, type Config } from './config.js';
import { buildApp } from './http/app.js';

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
const logger = pino({ level: config.logLevel });

let backend: StreamBackend;
try {
  backend = await openBackend(config, { logger: logger.child({ component: 'storage' }) });
} catch (err) {
  logger.fatal({ err, backend: config.backend, dataDir: config.dataDir }, 'could not open storage');
  process.exit(1);
}

const app = buildApp({ backend, config, logger });

closeWithGrace({ delay: 10_000, logger }, async ({ err, signal }) => {
  if (err) logger.error({ err }, 'closing after an error');
  else logger.info({ signal }, 'closing');
  await app.close();
  await backend.close();
});

try {
  await app.listen({ host: config.host, port: config.port });
} catch (err) {
  logger.fatal({ err }, 'could not start');
  await backend.close();
  process.exit(1);
}
