import { ApiObject, Duration, JsonPatch, Size } from 'cdk8s';
import * as kplus from 'cdk8s-plus-27';
import { Construct } from 'constructs';
import { addAppContainer, checkAppContainer } from '../blocks/_app-container';
import { applyPodOptions, checkPodOptions } from '../blocks/_pod-options';
import { PodPorts } from '../blocks/_pod-ports';
import { RestrictedWorkloads } from '../blocks/_restricted-workload';
import { TrafficGraph, TrafficGroup } from '../blocks/_traffic';
import { resourcesOr } from '../core/_resources';
import { checkResources } from '../core/_rules';
import { AppContainerProps } from '../core/app-container';
import { Availability } from '../core/availability';
import { ConfigChecksum } from '../core/checksum';
import { PropCheck } from '../core/errors';
import { ContainerImages, ImageKey, ImageOverrides } from '../core/images';
import { RecommendedLabels } from '../core/labels';
import { ResourceNames } from '../core/names';
import { NetworkPeer, NetworkPolicyOptions } from '../core/network';
import { PodOptions } from '../core/pod-options';
import { propError } from '../core/prop-error';
import { RestrictedSecurity } from '../core/security';
import { ELECTION_CONFIG_FILE, ELECTION_PROGRAM_FILE, ELECTION_STATE_FILE, electionSidecarProgram } from '../runtime/election-sidecar';
import { OwnershipLossAction } from './ownership-election/loss-action';

/**
 * Properties for `OwnershipElection`.
 */
export interface OwnershipElectionProps {
  /**
   * Your app: every replica runs it beside the election sidecar, and asks the sidecar (`ELECTION_URL`, or the file
   * `ELECTION_FILE`) whether it is the owner before it acts as one.
   */
  readonly app: AppContainerProps;
  /**
   * Replicas: one owner (per shard) and hot standbys. At least 2 — with one replica no election is needed.
   *
   * @default 3
   */
  readonly replicas?: number;
  /**
   * The name of the Lease (`coordination.k8s.io/v1`) the replicas compete for. With `shards`, the shard Leases are
   * `<leaseName>-<i>` and the membership Lease `<leaseName>-members`.
   *
   * @default - the base name
   */
  readonly leaseName?: string;
  /**
   * Sharded ownership: this many Leases, one per shard of the work, each owned by one replica and spread evenly
   * (each replica owns at most ⌈shards / live replicas⌉). The app reads which shards it owns from the sidecar.
   *
   * @default - one Lease: a single owner
   */
  readonly shards?: number;
  /**
   * How long a Lease stays held without a renewal: a candidate takes it over once it has not changed for this long
   * (measured on the candidate's own clock from when it saw the last change). Whole seconds (the Lease field
   * `leaseDurationSeconds`).
   *
   * @default Duration.seconds(15)
   */
  readonly leaseDuration?: Duration;
  /**
   * The watchdog: an owner whose last successful renewal was sent longer ago than this reports "not owner" at once.
   * Must be less than `leaseDuration`, so an owner always stops before anyone else can start.
   *
   * @default Duration.seconds(10)
   */
  readonly renewDeadline?: Duration;
  /**
   * How often the owner renews and a candidate retries (candidates add up to 20 % jitter). `renewDeadline` must be
   * more than 1.2 × this.
   *
   * @default Duration.seconds(2)
   */
  readonly retryPeriod?: Duration;
  /**
   * A Service `<name>` that routes only to the current owner (the book's single active replica with hot standbys):
   * a Service without selector whose Endpoints the owner's sidecar writes (its pod IP) when it takes the Lease and
   * clears when it gives it up. Needs `app.port`. Not with `shards`.
   *
   * @default false
   */
  readonly ownerService?: boolean;
  /**
   * What happens to the app when its pod loses ownership without giving it up.
   *
   * @default OwnershipLossAction.REPORT
   */
  readonly onLoss?: OwnershipLossAction;
  /**
   * The port the sidecar answers on (`/ownership`, `/owner`, `/healthz`, `/watchdog`); the app reaches it on
   * `127.0.0.1`, the kubelet probes it.
   *
   * @default 8089
   */
  readonly sidecarPort?: number;
  /**
   * The sidecar's resources.
   *
   * @default - requests 20m CPU and 48 MiB, limits 200m CPU and 128 MiB; ephemeral storage 16Mi request, 64Mi limit (kept when yours leave `ephemeralStorage` out)
   */
  readonly sidecarResources?: kplus.ContainerResources;
  /**
   * Pod options. `serviceAccount` and `automountServiceAccountToken` cannot be set: the construct makes the
   * ServiceAccount its Role is bound to, and mounts its token into the sidecar only.
   *
   * @default - none
   */
  readonly pod?: PodOptions;
  /**
   * The NetworkPolicy of the pods: default deny, plus egress to the Kubernetes API (TCP 443 and 6443 to any
   * address) and, with `ownerService`, ingress from the clients to `app.port`.
   *
   * @default - on, clients from the same namespace
   */
  readonly networkPolicy?: NetworkPolicyOptions;
  /**
   * The base name: the Deployment, ServiceAccount, Role, RoleBinding and owner Service are `<name>`, the ConfigMap
   * `<name>-election`.
   *
   * @default - derived from the construct path
   */
  readonly name?: string;
  /**
   * `app.kubernetes.io/part-of` of every object.
   *
   * @default - the context value `RecommendedLabels.PART_OF_CONTEXT_KEY`, else the base name
   */
  readonly partOf?: string;
  /**
   * Image overrides (the sidecar runs `node`).
   *
   * @default - the default image table
   */
  readonly images?: ImageOverrides;
}

