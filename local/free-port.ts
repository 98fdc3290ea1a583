/** Asks the OS for a free TCP port on 127.0.0.1 (for servers that cannot pick one themselves). */
import { createServer } from 'node:net';

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.unref();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const address = srv.address();
      if (address === null || typeof address === 'string') return reject(new Error('no free port'));
      srv.close(() => resolve(address.port));
    });
  });
}
