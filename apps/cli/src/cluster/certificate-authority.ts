import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { chmodSync, copyFileSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { TLS_FILES } from '@repvgg/contracts/tls/tls-dir';
import { UsageError } from '../errors/usage.error';

/** A CA made by `createCertificateAuthority`: its certificate and (until `destroy`) its key. */
export interface CertificateAuthority {
  readonly certFile: string;
  readonly keyFile: string;
}

export interface Leaf {
  readonly commonName: string;
  /** subjectAltName entries, e.g. `IP:127.0.0.1`, `DNS:repvgg-worker`. */
  readonly altNames: readonly string[];
  readonly days: number;
}

/** P-256: fast to generate, and every TLS stack we use (Node, grpc-js) takes it. */
const KEY_OPTIONS = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes'];

/** Runs the openssl CLI in `cwd`; a missing binary or a failure is one line. */
function openssl(cwd: string, args: readonly string[]): void {
  const run = spawnSync('openssl', args, { cwd, encoding: 'utf8' });
  if (run.error !== undefined) {
    const code = (run.error as NodeJS.ErrnoException).code;
    throw new UsageError(
      `cannot run openssl to make the cluster's TLS certificates (${code ?? run.error.message})`,
      'install it: apt-get install openssl',
    );
  }
  if (run.status !== 0) {
    const why = run.stderr.trim().split('\n')[0] ?? `exit ${String(run.status)}`;
    throw new Error(`openssl ${args[0] ?? ''} failed: ${why}`);
  }
}

/** Our own config, so neither the system's openssl.cnf nor its defaults add extensions. */
function writeConfig(file: string, commonName: string, extensions: readonly string[]): void {
  const text = [
    '[req]',
    'distinguished_name = dn',
    'prompt = no',
    '[dn]',
    `CN = ${commonName}`,
    '[ext]',
    ...extensions,
    '',
  ].join('\n');
  writeFileSync(file, text);
}

/** A self-signed CA (keyCertSign only) in `dir`: `ca.crt` and `ca.key` (mode 0600). */
export function createCertificateAuthority(
  dir: string,
  commonName: string,
  days: number,
): CertificateAuthority {
  mkdirSync(dir, { recursive: true });
  writeConfig(join(dir, 'ca.cnf'), commonName, [
    'basicConstraints = critical,CA:TRUE,pathlen:0',
    'keyUsage = critical,keyCertSign,cRLSign',
    'subjectKeyIdentifier = hash',
  ]);
  openssl(dir, [
    'req',
    '-x509',
    '-config',
    'ca.cnf',
    '-extensions',
    'ext',
    ...KEY_OPTIONS,
    '-keyout',
    'ca.key',
    '-out',
    TLS_FILES.ca,
    '-days',
    String(days),
  ]);
  chmodSync(join(dir, 'ca.key'), 0o600);
  return { certFile: join(dir, TLS_FILES.ca), keyFile: join(dir, 'ca.key') };
}

/**
 * A TLS directory at `dir` (`ca.crt`, `tls.crt`, `tls.key` with mode 0600): a fresh key and a
 * certificate `ca` signed for server and client use (mutual TLS) under `leaf.altNames`.
 */
export function issueCertificate(ca: CertificateAuthority, dir: string, leaf: Leaf): void {
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  writeConfig(join(dir, 'leaf.cnf'), leaf.commonName, [
    'basicConstraints = critical,CA:FALSE',
    'keyUsage = critical,digitalSignature,keyEncipherment',
    'extendedKeyUsage = serverAuth,clientAuth',
    `subjectAltName = ${leaf.altNames.join(',')}`,
  ]);
  openssl(dir, [
    'req',
    '-new',
    '-config',
    'leaf.cnf',
    ...KEY_OPTIONS,
    '-keyout',
    TLS_FILES.key,
    '-out',
    'tls.csr',
  ]);
  chmodSync(join(dir, TLS_FILES.key), 0o600);
  openssl(dir, [
    'x509',
    '-req',
    '-in',
    'tls.csr',
    '-CA',
    ca.certFile,
    '-CAkey',
    ca.keyFile,
    '-set_serial',
    `0x${randomBytes(16).toString('hex')}`,
    '-extfile',
    'leaf.cnf',
    '-extensions',
    'ext',
    '-days',
    String(leaf.days),
    '-out',
    TLS_FILES.cert,
  ]);
  copyFileSync(ca.certFile, join(dir, TLS_FILES.ca));
  for (const scratch of ['leaf.cnf', 'tls.csr']) rmSync(join(dir, scratch));
}