const ENV_URL = 'ELECTION_URL';
const ENV_FILE = 'ELECTION_FILE';
const CONFIG_DIR = '/etc/election';
const STATE_DIR = '/var/run/election';
const SA_DIR = '/var/run/secrets/kubernetes.io/serviceaccount';
const TOKEN_VOLUME = 'election-token';
const MAX_SHARDS = 1000;
const MAX_REPLICAS = 100;
/** client-go's JitterFactor: renewDeadline must exceed retryPeriod × 1.2. */
const JITTER = 1.2;
/** The projected token's lifetime: the kubelet's own for automounted tokens (it rotates them at 80 %). */
const TOKEN_SECONDS = 3607;

/**
 * Ownership election (book ch. 9): a replicated app in which one replica — or, sharded, one replica per shard — is
 * the owner, through a renewable `coordination.k8s.io/v1` Lease with a fencing token.
 *
 * Each pod runs your app and the library's election sidecar (`OwnershipElection.sidecarProgram()`, a
 * zero-dependency Node program from a ConfigMap on the official `node` image). The sidecar holds the Lease through
 * the Kubernetes API — create, or compare-and-swap on its `resourceVersion`; renew every `retryPeriod`; release on
 * shutdown — and tells the app on `http://127.0.0.1:<sidecarPort>/ownership` and in `/var/run/election/ownership.json`
 * whether it is the owner, with the fencing token (the Lease's `leaseTransitions`, one higher for every new term).
 * Its watchdog reports "not owner" as soon as `renewDeadline` passes without a successful renewal — before
 * `leaseDuration` lets anyone else take over.
 *
 * Least privilege: a ServiceAccount whose token is mounted into the sidecar only (the app gets none), a Role that
 * allows `get` and `update` on the named Leases only and `create` on leases (Kubernetes cannot restrict `create` to
 * names: the name of an object that does not exist yet is not known to the authorizer), and with `ownerService`
 * `get`/`update` on that Service's Endpoints only.
 *
 * @see https://kubernetes.io/docs/concepts/architecture/leases/
 */
export class OwnershipElection extends Construct {
  /** The env variable that holds the sidecar's ownership URL (in the app container). */
  public static readonly ENV_ELECTION_URL = ENV_URL;
  /** The env variable that holds the path of the ownership file (in the app container). */
  public static readonly ENV_ELECTION_FILE = ENV_FILE;

  /** The sidecar program (JavaScript) exactly as it is written into the ConfigMap. */
  public static sidecarProgram(): string {
    return electionSidecarProgram();
  }

