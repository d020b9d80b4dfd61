import { expect, it } from 'vitest';
import { startTestServer } from '../support/server.js';

it('stops even when one of its parts never finishes stopping: the bus and the HTTP server still stop', async () => {
  const server = await startTestServer();
  const services = server.running.services;
  services.live.stop = () => new Promise<void>(() => undefined);
  let busClosed = false;
  const closeBus = services.bus.close.bind(services.bus);
  services.bus.close = async () => {
    busClosed = true;
    await closeBus();
  };
  const started = Date.now();
  await server.stop();
  expect(Date.now() - started).toBeGreaterThanOrEqual(9_000);
  expect(Date.now() - started).toBeLessThan(30_000);
  expect(busClosed).toBe(true);
  await expect(fetch(`${server.running.app.url}/readyz`)).rejects.toThrow();
}, 60_000);
