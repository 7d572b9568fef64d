import type { AddressInfo } from 'node:net';
import { buildTestApp, type TestApp } from '../helpers/app.js';

export interface RunningServer extends TestApp {
  baseUrl: string;
}

/** The app on an in-memory backend, listening on an ephemeral loopback port. */
export async function startServer(): Promise<RunningServer> {
  const t = await buildTestApp();
  await t.app.listen({ host: '127.0.0.1', port: 0 });
  const { port } = t.app.server.address() as AddressInfo;
  return {
    ...t,
    baseUrl: `http://127.0.0.1:${port}`,
    async close() {
      // Node's fetch may leave a connection that never sent a request (after an aborted EventSource): not ours to wait for.
      t.app.server.closeAllConnections();
      await t.close();
    },
  };
}
