/**
 * Test certificates with openssl, for the tier-2 daemons that speak TLS (the API server, the Kafka brokers, the
 * brokered redis): a CA, and certificates it issues for given names. Keys are EC P-256, PKCS#8 (openssl genpkey).
 */
import * as fs from 'fs';
import * as path from 'path';
import { run, toolPath } from './proc';

/** Runs openssl in `dir`; throws with its stderr when it fails. */
export function openssl(dir: string, ...args: string[]): void {
  const r = run(toolPath('openssl'), args, { cwd: dir, timeoutMs: 60_000 });
  if (r.code !== 0) throw new Error(`openssl ${args.join(' ')} failed:\n${r.stderr}`);
}

/** A new EC P-256 private key (PKCS#8 PEM) at `dir/<file>`. */
export function ecKey(dir: string, file: string): void {
  openssl(dir, 'genpkey', '-algorithm', 'EC', '-pkeyopt', 'ec_paramgen_curve:P-256', '-out', file);
}

/** A self-signed CA valid for 2 days: `dir/<name>.key` and `dir/<name>.crt`. */
export function makeCa(dir: string, name: string, cn: string): void {
  ecKey(dir, `${name}.key`);
  openssl(dir, 'req', '-x509', '-new', '-key', `${name}.key`, '-out', `${name}.crt`, '-days', '2', '-subj', `/CN=${cn}`);
}

/** What `issueCertificate` issues. */
export interface IssueOptions {
  /** The issuing CA's files `dir/<ca>.key`, `dir/<ca>.crt` (`makeCa`). */
  readonly ca: string;
  /** The files written: `dir/<name>.key`, `dir/<name>.crt`. */
  readonly name: string;
  /** The subject's common name. */
  readonly cn: string;
  /** subjectAltName entries, e.g. `DNS:localhost`, `IP:127.0.0.1`. */
  readonly altNames: string[];
  /** extendedKeyUsage. @default serverAuth */
  readonly extendedKeyUsage?: string;
}

/** A leaf certificate valid for 2 days, signed by `ca`, for `altNames`. */
export function issueCertificate(dir: string, o: IssueOptions): void {
  ecKey(dir, `${o.name}.key`);
  openssl(dir, 'req', '-new', '-key', `${o.name}.key`, '-out', `${o.name}.csr`, '-subj', `/CN=${o.cn}`);
  fs.writeFileSync(path.join(dir, `${o.name}.ext`), [
    'basicConstraints=CA:FALSE',
    'keyUsage=critical,digitalSignature,keyEncipherment',
    `extendedKeyUsage=${o.extendedKeyUsage ?? 'serverAuth'}`,
    `subjectAltName=${o.altNames.join(',')}`,
    '',
  ].join('\n'));
  openssl(dir, 'x509', '-req', '-in', `${o.name}.csr`, '-CA', `${o.ca}.crt`, '-CAkey', `${o.ca}.key`, '-CAcreateserial',
    '-out', `${o.name}.crt`, '-days', '2', '-extfile', `${o.name}.ext`);
}