  /** The Deployment of the replicas. */
  public readonly deployment: kplus.Deployment;
  /** The ConfigMap: the sidecar program and its `config.json`. */
  public readonly configMap: kplus.ConfigMap;
  /** The sidecar's config (`config.json`), as written to the ConfigMap. */
  public readonly sidecarConfig: string;
  /** The ServiceAccount the pods run as (its token is mounted into the sidecar only). */
  public readonly serviceAccount: kplus.k8s.KubeServiceAccount;
  /** The Role: the Lease (and Endpoints) verbs the sidecar needs, and nothing else. */
  public readonly role: kplus.k8s.KubeRole;
  /** The RoleBinding of the Role to the ServiceAccount. */
  public readonly roleBinding: kplus.k8s.KubeRoleBinding;
  /** The Service that routes only to the owner, with `ownerService`. */
  public readonly ownerService?: kplus.Service;
  /** The Endpoints of the owner Service (written by the owner's sidecar), with `ownerService`. */
  public readonly ownerEndpoints?: kplus.k8s.KubeEndpoints;
  /** The PodDisruptionBudget. */
  public readonly podDisruptionBudget?: kplus.k8s.KubePodDisruptionBudget;
  /** The app container (mount volumes or add env here). */
  public readonly appContainer: kplus.Container;
  /** The election sidecar container. */
  public readonly sidecarContainer: kplus.Container;
  /** Replicas. */
  public readonly replicas: number;
  /** The number of shards (1 without `shards`: a single owner). */
  public readonly shardCount: number;
  /** The URL the app asks (`ELECTION_URL`). */
  public readonly ownershipUrl: string;
  /** The file the sidecar writes (`ELECTION_FILE`). */
  public readonly ownershipFile: string;

  private readonly leaseNameList: string[];
  private readonly graph: TrafficGraph;

