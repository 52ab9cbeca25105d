import { ApiObject, ApiObjectMetadata } from 'cdk8s';
import { Construct } from 'constructs';

/**
 * A Gateway (or a listener of one) an `HTTPRoute` attaches to.
 *
 * @see https://gateway-api.sigs.k8s.io/reference/spec/#parentreference
 */
export interface GatewayParentRef {
  /** The Gateway's name. */
  readonly name: string;
  /**
   * The Gateway's namespace (the Gateway's listener must allow routes from the route's namespace).
   *
   * @default - the route's namespace
   */
  readonly namespace?: string;
  /**
   * The listener's name.
   *
   * @default - every listener that accepts the route
   */
  readonly sectionName?: string;
}

/**
 * A weighted Service backend of an `HTTPRoute` rule.
 *
 * @see https://gateway-api.sigs.k8s.io/reference/spec/#httpbackendref
 */
export interface HttpRouteBackendRef {
  /** The Service's name. */
  readonly name: string;
  /**
   * The Service's namespace (another namespace needs a ReferenceGrant there).
   *
   * @default - the route's namespace
   */
  readonly namespace?: string;
  /** The Service port. */
  readonly port: number;
  /**
   * The backend's share of the rule's requests: weight / sum of the rule's weights (0 to 1,000,000).
   *
   * @default 1
   */
  readonly weight?: number;
}

/**
 * One rule of an `HTTPRoute`: requests whose path starts with `pathPrefix` go to the backends by weight.
 */
export interface HttpRouteRule {
  /**
   * The path prefix the rule matches.
   *
   * @default '/'
   */
  readonly pathPrefix?: string;
  /** The weighted backends. */
  readonly backendRefs: HttpRouteBackendRef[];
}

/**
 * Properties of an `HttpRoute`.
 */
export interface HttpRouteProps {
  /** Metadata (name, labels …). */
  readonly metadata: ApiObjectMetadata;
  /** The Gateways the route attaches to. */
  readonly parentRefs: GatewayParentRef[];
  /**
   * The host names the route answers (`Host` header; a leading `*.` is a wildcard).
   *
   * @default - every host name of the Gateway's listeners
   */
  readonly hostnames?: string[];
  /** The rules. */
  readonly rules: HttpRouteRule[];
}

/**
 * A Gateway API `HTTPRoute` (`gateway.networking.k8s.io/v1`, standard channel; validated against the CRDs of
 * `sigs.k8s.io/gateway-api` v1.6.3 in tier 2). Only the fields this library sets.
 *
 * @see https://gateway-api.sigs.k8s.io/api-types/httproute/
 */
export class HttpRoute extends ApiObject {
  /** `apiVersion`. */
  public static readonly API_VERSION = 'gateway.networking.k8s.io/v1';
  /** `kind`. */
  public static readonly KIND = 'HTTPRoute';

  constructor(scope: Construct, id: string, props: HttpRouteProps) {
    super(scope, id, {
      apiVersion: HttpRoute.API_VERSION,
      kind: HttpRoute.KIND,
      metadata: props.metadata,
      spec: {
        parentRefs: props.parentRefs.map((p) => ({
          group: 'gateway.networking.k8s.io',
          kind: 'Gateway',
          name: p.name,
          ...(p.namespace !== undefined ? { namespace: p.namespace } : {}),
          ...(p.sectionName !== undefined ? { sectionName: p.sectionName } : {}),
        })),
        ...(props.hostnames?.length ? { hostnames: [...props.hostnames] } : {}),
        rules: props.rules.map((r) => ({
          matches: [{ path: { type: 'PathPrefix', value: r.pathPrefix ?? '/' } }],
          backendRefs: r.backendRefs.map((b) => ({
            group: '',
            kind: 'Service',
            name: b.name,
            ...(b.namespace !== undefined ? { namespace: b.namespace } : {}),
            port: b.port,
            weight: b.weight ?? 1,
          })),
        })),
      },
    });
  }
}
