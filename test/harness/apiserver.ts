/**
 * A real kube-apiserver — 1.27 (built by scripts/install/20-kube.sh) or the current line's 1.34
 * (scripts/install/21-kube-current.sh), `StartApiServerOptions.version` — with its own etcd, on 127.0.0.1 only, for
 * the tier-2 suites: `startApiServer` brings it up with a namespace that enforces Pod Security `restricted` (at
 * the server's own version) and the given CRDs installed, `serverDryRun` runs `kubectl apply --dry-run=server` on
 * each object and reports the server's verdict. Every process is started and stopped by PID through proc.ts.
 */
import * as crypto from 'crypto';
import * as fs from 'fs';
import * as https from 'https';
import * as path from 'path';
import { ecKey, issueCertificate, makeCa, openssl } from './pki';
import { freePort, run, runAsync, RunResult, start, Started, tempDir, toolPath } from './proc';

/** A running test API server. */
export interface ApiServer {
  /** The Kubernetes minor of the server (`1.27`, `1.34`). */
  readonly version: ApiServerVersion;
  /** A kubeconfig file with admin (system:masters) credentials. */
  readonly kubeconfig: string;
  /** `https://127.0.0.1:<port>` */
  readonly url: string;
  /** The namespace labelled `pod-security.kubernetes.io/enforce=restricted` (`restricted`). */
  readonly namespace: string;
  /** Run the matching kubectl (same version as the server) against this server, bounded in time (default 60s). */
  kubectl(args: string[], opts?: { input?: string; timeoutMs?: number }): Promise<RunResult>;
  /** Stop kube-apiserver and etcd (by PID) and remove their files. */
  stop(): Promise<void>;
}

/** Options for `startApiServer`. */
export interface StartApiServerOptions {
  /**
   * The server's Kubernetes minor: `1.27` (kube-apiserver, kubectl) or `1.34` (kube-apiserver-1.34, kubectl-1.34).
   * @default '1.27'
   */
  readonly version?: ApiServerVersion;
  /** Directories whose `*.yaml` / `*.yml` files are CRDs to install (waited for until Established). */
  readonly crdDirs?: string[];
  /** @default 'restricted' */
  readonly namespace?: string;
}

/** The API servers the tier-2 tools build. */
export type ApiServerVersion = '1.27' | '1.34';

/** The binaries of a version: the 1.27 ones keep their plain names, the others carry the minor. */
function binaries(version: ApiServerVersion): { apiserver: string; kubectl: string } {
  return version === '1.27'
    ? { apiserver: 'kube-apiserver', kubectl: 'kubectl' }
    : { apiserver: `kube-apiserver-${version}`, kubectl: `kubectl-${version}` };
}

/** The server's verdict on one object. */
export interface DryRunVerdict {
  readonly kind: string;
  readonly name: string;
  /** The namespace it was applied in (undefined for cluster-scoped kinds). */
  readonly namespace?: string;
  /** The object was admitted, and for workloads the Pod built from its template too. */
  readonly accepted: boolean;
  /** Why it was rejected (kubectl's error lines; for workloads also the pod check's), empty when accepted. */
  readonly message: string;
  /** kubectl's `Warning: ...` lines (e.g. `would violate PodSecurity "restricted:v1.27"` on a workload). */
  readonly warnings: string[];
  /** The object as the server would store it (the dry run's answer), when accepted. */
  readonly returned?: any;
  /** For workloads: the verdict on a Pod built from the pod template (Pod Security only enforces on Pods). */
  readonly podTemplate?: { readonly accepted: boolean; readonly message: string; readonly warnings: string[] };
}

const READY_TIMEOUT_MS = 120_000;
const ETCD_READY_TIMEOUT_MS = 30_000;