  /**
   * @param scope the parent construct
   * @param id the construct id; unless a `name` prop says otherwise, object names derive from the construct path
   * @param props the properties
   */
  constructor(scope: Construct, id: string, props: OwnershipElectionProps) {
    super(scope, id);
    if (props === undefined || props === null || typeof props !== 'object') throw propError(this, 'props', 'an OwnershipElectionProps object', props);
    const base = ResourceNames.baseName(this, props.name, ResourceNames.MAX_LABEL - '-election'.length);

    // ---- props → model (every check throws naming this construct, the prop and the value)
    const replicas = props.replicas ?? 3;
    if (typeof replicas !== 'number' || !Number.isInteger(replicas) || replicas < 2 || replicas > MAX_REPLICAS) {
      throw propError(this, 'replicas', `an integer from 2 to ${MAX_REPLICAS} (with one replica there is nothing to elect: the book's first advice is "determining if you even need master election" — use a plain Deployment)`, replicas);
    }
    const sharded = props.shards !== undefined;
    const shards = sharded ? PropCheck.integer(this, 'shards', 1, MAX_SHARDS, 1, props.shards) : 1;
    const leaseName = props.leaseName ?? base;
    const suffix = sharded ? Math.max('-members'.length, `-${shards - 1}`.length) : 0;
    if (!ResourceNames.isDnsSubdomain(leaseName) || leaseName.length + suffix > ResourceNames.MAX_SUBDOMAIN) {
      throw propError(this, 'leaseName', `a Kubernetes object name (DNS-1123 subdomain: lowercase letters, digits, '-' and '.', at most ${ResourceNames.MAX_SUBDOMAIN - suffix} characters${sharded ? ' to leave room for the shard suffixes' : ''})`, leaseName);
    }
    const leaseMs = PropCheck.wholeSeconds(this, 'leaseDuration', 1, 86400, Duration.seconds(15), props.leaseDuration) * 1000;
    const renewMs = PropCheck.wholeMillis(this, 'renewDeadline', 1, 86_400_000, Duration.seconds(10), props.renewDeadline);
    const retryMs = PropCheck.wholeMillis(this, 'retryPeriod', 1, 86_400_000, Duration.seconds(2), props.retryPeriod);
    if (renewMs >= leaseMs) {
      throw propError(this, 'renewDeadline', `less than 'leaseDuration' (${leaseMs}ms), so an owner stops before anyone else may start`, `${renewMs}ms`);
    }
    if (renewMs <= retryMs * JITTER) {
      throw propError(this, 'retryPeriod', `less than 'renewDeadline' / ${JITTER} (at most ${Math.ceil(renewMs / JITTER) - 1}ms), as client-go requires: a renewal must have room for a retry with jitter before the deadline`, `${retryMs}ms`);
    }
    const ownerService = props.ownerService ?? false;
    if (typeof ownerService !== 'boolean') throw propError(this, 'ownerService', 'true or false', ownerService);
    if (ownerService && sharded) throw propError(this, 'ownerService', "false with 'shards' (each shard has its own owner; route by shard in your app)", ownerService);
    const onLoss = PropCheck.oneOf(this, 'onLoss', [OwnershipLossAction.REPORT, OwnershipLossAction.RESTART_APP], OwnershipLossAction.REPORT, props.onLoss);
    const sidecarPort = PropCheck.integer(this, 'sidecarPort', 1, 65535, 8089, props.sidecarPort);
    checkResources(this, 'sidecarResources', props.sidecarResources);
    const pod = checkPodOptions(this, 'pod', props.pod);
    if (pod.serviceAccount !== undefined) {
      throw propError(this, 'pod.serviceAccount', 'unset (the construct makes the ServiceAccount its Role is bound to)', (pod.serviceAccount as any)?.name ?? pod.serviceAccount);
    }
    if (pod.automountServiceAccountToken !== undefined) {
      throw propError(this, 'pod.automountServiceAccountToken', 'unset (the token is mounted into the election sidecar only, never into the app)', pod.automountServiceAccountToken);
    }
    const app = checkAppContainer(this, 'app', props.app, {
      name: 'app',
      reservedEnv: [ENV_URL, ENV_FILE],
      portRequired: ownerService ? 'the owner Service routes to it' : undefined,
      defaultResources: { cpu: ['100m', '1'], memory: ['128Mi', '512Mi'] },
    });
    if (onLoss === OwnershipLossAction.RESTART_APP && props.app.liveness !== undefined) {
      throw propError(this, 'app.liveness', "unset with onLoss RESTART_APP (the app's liveness probe is the sidecar's /watchdog)", 'a probe');
    }
    if (app.writableDirs.some((d) => d === STATE_DIR || d.startsWith(`${STATE_DIR}/`) || d === CONFIG_DIR || d.startsWith(`${CONFIG_DIR}/`))) {
      throw propError(this, 'app.writableDirs', `free of ${STATE_DIR} and ${CONFIG_DIR} (the election mounts them)`, app.writableDirs);
    }

    this.replicas = replicas;
    this.shardCount = shards;
    this.leaseNameList = sharded ? Array.from({ length: shards }, (_, i) => `${leaseName}-${i}`) : [leaseName];
    const membersLease = sharded ? `${leaseName}-members` : undefined;
    this.ownershipUrl = `http://127.0.0.1:${sidecarPort}/ownership`;
    this.ownershipFile = `${STATE_DIR}/${ELECTION_STATE_FILE}`;

    const partOf = RecommendedLabels.partOf(this, base, props.partOf);
    const labels = RecommendedLabels.of({ name: base, instance: base, component: 'owner-candidate', partOf });
    const selector = RecommendedLabels.selector({ name: base, instance: base, component: 'owner-candidate' });
    const image = ContainerImages.resolve(this, ImageKey.NODE, props.images);

    // ---- RBAC: the ServiceAccount, the least-privilege Role, the binding
    this.serviceAccount = new kplus.k8s.KubeServiceAccount(this, 'ServiceAccount', {
      metadata: { name: base, labels },
      // Never mounted automatically: the pod mounts a projected token into the sidecar only.
      automountServiceAccountToken: false,
    });
    const rules: kplus.k8s.PolicyRule[] = [
      { apiGroups: ['coordination.k8s.io'], resources: ['leases'], resourceNames: [...this.leaseNameList, ...(membersLease ? [membersLease] : [])], verbs: ['get', 'update'] },
      // RBAC cannot restrict `create` by resourceNames (the authorizer does not see the name of an object that does
      // not exist yet), so this rule is on leases in general — in this namespace only.
      { apiGroups: ['coordination.k8s.io'], resources: ['leases'], verbs: ['create'] },
    ];
    if (ownerService) rules.push({ apiGroups: [''], resources: ['endpoints'], resourceNames: [base], verbs: ['get', 'update'] });
    this.role = new kplus.k8s.KubeRole(this, 'Role', { metadata: { name: base, labels }, rules });
    this.roleBinding = new kplus.k8s.KubeRoleBinding(this, 'RoleBinding', {
      metadata: { name: base, labels },
      roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: base },
      subjects: [{ kind: 'ServiceAccount', name: base }],
    });

