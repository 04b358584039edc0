/**
 * `flotilla pki init` / `pki issue`: makes the cluster's CA, certificates and secrets with openssl, idempotently.
 * What exists is reused and never overwritten (a file is only ever created with link(2), which fails when the
 * name is taken); what is missing is made, leaves from the existing CA. Directory 0700, files 0600.
 *
 * Why openssl: Node's crypto makes keys and parses certificates (X509Certificate) but cannot issue one, and
 * openssl is the well-kept tool for it (Debian's `openssl`, on every Debian system).
 */
import { execFileSync } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import {
  CA_DAYS, LEAF_DAYS, NODES_DIR, PKI_DIR_MODE, PKI_FILE_MODE, PKI_FILES, PkiError, leafSpecs, missingSans, nodeLeafSpec,
  opensslConfig, type LeafSpec,
} from './layout.js';

export interface PkiReport {
  dir: string;
  /** Files made by this run, relative to dir. */
  created: string[];
  /** Files that were there and are kept. */
  reused: string[];
  /** Things a person should act on (an existing certificate without a requested host, a mode tightened). */
  warnings: string[];
}

const SECRETS: { file: string; make: () => string }[] = [
  { file: PKI_FILES.rootPassword, make: () => crypto.randomBytes(24).toString('base64url') },
  { file: PKI_FILES.agentPassword, make: () => crypto.randomBytes(24).toString('base64url') },
  { file: PKI_FILES.cliPassword, make: () => crypto.randomBytes(24).toString('base64url') },
  { file: PKI_FILES.apiToken, make: () => crypto.randomBytes(32).toString('hex') },
];

/** Creates (or completes) the PKI in `dir`: CA, etcd server and peer, agent and CLI certificates, passwords, token. */
export function initPki(givenDir: string, opts: { hosts?: readonly string[] } = {}): PkiReport {
  // openssl runs inside the scratch directory, so every path handed to it must be absolute.
  const dir = path.resolve(givenDir);
  const specs = leafSpecs(opts.hosts ?? []);
  const report: PkiReport = { dir, created: [], reused: [], warnings: [] };
  ensureDir(dir, report);
  withScratch(dir, (scratch) => {
    ensureCa(dir, scratch, report);
    for (const spec of specs) ensureLeaf(dir, scratch, spec, report);
    for (const secret of SECRETS) ensureSecret(dir, secret.file, secret.make, report);
  });
  tightenModes(dir, report);
  return report;
}

/** Issues `nodes/<name>.pem|.key` from an existing CA: one node's agent certificate with its own host names/IPs. */
export function issueNodeCertificate(givenDir: string, name: string, hosts: readonly string[]): PkiReport {
  const dir = path.resolve(givenDir);
  const spec = nodeLeafSpec(name, hosts);
  const report: PkiReport = { dir, created: [], reused: [], warnings: [] };
  if (!exists(dir, PKI_FILES.caKey)) throw new PkiError(`${path.join(dir, PKI_FILES.caKey)} does not exist`, `run \`flotilla pki init ${dir}\` first`);
  ensureDir(path.join(dir, NODES_DIR), report);
  withScratch(dir, (scratch) => ensureLeaf(dir, scratch, spec, report));
  tightenModes(dir, report);
  return report;
}

function exists(dir: string, file: string): boolean {
  return fs.existsSync(path.join(dir, file));
}

function ensureDir(dir: string, report: PkiReport): void {
  fs.mkdirSync(dir, { recursive: true, mode: PKI_DIR_MODE });
  const mode = fs.statSync(dir).mode & 0o777;
  if (mode !== PKI_DIR_MODE) {
    fs.chmodSync(dir, PKI_DIR_MODE);
    report.warnings.push(`${dir} was mode 0${mode.toString(8)}; now 0700`);
  }
}

/** A private working directory inside dir (same filesystem, so finished files are linked into place). */
function withScratch(dir: string, work: (scratch: string) => void): void {
  const scratch = fs.mkdtempSync(path.join(dir, '.scratch-'));
  try {
    work(scratch);
  } finally {
    fs.rmSync(scratch, { recursive: true, force: true });
  }
}

function openssl(args: string[], cwd: string): void {
  try {
    execFileSync('openssl', args, { cwd, stdio: ['ignore', 'ignore', 'pipe'], timeout: 30_000 });
  } catch (err) {
    const e = err as NodeJS.ErrnoException & { stderr?: Buffer };
    if (e.code === 'ENOENT') throw new PkiError('openssl is not installed', 'apt-get install openssl (scripts/setup.sh does)', err);
    throw new PkiError(`openssl ${args[0]} failed: ${e.stderr?.toString().trim() || e.message}`, undefined, err);
  }
}

/** Moves a finished file from scratch into dir without ever replacing one: link(2) fails when the name is taken. */
function publish(scratch: string, name: string, dir: string, file: string, report: PkiReport): void {
  const from = path.join(scratch, name);
  fs.chmodSync(from, PKI_FILE_MODE);
  try {
    fs.linkSync(from, path.join(dir, file));
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'EEXIST') throw new PkiError(`${path.join(dir, file)} appeared while it was being made; run again`, undefined, err);
    throw err;
  }
  // The scratch name goes at once: a later openssl writing to the same name must not write through this link.
  fs.unlinkSync(from);
  report.created.push(file);
}

function newKey(scratch: string, name: string): void {
  openssl(['genpkey', '-algorithm', 'EC', '-pkeyopt', 'ec_paramgen_curve:P-256', '-out', name], scratch);
}