/** Start etcd and kube-apiserver on free loopback ports, and prepare the restricted namespace and the CRDs. */
export async function startApiServer(opts: StartApiServerOptions = {}): Promise<ApiServer> {
  const namespace = opts.namespace ?? 'restricted';
  const version = opts.version ?? '1.27';
  const bins = binaries(version);
  const dir = tempDir('apiserver');
  const pki = path.join(dir, 'pki');
  fs.mkdirSync(pki);
  makeCertificates(pki);
  const token = crypto.randomBytes(24).toString('hex');
  // Static token auth (still supported in 1.27 and 1.34) for one admin in system:masters, which RBAC always allows.
  fs.writeFileSync(path.join(pki, 'tokens.csv'), `${token},cdk8s-dp-admin,cdk8s-dp-admin,"system:masters"\n`, { mode: 0o600 });

  const started: Started[] = [];
  const stopStarted = async () => {
    for (const p of started.reverse()) await p.stop();
    started.length = 0;
  };
  try {
    // --- etcd ---
    const etcdClient = await freePort();
    const etcdPeer = await freePort();
    const etcdUrl = `http://127.0.0.1:${etcdClient}`;
    const peerUrl = `http://127.0.0.1:${etcdPeer}`;
    const etcdBin = toolPath('etcd');
    const etcdArgs = [
      '--name=cdk8s-dp', `--data-dir=${path.join(dir, 'etcd')}`,
      `--listen-client-urls=${etcdUrl}`, `--advertise-client-urls=${etcdUrl}`,
      `--listen-peer-urls=${peerUrl}`, `--initial-advertise-peer-urls=${peerUrl}`,
      `--initial-cluster=cdk8s-dp=${peerUrl}`, '--initial-cluster-state=new',
      '--logger=zap', '--log-level=warn',
    ];
    if (etcdSupports(etcdBin, '--unsafe-no-fsync')) etcdArgs.push('--unsafe-no-fsync'); // throw-away data
    started.push(await start({
      name: 'etcd',
      command: etcdBin,
      args: etcdArgs,
      readyPort: { host: '127.0.0.1', port: etcdClient },
      readyTimeoutMs: ETCD_READY_TIMEOUT_MS,
      maxLifeMs: 3_600_000,
    }));

    // --- kube-apiserver ---
    const port = await freePort();
    const url = `https://127.0.0.1:${port}`;
    const ca = fs.readFileSync(path.join(pki, 'ca.crt'));
    started.push(await start({
      name: bins.apiserver,
      command: toolPath(bins.apiserver),
      args: [
        `--etcd-servers=${etcdUrl}`,
        '--bind-address=127.0.0.1', '--advertise-address=127.0.0.1', `--secure-port=${port}`,
        `--cert-dir=${path.join(dir, 'certs')}`,
        `--tls-cert-file=${path.join(pki, 'serving.crt')}`, `--tls-private-key-file=${path.join(pki, 'serving.key')}`,
        `--client-ca-file=${path.join(pki, 'ca.crt')}`,
        `--token-auth-file=${path.join(pki, 'tokens.csv')}`,
        '--authorization-mode=RBAC',
        '--service-cluster-ip-range=10.96.0.0/12',
        '--service-account-issuer=https://kubernetes.default.svc.cluster.local',
        `--service-account-key-file=${path.join(pki, 'sa.pub')}`,
        `--service-account-signing-key-file=${path.join(pki, 'sa.key')}`,
        // The defaults (PodSecurity, ServiceAccount, LimitRanger, ... are on by default in 1.27 and 1.34), named anyway so
        // that a future default change does not silently drop them.
        '--enable-admission-plugins=NamespaceLifecycle,LimitRanger,ServiceAccount,PodSecurity,DefaultStorageClass,'
          + 'DefaultTolerationSeconds,MutatingAdmissionWebhook,ValidatingAdmissionWebhook,ResourceQuota,Priority',
        // Privileged containers must reach admission so that Pod Security (not this flag) is what rejects them.
        '--allow-privileged=true',
        '--profiling=false',
        '--enable-priority-and-fairness=false',
        '--v=0',
      ],
      readyCheck: async () => (await httpsGet(`${url}/readyz`, token, ca)) === 200,
      readyTimeoutMs: READY_TIMEOUT_MS,
      maxLifeMs: 3_600_000,
    }));

    // --- kubeconfig ---
    const kubeconfig = path.join(dir, 'kubeconfig');
    fs.writeFileSync(kubeconfig, [
      'apiVersion: v1',
      'kind: Config',
      'clusters:',
      `- name: cdk8s-dp\n  cluster:\n    server: ${url}\n    certificate-authority: ${path.join(pki, 'ca.crt')}`,
      'users:',
      `- name: cdk8s-dp-admin\n  user:\n    token: ${token}`,
      'contexts:',
      `- name: cdk8s-dp\n  context:\n    cluster: cdk8s-dp\n    user: cdk8s-dp-admin\n    namespace: ${namespace}`,
      'current-context: cdk8s-dp',
      '',
    ].join('\n'), { mode: 0o600 });

    const kubectlBin = toolPath(bins.kubectl);
    // Its own discovery cache: ports are reused between runs, a shared ~/.kube/cache would be stale.
    const cacheDir = path.join(dir, 'kube-cache');
    const kubectl = (args: string[], o: { input?: string; timeoutMs?: number } = {}) =>
      runAsync(kubectlBin, [`--kubeconfig=${kubeconfig}`, `--cache-dir=${cacheDir}`, ...args], {
        input: o.input,
        timeoutMs: o.timeoutMs ?? 60_000,
        env: { KUBECONFIG: kubeconfig },
      });

    const api: ApiServer = {
      version,
      kubeconfig,
      url,
      namespace,
      kubectl,
      stop: async () => {
        await stopStarted();
        fs.rmSync(dir, { recursive: true, force: true });
      },
    };
    await ensureNamespace(api, namespace);

    // --- CRDs ---
    const crdFiles = (opts.crdDirs ?? []).flatMap((d) => fs.readdirSync(d)
      .filter((f) => /\.ya?ml$/.test(f)).sort().map((f) => path.join(d, f)));
    if (crdFiles.length > 0) {
      // Server-side: large CRDs overflow the last-applied annotation of a client-side apply.
      const args = ['apply', '--server-side', '--force-conflicts', ...crdFiles.flatMap((f) => ['-f', f])];
      must(await kubectl(args, { timeoutMs: 120_000 }), 'installing CRDs');
      must(await kubectl(['wait', '--for=condition=Established', '--timeout=60s', ...crdFiles.flatMap((f) => ['-f', f])],
        { timeoutMs: 90_000 }), 'waiting for the CRDs to be Established');
    }
    return api;
  } catch (e) {
    await stopStarted();
    throw e;
  }
}