    // ---- the sidecar's config and program
    const appPort = app.port;
    const config = {
      leases: this.leaseNameList,
      sharded,
      ...(membersLease ? { membersLease } : {}),
      replicas,
      leaseDurationSeconds: leaseMs / 1000,
      renewDeadlineMs: renewMs,
      retryPeriodMs: retryMs,
      port: sidecarPort,
      stateDir: STATE_DIR,
      onLoss,
      ...(ownerService ? { endpoints: { name: base, ports: [{ name: app.portName, port: appPort, protocol: 'TCP' }] } } : {}),
    };
    this.sidecarConfig = `${JSON.stringify(config, undefined, 2)}\n`;
    this.configMap = new kplus.ConfigMap(this, 'ConfigMap', {
      metadata: { name: `${base}-election`, labels },
      data: { [ELECTION_CONFIG_FILE]: this.sidecarConfig, [ELECTION_PROGRAM_FILE]: electionSidecarProgram() },
    });

    // ---- the Deployment: the app and the sidecar
    this.deployment = RestrictedWorkloads.deployment(this, 'Deployment', {
      name: base,
      labels,
      selector,
      replicas,
      uid: app.uid,
      gid: app.gid,
      automountServiceAccountToken: false,
      strategy: Availability.surgeOnly(),
    });
    const version = RecommendedLabels.versionOf(app.props.image);
    if (version) this.deployment.podMetadata.addLabel('app.kubernetes.io/version', version);
    const obj = ApiObject.of(this.deployment);
    obj.addJsonPatch(JsonPatch.add('/spec/template/spec/serviceAccountName', base));

    const ports = new PodPorts(this);
    if (appPort !== undefined) ports.claim({ container: 'app', number: appPort, numberProp: 'app.port', name: app.portName, nameProp: 'app.portName' });
    ports.claim({ container: 'election', number: sidecarPort, numberProp: 'sidecarPort', name: 'election', nameProp: 'sidecarPort' });

    const stateVolume = kplus.Volume.fromEmptyDir(this, 'StateVolume', 'election-state', { medium: kplus.EmptyDirMedium.MEMORY, sizeLimit: Size.mebibytes(1) });
    const watchdog = kplus.Probe.fromHttpGet('/watchdog', { port: sidecarPort, periodSeconds: Duration.seconds(1), failureThreshold: 1, timeoutSeconds: Duration.seconds(1) });
    this.appContainer = addAppContainer(this.deployment, app, {
      envVariables: {
        ...(app.props.envVariables ?? {}),
        [ENV_URL]: kplus.EnvValue.fromValue(this.ownershipUrl),
        [ENV_FILE]: kplus.EnvValue.fromValue(this.ownershipFile),
      },
      ...(onLoss === OwnershipLossAction.RESTART_APP ? { liveness: watchdog } : {}),
    });
    if (onLoss === OwnershipLossAction.RESTART_APP) {
      // Linters expect a probe's port on its own container; the kubelet probes the pod's address, where any
      // container's port answers.
      obj.metadata.addAnnotation('ignore-check.kube-linter.io/liveness-port', "the app's liveness probe is the election sidecar's /watchdog, on the sidecar's port in the same pod");
    }
    this.appContainer.mount(STATE_DIR, stateVolume, { readOnly: true });

