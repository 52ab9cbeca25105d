import { ApiObject, ApiObjectMetadata } from 'cdk8s';
import * as kplus from 'cdk8s-plus-27';
import { Construct } from 'constructs';

// The fields of a pod spec, a container and a volume that Knative Serving's `Service` CRD (knative.dev/serving
// v0.51.0, config/core/300-resources/service.yaml, `spec.template.spec`) declares. The API server prunes or (with
// strict validation) rejects any other field, so the wrapper refuses them at synthesis instead.
const POD_FIELDS = ['affinity', 'automountServiceAccountToken', 'containers', 'dnsConfig', 'dnsPolicy', 'enableServiceLinks',
  'hostAliases', 'imagePullSecrets', 'initContainers', 'nodeSelector', 'priorityClassName', 'runtimeClassName', 'schedulerName',
  'securityContext', 'serviceAccountName', 'shareProcessNamespace', 'tolerations', 'topologySpreadConstraints', 'volumes'];
const CONTAINER_FIELDS = ['args', 'command', 'env', 'envFrom', 'image', 'imagePullPolicy', 'livenessProbe', 'name', 'ports',
  'readinessProbe', 'resources', 'securityContext', 'startupProbe', 'terminationMessagePath', 'terminationMessagePolicy',
  'volumeMounts', 'workingDir'];
const VOLUME_FIELDS = ['configMap', 'csi', 'emptyDir', 'ephemeral', 'hostPath', 'image', 'name', 'persistentVolumeClaim', 'projected', 'secret'];

// Templates whose pod is already Kubernetes JSON (a pod template rendered by cdk8s-plus), by template object.
const RAW_PODS = new WeakMap<object, any>();

/**
 * Internal: a revision template whose pod is the Kubernetes JSON `pod` (e.g. a cdk8s-plus pod template's `spec`).
 */
export function knativeTemplateOfJson(template: Omit<KnativeRevisionTemplate, 'podSpec'>, pod: any): KnativeRevisionTemplate {
  const t: KnativeRevisionTemplate = { ...template, podSpec: { containers: [] } };
  RAW_PODS.set(t, pod);
  return t;
}

/**
 * Knative's autoscaling annotations on a revision template.
 *
 * @see https://knative.dev/docs/serving/autoscaling/
 */
export interface KnativeAutoscaling {
  /**
   * `autoscaling.knative.dev/min-scale`: the fewest replicas (0 = scale to zero).
   *
   * @default - Knative's default, 0
   */
  readonly minScale?: number;
  /**
   * `autoscaling.knative.dev/max-scale`: the most replicas.
   *
   * @default - Knative's default, unbounded
   */
  readonly maxScale?: number;
  /**
   * `autoscaling.knative.dev/target`: the concurrent requests per replica the autoscaler aims at.
   *
   * @default - Knative's default, 100
   */
  readonly target?: number;
}

/**
 * `spec.template` of a Knative `Service`: one revision's pod and its serving limits.
 */
export interface KnativeRevisionTemplate {
  /** Labels of the revision and its pods. */
  readonly labels: { [key: string]: string };
  /**
   * Annotations of the revision (besides the autoscaling ones).
   *
   * @default - none
   */
  readonly annotations?: { [key: string]: string };
  /** The pod: only the fields Knative's CRD declares (others are refused). */
  readonly podSpec: kplus.k8s.PodSpec;
  /**
   * `containerConcurrency`: the hard limit of requests one replica gets at once (0 = unlimited).
   *
   * @default - Knative's default, 0
   */
  readonly containerConcurrency?: number;
  /**
   * `timeoutSeconds`: the longest a request may take.
   *
   * @default - Knative's default, 300
   */
  readonly timeoutSeconds?: number;
  /**
   * The autoscaling annotations.
   *
   * @default - Knative's defaults
   */
  readonly autoscaling?: KnativeAutoscaling;
}

/**
 * Props of `KnativeService`.
 */
export interface KnativeServiceProps {
  /** Metadata (name, labels). */
  readonly metadata: ApiObjectMetadata;
  /** The revision template. */
  readonly template: KnativeRevisionTemplate;
}

/**
 * A Knative Serving `Service` (`serving.knative.dev/v1`): Knative makes a revision per template change and routes
 * requests to it, scaling its pods on concurrency (to zero when `minScale` is 0).
 *
 * @see https://knative.dev/docs/serving/reference/serving-api/#serving.knative.dev/v1.Service
 */
export class KnativeService extends ApiObject {
  /** The API version. */
  public static readonly API_VERSION = 'serving.knative.dev/v1';
  /** The kind. */
  public static readonly KIND = 'Service';

  /**
   * The fields of `pod` that Knative's Service CRD does not declare (as JSON pointers), e.g. `/restartPolicy`.
   */
  public static unsupportedPodFields(pod: any): string[] {
    const out: string[] = [];
    for (const k of Object.keys(pod ?? {})) if (!POD_FIELDS.includes(k)) out.push(`/${k}`);
    for (const list of ['containers', 'initContainers']) {
      (pod?.[list] ?? []).forEach((c: any, i: number) => {
        for (const k of Object.keys(c)) if (!CONTAINER_FIELDS.includes(k)) out.push(`/${list}/${i}/${k}`);
      });
    }
    (pod?.volumes ?? []).forEach((v: any, i: number) => {
      for (const k of Object.keys(v)) if (!VOLUME_FIELDS.includes(k)) out.push(`/volumes/${i}/${k}`);
    });
    return out;
  }

  /**
   * @param scope the parent construct
   * @param id the construct id
   * @param props the properties
   */
  constructor(scope: Construct, id: string, props: KnativeServiceProps) {
    const t = props.template;
    const pod = RAW_PODS.get(t) ?? kplus.k8s.toJson_PodSpec(t.podSpec);
    const bad = KnativeService.unsupportedPodFields(pod);
    if (bad.length > 0) throw new Error(`KnativeService '${scope.node.path}/${id}': Knative's Service CRD has no pod field ${bad.join(', ')}`);
    const a = t.autoscaling ?? {};
    const annotations: { [key: string]: string } = { ...t.annotations };
    if (a.minScale !== undefined) annotations['autoscaling.knative.dev/min-scale'] = String(a.minScale);
    if (a.maxScale !== undefined) annotations['autoscaling.knative.dev/max-scale'] = String(a.maxScale);
    if (a.target !== undefined) annotations['autoscaling.knative.dev/target'] = String(a.target);
    super(scope, id, {
      apiVersion: KnativeService.API_VERSION,
      kind: KnativeService.KIND,
      metadata: props.metadata,
      spec: {
        template: {
          metadata: { labels: { ...t.labels }, ...(Object.keys(annotations).length ? { annotations } : {}) },
          spec: {
            ...(t.containerConcurrency !== undefined ? { containerConcurrency: t.containerConcurrency } : {}),
            ...(t.timeoutSeconds !== undefined ? { timeoutSeconds: t.timeoutSeconds } : {}),
            ...pod,
          },
        },
      },
    });
  }
}
