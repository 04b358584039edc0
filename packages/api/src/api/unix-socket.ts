/**
 * The API's unix socket. It needs no token: file permissions guard it, as fleet's (docs/api.md, "Listeners and
 * security"), so its mode must not come from the daemon's umask (0777 under umask 000: anyone on the machine
 * could drive the cluster). It is 0660, owned by the agent's user (root) and group.
 */
import fs from 'node:fs';
import type net from 'node:net';
import path from 'node:path';

export const API_SOCKET_MODE = 0o660;

/** Removes a socket left at `socketPath` by an earlier process; anything else there is left alone. */
export function removeStaleSocket(socketPath: string): void {
  try {
    if (fs.lstatSync(socketPath).isSocket()) fs.unlinkSync(socketPath);
  } catch {
    // absent: nothing to remove
  }
}

/**
 * Listens on `socketPath` with mode 0660. The socket is bound inside a fresh private directory (0700), given its
 * mode there, then hard-linked into place: no client can connect while the mode is wider than 0660, and a file
 * already at the path is never replaced (the link fails, as a bind would).
 */
export async function listenUnixSocket(server: net.Server, socketPath: string): Promise<void> {
  removeStaleSocket(socketPath);
  const privateDir = fs.mkdtempSync(path.join(path.dirname(socketPath), '.api-'));
  const bound = path.join(privateDir, 's');
  try {
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(bound, () => {
        server.off('error', reject);
        resolve();
      });
    });
    fs.chmodSync(bound, API_SOCKET_MODE);
    try {
      fs.linkSync(bound, socketPath);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
      throw Object.assign(new Error(`listen EADDRINUSE: ${socketPath} exists and is not a socket`), { code: 'EADDRINUSE' });
    }
  } finally {
    fs.rmSync(privateDir, { recursive: true, force: true });
  }
}