    const user = ContainerImages.user(ImageKey.NODE);
    const healthz = (period: number, failures: number) => kplus.Probe.fromHttpGet('/healthz', { port: sidecarPort, periodSeconds: Duration.seconds(period), failureThreshold: failures });
    // A native sidecar on a line that has them (it starts before the app, so the app's first question has an answer,
    // and stops after it, so the Lease is released only once the app has stopped acting as owner).
    const placed = RestrictedSecurity._addSidecar(this.deployment, {
      name: 'election',
      image,
      command: ['node', `${CONFIG_DIR}/${ELECTION_PROGRAM_FILE}`, `${CONFIG_DIR}/${ELECTION_CONFIG_FILE}`],
      envVariables: {
        POD_NAME: kplus.EnvValue.fromFieldRef(kplus.EnvFieldPaths.POD_NAME),
        POD_NAMESPACE: kplus.EnvValue.fromFieldRef(kplus.EnvFieldPaths.POD_NAMESPACE),
        ...(ownerService ? { POD_IP: kplus.EnvValue.fromFieldRef(kplus.EnvFieldPaths.POD_IP) } : {}),
      },
      ports: [{ number: sidecarPort, name: 'election' }],
      readiness: healthz(5, 1),
      liveness: healthz(10, 3),
      resources: resourcesOr(props.sidecarResources, { cpu: ['20m', '200m'], memory: ['48Mi', '128Mi'] }),
    }, user);
    this.sidecarContainer = placed.container;
    this.sidecarContainer.mount(CONFIG_DIR, kplus.Volume.fromConfigMap(this, 'ConfigVolume', this.configMap, { name: 'election-config' }), { readOnly: true });
    this.sidecarContainer.mount(STATE_DIR, stateVolume);
    // The ServiceAccount token, the cluster CA and the namespace — what automounting would give every container —
    // projected into the sidecar alone: the app never holds a credential for the Kubernetes API. cdk8s-plus-27 has
    // no projected volume, so it is a JSON patch (addressed where the line adapter put the sidecar).
    obj.addJsonPatch(JsonPatch.add('/spec/template/spec/volumes/-', {
      name: TOKEN_VOLUME,
      projected: {
        defaultMode: 0o444,
        sources: [
          { serviceAccountToken: { path: 'token', expirationSeconds: TOKEN_SECONDS } },
          { configMap: { name: 'kube-root-ca.crt', items: [{ key: 'ca.crt', path: 'ca.crt' }] } },
          // (the L1 converter renders the patch: its field names, e.g. `downwardApi` for `downwardAPI`)
          { downwardApi: { items: [{ path: 'namespace', fieldRef: { apiVersion: 'v1', fieldPath: 'metadata.namespace' } }] } },
        ],
      },
    }));
    obj.addJsonPatch(JsonPatch.add(`/spec/template/spec/${placed.list}/${placed.index}/volumeMounts/-`, { name: TOKEN_VOLUME, mountPath: SA_DIR, readOnly: true }));
    ConfigChecksum.annotate(this.deployment, [this.configMap]);
    applyPodOptions(this.deployment, pod);
    this.podDisruptionBudget = RestrictedWorkloads.availability(this, this.deployment, selector, labels, { replicas, pod });

    // ---- the owner Service: no selector; its Endpoints hold the owner's pod IP (written by the owner's sidecar)
    if (ownerService) {
      const port = { name: app.portName, port: appPort!, protocol: 'TCP' };
      this.ownerService = new kplus.Service(this, 'Service', {
        metadata: {
          name: base,
          labels,
          annotations: { 'ignore-check.kube-linter.io/dangling-service': "no selector on purpose: the owner's election sidecar writes this Service's Endpoints" },
        },
        ports: [{ name: port.name, port: port.port, targetPort: port.port }],
      });
      // No selector at all (cdk8s-plus writes `selector: {}`): the endpoint controllers leave its Endpoints alone.
      ApiObject.of(this.ownerService).addJsonPatch(JsonPatch.remove('/spec/selector'));
      this.ownerEndpoints = new kplus.k8s.KubeEndpoints(this, 'Endpoints', { metadata: { name: base, labels } });
    }

    // ---- network: default deny, the Kubernetes API, the owner Service's clients
    this.graph = new TrafficGraph(this, 'networkPolicy', props.networkPolicy);
    const group: TrafficGroup = this.graph.group(this, 'NetworkPolicy', { name: base, selector, title: sharded ? `replicas ×${replicas} (${shards} shards)` : `replicas ×${replicas} (one owner)` }, labels);
    // The API server's addresses are not known at synthesis (a managed control plane's endpoints change, and most
    // CNIs match egress after the Service's DNAT): any address, on the kubernetes Service port 443 and the common
    // API server port 6443.
    this.graph.allowTo(group, NetworkPeer.anywhere(), [{ port: 443 }, { port: 6443 }], 'the Kubernetes API: Leases');
    if (ownerService) this.graph.frontDoor(group, [{ port: appPort! }], 'clients of the owner Service');
  }

  /** The names of the Leases, in shard order (a copy); one name without `shards`. */
  public get leaseNames(): string[] {
    return [...this.leaseNameList];
  }

  /** The pods' traffic as a Mermaid flowchart: the same graph the NetworkPolicy is made from. */
  public toMermaid(): string {
    return this.graph.toMermaid(`OwnershipElection ${this.node.path}`);
  }
}
