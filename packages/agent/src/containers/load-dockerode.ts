/**
 * Loads dockerode for the engine client, without ssh2.
 *
 * dockerode's transport (docker-modem) requires ssh2 when it loads, for `ssh://` engine addresses, and ssh2 sets
 * up WebAssembly crypto as it loads. A worker's agent runs lean (`--lite-mode`, docs/cloud-config.md), where
 * there is no WebAssembly: loading ssh2 there kills the process. The agent reaches its engine only over a unix
 * socket (ENGINE_SOCKETS), never over ssh, so before dockerode loads, ssh2's slot in the CommonJS module cache gets
 * a stand-in whose Client refuses with a clear error. Saves ssh2's memory on every agent as well.
 */
import Module, { createRequire } from 'node:module';
import type Docker from 'dockerode';

class SshTransportUnsupported {
  constructor() {
    throw new Error('flotilla reaches container engines over unix sockets only; ssh:// engine addresses are not supported');
  }
}

/** Puts the ssh2 stand-in into the module cache (once; a real ssh2 already loaded is left alone). */
export function shadowSsh2(): void {
  const require = createRequire(import.meta.url);
  const modem = createRequire(createRequire(require.resolve('dockerode')).resolve('docker-modem'));
  const ssh2 = modem.resolve('ssh2');
  if (require.cache[ssh2]) return;
  const standIn = new Module(ssh2);
  standIn.filename = ssh2;
  standIn.loaded = true;
  standIn.exports = { Client: SshTransportUnsupported };
  require.cache[ssh2] = standIn;
}

export async function loadDockerode(): Promise<typeof Docker> {
  shadowSsh2();
  return (await import('dockerode')).default;
}