/** Kinds whose pod template `serverDryRun` also checks as a Pod, and where the template is. */
const WORKLOADS: Record<string, (o: any) => any> = {
  Deployment: (o) => o.spec?.template,
  // The StatefulSet controller gives each pod a PVC volume per claim template: so does the pod check.
  StatefulSet: (o) => o.spec?.template && {
    ...o.spec.template,
    spec: {
      ...o.spec.template.spec,
      volumes: [
        ...(o.spec.template.spec?.volumes ?? []),
        ...(o.spec.volumeClaimTemplates ?? []).map((t: any) => ({
          name: t.metadata?.name,
          persistentVolumeClaim: { claimName: `${t.metadata?.name}-${o.metadata?.name}-0` },
        })),
      ],
    },
  },
  DaemonSet: (o) => o.spec?.template,
  ReplicaSet: (o) => o.spec?.template,
  ReplicationController: (o) => o.spec?.template,
  Job: (o) => o.spec?.template,
  CronJob: (o) => o.spec?.jobTemplate?.spec?.template,
  // KEDA starts Jobs from this template: its pods must pass admission like any other.
  ScaledJob: (o) => o.spec?.jobTargetRef?.template,
};

/**
 * `kubectl apply --dry-run=server --validate=strict` on each object on its own, so each gets its own verdict.
 * Namespaced objects without a namespace go into `opts.namespace` (default: the restricted namespace); a namespace
 * an object names is created, labelled restricted like the default one.
 *
 * Pod Security only warns on workload objects and enforces on Pods, so for each workload a Pod built from its pod
 * template (same labels, annotations and spec) is dry-run too; a rejection of that Pod rejects the workload.
 * ServiceAccounts among `objects` are also created for real (after their own dry-run), so that the ServiceAccount
 * admission plugin finds the accounts those Pods name; an account the objects do not bring rejects the Pod.
 */