/** Both files of a pair, or neither: half a pair is refused, never completed with a mismatching half. */
function pairState(dir: string, cert: string, key: string): 'both' | 'none' {
  const [c, k] = [exists(dir, cert), exists(dir, key)];
  if (c && k) return 'both';
  if (!c && !k) return 'none';
  throw new PkiError(`${path.join(dir, c ? cert : key)} exists without ${path.join(dir, c ? key : cert)}`, 'restore the missing file, or remove the other one to make a new pair');
}

function ensureCa(dir: string, scratch: string, report: PkiReport): void {
  if (pairState(dir, PKI_FILES.caCert, PKI_FILES.caKey) === 'both') {
    report.reused.push(PKI_FILES.caCert, PKI_FILES.caKey);
    return;
  }
  fs.writeFileSync(path.join(scratch, 'openssl.cnf'), opensslConfig());
  newKey(scratch, 'ca.key');
  openssl(['req', '-x509', '-new', '-key', 'ca.key', '-subj', '/O=Flotilla/CN=Flotilla CA', '-days', String(CA_DAYS), '-sha256',
    '-config', 'openssl.cnf', '-extensions', 'ca', '-out', 'ca.pem'], scratch);
  publish(scratch, 'ca.key', dir, PKI_FILES.caKey, report);
  publish(scratch, 'ca.pem', dir, PKI_FILES.caCert, report);
}

function ensureLeaf(dir: string, scratch: string, spec: LeafSpec, report: PkiReport): void {
  const cert = `${spec.stem}.pem`;
  const key = `${spec.stem}.key`;
  if (pairState(dir, cert, key) === 'both') {
    report.reused.push(cert, key);
    checkLeaf(dir, cert, spec, report);
    return;
  }
  const stem = path.basename(spec.stem);
  const cnf = `${stem}.cnf`;
  fs.writeFileSync(path.join(scratch, cnf), opensslConfig(spec));
  newKey(scratch, `${stem}.key`);
  openssl(['req', '-new', '-key', `${stem}.key`, '-subj', spec.subject, '-config', cnf, '-out', `${stem}.csr`], scratch);
  openssl(['x509', '-req', '-in', `${stem}.csr`, '-CA', path.join(dir, PKI_FILES.caCert), '-CAkey', path.join(dir, PKI_FILES.caKey),
    // A random 128-bit serial (RFC 5280 allows up to 20 octets) instead of openssl's serial file.
    '-set_serial', `0x${crypto.randomBytes(16).toString('hex')}`, '-days', String(LEAF_DAYS), '-sha256',
    '-extfile', cnf, '-extensions', 'leaf', '-out', `${stem}.pem`], scratch);
  publish(scratch, `${stem}.key`, dir, key, report);
  publish(scratch, `${stem}.pem`, dir, cert, report);
}

/** A kept certificate must come from this CA; one without a requested host is kept, with a warning how to reissue. */
function checkLeaf(dir: string, cert: string, spec: LeafSpec, report: PkiReport): void {
  const x509 = new crypto.X509Certificate(fs.readFileSync(path.join(dir, cert)));
  const ca = new crypto.X509Certificate(fs.readFileSync(path.join(dir, PKI_FILES.caCert)));
  if (!x509.verify(ca.publicKey)) {
    throw new PkiError(`${path.join(dir, cert)} was not issued by ${path.join(dir, PKI_FILES.caCert)}`, `remove ${cert} and ${spec.stem}.key to issue a new pair`);
  }
  const missing = missingSans(x509.subjectAltName, spec.sans);
  if (missing.length > 0) {
    report.warnings.push(`${cert} is kept but does not cover ${missing.join(', ')}: remove ${cert} and ${spec.stem}.key and run again to reissue it`);
  }
}

function ensureSecret(dir: string, file: string, make: () => string, report: PkiReport): void {
  if (exists(dir, file)) {
    report.reused.push(file);
    return;
  }
  try {
    // 'wx': never replaces a file that appeared meanwhile.
    fs.writeFileSync(path.join(dir, file), `${make()}\n`, { mode: PKI_FILE_MODE, flag: 'wx' });
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'EEXIST') throw new PkiError(`${path.join(dir, file)} appeared while it was being made; run again`, undefined, err);
    throw err;
  }
  report.created.push(file);
}

/** Every file 0600 and every directory 0700, whoever made them. */
function tightenModes(dir: string, report: PkiReport): void {
  for (const entry of fs.readdirSync(dir, { withFileTypes: true, recursive: true })) {
    const full = path.join(entry.parentPath, entry.name);
    const want = entry.isDirectory() ? PKI_DIR_MODE : PKI_FILE_MODE;
    const mode = fs.lstatSync(full).mode & 0o777;
    if (entry.isSymbolicLink() || mode === want) continue;
    fs.chmodSync(full, want);
    report.warnings.push(`${path.relative(dir, full)} was mode 0${mode.toString(8)}; now 0${want.toString(8)}`);
  }
}

/** Reads one PKI file (trimmed for secrets). */
export function readPkiFile(dir: string, file: string): string {
  try {
    return fs.readFileSync(path.join(dir, file), 'utf8');
  } catch (err) {
    throw new PkiError(`cannot read ${path.join(dir, file)}: ${(err as Error).message}`, `run \`flotilla pki init ${dir}\``, err);
  }
}
