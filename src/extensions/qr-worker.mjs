// Renders QR codes as PNG data URLs for the pool of src/extensions/qr-pool.ts, off the main thread.
// Plain JavaScript on purpose: a worker thread does not inherit tsx's loader, so this file must run as it is,
// under tsx (npm start), vitest and plain node alike.
import { parentPort } from 'node:worker_threads';
import QRCode from 'qrcode';

if (!parentPort) throw new Error('qr-worker.mjs runs as a worker thread of the QR rendering pool');
const port = parentPort;

// One task at a time: the pool sends the next only after the answer to this one.
port.on('message', async (task) => {
  try {
    port.postMessage({ id: task.id, dataUrl: await QRCode.toDataURL(task.text, task.options) });
  } catch (error) {
    port.postMessage({ id: task.id, error: error instanceof Error ? error.message : String(error) });
  }
});