export async function serverDryRun(api: ApiServer, objects: any[], opts: { namespace?: string } = {}): Promise<DryRunVerdict[]> {
  const defaultNs = opts.namespace ?? api.namespace;
  const out: DryRunVerdict[] = [];
  for (const obj of objects) {
    if (!obj || typeof obj !== 'object') continue;
    const ns: string = obj.metadata?.namespace ?? defaultNs;
    await ensureNamespace(api, ns);
    const res = await applyDryRun(api, obj, ns);
    if (res.accepted && obj.kind === 'ServiceAccount' && (obj.apiVersion ?? 'v1') === 'v1') {
      must(await api.kubectl(['apply', '-n', ns, '-f', '-'], { input: JSON.stringify(obj) }), `creating ServiceAccount ${obj.metadata?.name}`);
    }
    const template = WORKLOADS[obj.kind]?.(obj);
    let podTemplate: DryRunVerdict['podTemplate'];
    if (template?.spec) {
      const pod = {
        apiVersion: 'v1',
        kind: 'Pod',
        metadata: {
          name: podName(obj),
          namespace: ns,
          labels: template.metadata?.labels,
          annotations: template.metadata?.annotations,
        },
        spec: template.spec,
      };
      podTemplate = await applyDryRun(api, pod, ns);
    }
    const accepted = res.accepted && (podTemplate?.accepted ?? true);
    const message = [res.message, podTemplate && !podTemplate.accepted ? `pod template: ${podTemplate.message}` : '']
      .filter((m) => m).join('\n');
    out.push({
      kind: obj.kind,
      name: obj.metadata?.name,
      namespace: res.namespaced ? ns : undefined,
      accepted,
      message,
      warnings: res.warnings,
      returned: res.returned,
      podTemplate,
    });
  }
  return out;
}

async function applyDryRun(api: ApiServer, obj: any, ns: string) {
  const r = await api.kubectl(['apply', '--dry-run=server', '--validate=strict', '-n', ns, '-o', 'json', '-f', '-'],
    { input: JSON.stringify(obj) });
  const lines = `${r.stderr}`.split('\n').map((l) => l.trim()).filter((l) => l);
  const warnings = lines.filter((l) => l.startsWith('Warning:'));
  const errors = lines.filter((l) => !l.startsWith('Warning:'));
  let namespaced = true;
  let returned: any;
  if (r.code === 0) {
    try {
      returned = JSON.parse(r.stdout);
      namespaced = returned.metadata?.namespace !== undefined;
    } catch { /* keep the default */ }
  }
  return {
    accepted: r.code === 0,
    message: r.code === 0 ? '' : (errors.join('\n') || `kubectl exited with ${r.code}`),
    warnings,
    namespaced,
    returned,
  };
}

/** `<name>-podcheck`, kept a valid DNS subdomain. */
function podName(obj: any): string {
  const base = String(obj.metadata?.name ?? 'unnamed').toLowerCase();
  return `${base.slice(0, 253 - '-podcheck'.length)}-podcheck`;
}

const ensuredNamespaces = new WeakMap<ApiServer, Set<string>>();

/**
 * Create a namespace enforcing Pod Security `restricted` (the server's version's rules; warn and audit too) with a `default`
 * ServiceAccount. No kube-controller-manager runs here, so nothing else creates that account, and the
 * ServiceAccount admission plugin (kept on, as in a real cluster) rejects Pods whose account does not exist.
 */
