/** Certificates for the API's TLS tests, made with openssl in a test's temporary directory. */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';

export interface Pem {
  cert: Buffer;
  key: Buffer;
}

const openssl = (args: string[]) => execFileSync('openssl', args, { stdio: 'ignore', timeout: 20_000 });

/** A self-signed certificate, or a CA, named `name` in `dir` (its files kept there for `issue`). */
export function selfSigned(dir: string, name: string, san?: string): Pem & { certFile: string; keyFile: string } {
  const keyFile = path.join(dir, `${name}.key`);
  const certFile = path.join(dir, `${name}.pem`);
  openssl(['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '1', '-subj', `/CN=${name}`, ...(san ? ['-addext', `subjectAltName=${san}`] : []), '-keyout', keyFile, '-out', certFile]);
  return { cert: fs.readFileSync(certFile), key: fs.readFileSync(keyFile), certFile, keyFile };
}

/** A certificate signed by `ca`: a server's when `san` is given, else a client's. */
export function issue(dir: string, ca: { certFile: string; keyFile: string }, name: string, san?: string): Pem {
  const key = path.join(dir, `${name}.key`);
  const csr = path.join(dir, `${name}.csr`);
  const cert = path.join(dir, `${name}.pem`);
  const ext = path.join(dir, `${name}.ext`);
  openssl(['req', '-new', '-newkey', 'rsa:2048', '-nodes', '-subj', `/CN=${name}`, '-keyout', key, '-out', csr]);
  fs.writeFileSync(ext, san ? `subjectAltName=${san}\n` : 'extendedKeyUsage=clientAuth\n');
  openssl(['x509', '-req', '-in', csr, '-CA', ca.certFile, '-CAkey', ca.keyFile, '-CAcreateserial', '-days', '1', '-extfile', ext, '-out', cert]);
  return { cert: fs.readFileSync(cert), key: fs.readFileSync(key) };
}
