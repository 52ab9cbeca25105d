import { Duration, Size } from 'cdk8s';
import * as kplus from 'cdk8s-plus-27';
import { Construct } from 'constructs';
import { ServiceTier } from './tier-options';
import { applyPodOptions } from '../../blocks/_pod-options';
import { RestrictedWorkloads } from '../../blocks/_restricted-workload';
import { TrafficGraph, TrafficGroup } from '../../blocks/_traffic';
import { NginxConfig } from '../../config/nginx';
import { Availability } from '../../core/availability';
import { ConfigChecksum } from '../../core/checksum';
import { RecommendedLabels } from '../../core/labels';
import { PodOptions } from '../../core/pod-options';
import { RestrictedSecurity } from '../../core/security';

// Internal: one tier in front of a ReplicatedService's app (the varnish cache, the nginx TLS terminator) — its
// ConfigMap, a replicated Deployment that mounts it, a PDB and a Service, under the scope `owner/<id>`, and its
// pod group in the service's traffic graph (its NetworkPolicy `owner/<id>/NetworkPolicy`, named like the tier).

/** What `addTier` makes. */
export interface TierSpec {
  readonly id: string;
  readonly name: string;
  readonly component: string;
  readonly software: string;
  readonly replicas: number;
  readonly port: number;
  readonly servicePort: number;
  readonly uid: number;
  readonly gid: number;
  readonly image: string;
  readonly command: string[];
  readonly configKey: string;
  readonly configDir: string;
  readonly configText: string;
  readonly writableDirs: string[];
  /** Each writable dir's emptyDir size limit (the container's ephemeral storage must cover them all). */
  readonly writableDirSizeLimit: Size;
  readonly resources: kplus.ContainerResources;
  readonly ports: Array<{ number: number; name: string; servicePort: number }>;
  readonly secret?: kplus.ISecret;
  readonly serviceType?: kplus.ServiceType;
  readonly upstream: { host: string; port: number };
  /** `app.kubernetes.io/part-of` of the tier's objects. */
  readonly partOf: string;
  /** The construct's checked pod options. */
  readonly pod: PodOptions;
  /** The service's traffic graph (the tier runs only the library's configuration of its daemon). */
  readonly graph: TrafficGraph;
  /** How the graph's drawing names the tier. */
  readonly title: string;
  /** The container's readiness probe (it has no liveness probe). @default - TCP on `port` */
  readonly readiness?: kplus.Probe;
}

/** A tier and its pod group. */
export interface AddedTier {
  readonly tier: ServiceTier;
  readonly group: TrafficGroup;
}

/** Adds a tier to `owner`: objects named `t.name`, labelled as part of `instance`. */
export function addTier(owner: Construct, instance: string, t: TierSpec): AddedTier {
  const scope = new Construct(owner, t.id);
  const selector = RecommendedLabels.selector({ name: t.software, instance, component: t.component });
  const version = RecommendedLabels.versionOf(t.image);
  const labels = RecommendedLabels.of({ name: t.software, instance, component: t.component, partOf: t.partOf, version });
  const configMap = new kplus.ConfigMap(scope, 'Config', { metadata: { name: t.name, labels }, data: { [t.configKey]: t.configText } });
  const d = RestrictedWorkloads.deployment(scope, 'Deployment', {
    name: t.name,
    labels,
    selector,
    replicas: t.replicas,
    uid: t.uid,
    gid: t.gid,
    strategy: Availability.surgeOnly(),
    terminationGracePeriod: Duration.seconds(30),
  });
  const c = RestrictedSecurity.addContainer(d, {
    name: t.software,
    image: t.image,
    imagePullPolicy: kplus.ImagePullPolicy.IF_NOT_PRESENT,
    command: t.command,
    ports: t.ports.map((p) => ({ number: p.number, name: p.name })),
    readiness: t.readiness ?? kplus.Probe.fromTcpSocket({ port: t.port }),
    resources: t.resources,
    // Both images have a shell's `sleep`: wait for the endpoints to drop the pod before it stops accepting.
    lifecycle: { preStop: kplus.Handler.fromCommand(['sleep', '5']) },
  }, { uid: t.uid, gid: t.gid });
  c.mount(t.configDir, kplus.Volume.fromConfigMap(scope, 'ConfigVolume', configMap, { name: 'config' }), { readOnly: true });
  if (t.secret) c.mount(NginxConfig.TLS_DIR, kplus.Volume.fromSecret(scope, 'TlsVolume', t.secret, { name: 'tls', defaultMode: 0o440 }), { readOnly: true });
  RestrictedSecurity.addWritableDirs(d, c, { paths: t.writableDirs, sizeLimit: t.writableDirSizeLimit });
  ConfigChecksum.annotate(d, [configMap]);
  applyPodOptions(d, t.pod);
  const pdb = RestrictedWorkloads.availability(scope, d, selector, labels, { replicas: t.replicas, pod: t.pod });
  const service = new kplus.Service(scope, 'Service', {
    metadata: { name: t.name, labels },
    type: t.serviceType ?? kplus.ServiceType.CLUSTER_IP,
    selector: kplus.Pods.select(scope, 'ServicePods', { labels: selector }),
    ports: t.ports.map((p) => ({ name: p.name, port: p.servicePort, targetPort: p.number })),
  });
  const group = t.graph.group(scope, 'NetworkPolicy', { name: t.name, selector, title: t.title, ownCodeOnly: true }, labels);
  const tier = {
    deployment: d,
    service,
    configMap,
    configText: t.configText,
    port: t.port,
    servicePort: t.servicePort,
    upstreamHost: t.upstream.host,
    upstreamPort: t.upstream.port,
    podDisruptionBudget: pdb,
  };
  return { tier, group };
}