async function ensureNamespace(api: ApiServer, ns: string): Promise<void> {
  const ensured = ensuredNamespaces.get(api) ?? new Set<string>();
  ensuredNamespaces.set(api, ensured);
  if (ensured.has(ns)) return;
  const labels: Record<string, string> = { 'kubernetes.io/metadata.name': ns };
  for (const mode of ['enforce', 'warn', 'audit']) {
    labels[`pod-security.kubernetes.io/${mode}`] = 'restricted';
    labels[`pod-security.kubernetes.io/${mode}-version`] = `v${api.version}`;
  }
  const list = {
    apiVersion: 'v1',
    kind: 'List',
    items: [
      { apiVersion: 'v1', kind: 'Namespace', metadata: { name: ns, labels } },
      { apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name: 'default', namespace: ns } },
    ],
  };
  must(await api.kubectl(['apply', '-f', '-'], { input: JSON.stringify(list) }), `creating namespace ${ns}`);
  ensured.add(ns);
}

function must(r: RunResult, what: string): RunResult {
  if (r.code !== 0) throw new Error(`${what} failed (kubectl exit ${r.code}):\n${r.stderr}\n${r.stdout}`);
  return r;
}

/** GET with a bearer token; resolves to the status code, or 0 when nothing answers. */
function httpsGet(url: string, token: string, ca: Buffer): Promise<number> {
  return new Promise((resolve) => {
    const req = https.get(url, { ca, headers: { Authorization: `Bearer ${token}` }, timeout: 2000 }, (res) => {
      res.resume();
      resolve(res.statusCode ?? 0);
    });
    req.on('timeout', () => { req.destroy(); resolve(0); });
    req.on('error', () => resolve(0));
  });
}

function etcdSupports(etcd: string, flag: string): boolean {
  try {
    const r = run(etcd, ['--help'], { timeoutMs: 10_000 });
    return `${r.stdout}${r.stderr}`.includes(flag);
  } catch {
    return false;
  }
}

/** CA, serving certificate for 127.0.0.1/localhost, and the service-account signing key pair, with openssl. */
function makeCertificates(pki: string): void {
  makeCa(pki, 'ca', 'cdk8s-dp-test-ca');
  issueCertificate(pki, {
    ca: 'ca',
    name: 'serving',
    cn: 'kube-apiserver',
    altNames: ['IP:127.0.0.1', 'DNS:localhost', 'DNS:kubernetes', 'DNS:kubernetes.default', 'DNS:kubernetes.default.svc', 'IP:10.96.0.1'],
  });
  ecKey(pki, 'sa.key');
  openssl(pki, 'pkey', '-in', 'sa.key', '-pubout', '-out', 'sa.pub');
}

/**
 * The fields of `sent` that `returned` (the server's answer to a dry run) lacks, as JSON pointers: a field the
 * server's schema knows but drops — a feature that is off on that server (an alpha field) — would otherwise pass
 * unnoticed. Values may differ (defaults, normalized quantities); only presence is compared. A zero value sent
 * (`false`, `0`, `''`, `[]`, `{}`) may be missing from the answer: the server's encoding omits empty fields.
 */
export function droppedFields(sent: any, returned: any, ptr = ''): string[] {
  if (isZero(sent) && (returned === undefined || returned === null)) return [];
  if (sent === null || typeof sent !== 'object') return [];
  if (returned === null || returned === undefined || typeof returned !== 'object') return [ptr || '/'];
  if (Array.isArray(sent)) {
    if (!Array.isArray(returned)) return [ptr];
    return sent.flatMap((v, i) => droppedFields(v, returned[i], `${ptr}/${i}`));
  }
  return Object.entries(sent).flatMap(([k, v]) => droppedFields(v, returned[k], `${ptr}/${k}`));
}

function isZero(v: any): boolean {
  if (v === false || v === 0 || v === '' || v === null) return true;
  if (Array.isArray(v)) return v.length === 0;
  return typeof v === 'object' && Object.keys(v).length === 0;
}
