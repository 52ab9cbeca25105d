import { IConstruct } from 'constructs';
import { propError } from './prop-error';

/**
 * The images the patterns run. Each has a pinned default (official or upstream-maintained, never `latest`,
 * never bitnami) that every construct lets you override.
 */
export enum ImageKey {
  /** Redis shards and work queues. */
  REDIS = 'redis',
  /** Memcached cache shards. */
  MEMCACHED = 'memcached',
  /** nginx, unprivileged build: TLS terminators and HTTP sharding proxies. */
  NGINX = 'nginx',
  /** git-sync: the config-sync sidecar. */
  GIT_SYNC = 'gitSync',
  /** Prometheus exporter for Redis. */
  REDIS_EXPORTER = 'redisExporter',
  /** Prometheus exporter for memcached. */
  MEMCACHED_EXPORTER = 'memcachedExporter',
  /** The official Node.js image, running the library's zero-dependency runtimes. */
  NODE = 'node',
  /** Apache Kafka (KRaft). */
  KAFKA = 'kafka',
}

/**
 * Image overrides, one optional field per `ImageKey`. Give it to any construct's `images` prop, or to a whole
 * app through the context key `ContainerImages.CONTEXT_KEY`. An override must run as the same non-root uid as
 * the default (see `ContainerImages.user`) unless the construct's own prop says otherwise.
 */
export interface ImageOverrides {
  /** @default - `ContainerImages.defaultImage(ImageKey.REDIS)` */
  readonly redis?: string;
  /** @default - `ContainerImages.defaultImage(ImageKey.MEMCACHED)` */
  readonly memcached?: string;
  /** @default - `ContainerImages.defaultImage(ImageKey.NGINX)` */
  readonly nginx?: string;
  /** @default - `ContainerImages.defaultImage(ImageKey.GIT_SYNC)` */
  readonly gitSync?: string;
  /** @default - `ContainerImages.defaultImage(ImageKey.REDIS_EXPORTER)` */
  readonly redisExporter?: string;
  /** @default - `ContainerImages.defaultImage(ImageKey.MEMCACHED_EXPORTER)` */
  readonly memcachedExporter?: string;
  /** @default - `ContainerImages.defaultImage(ImageKey.NODE)` */
  readonly node?: string;
  /** @default - `ContainerImages.defaultImage(ImageKey.KAFKA)` */
  readonly kafka?: string;
}

/**
 * One row of the default image table.
 */
export interface ImageDefault {
  /** Which image. */
  readonly key: ImageKey;
  /** The pinned reference (`repository:tag`). */
  readonly image: string;
  /** The non-root uid the image's own user has (used as `runAsUser`). */
  readonly uid: number;
  /** The gid of that user (used as `runAsGroup` and `fsGroup`). */
  readonly gid: number;
  /** Where the image comes from, for the README. */
  readonly source: string;
}

const TABLE: ImageDefault[] = [
  { key: ImageKey.REDIS, image: 'redis:7.2.5-alpine', uid: 999, gid: 1000, source: 'Docker official image (7.2: the last BSD-licensed line)' },
  { key: ImageKey.MEMCACHED, image: 'memcached:1.6.31-alpine', uid: 11211, gid: 11211, source: 'Docker official image' },
  { key: ImageKey.NGINX, image: 'nginxinc/nginx-unprivileged:1.27.3-alpine', uid: 101, gid: 101, source: 'NGINX, Inc. unprivileged build' },
  { key: ImageKey.GIT_SYNC, image: 'registry.k8s.io/git-sync/git-sync:v4.3.0', uid: 65533, gid: 65533, source: 'Kubernetes SIG Apps (upstream)' },
  { key: ImageKey.REDIS_EXPORTER, image: 'oliver006/redis_exporter:v1.66.0', uid: 59000, gid: 59000, source: 'upstream (oliver006)' },
  { key: ImageKey.MEMCACHED_EXPORTER, image: 'quay.io/prometheus/memcached-exporter:v0.14.4', uid: 65534, gid: 65534, source: 'Prometheus project' },
  { key: ImageKey.NODE, image: 'node:22.11.0-alpine3.20', uid: 1000, gid: 1000, source: 'Docker official image' },
  { key: ImageKey.KAFKA, image: 'apache/kafka:3.9.0', uid: 1000, gid: 1000, source: 'Apache Kafka project' },
];

/**
 * The default image table and the override rules.
 */
export class ContainerImages {
  /**
   * The context key for app-wide overrides: `app.node.setContext(ContainerImages.CONTEXT_KEY, { redis: 'mirror.example/redis:7.2.5' })`.
   * A construct's own `images` prop wins over the context.
   */
  public static readonly CONTEXT_KEY = 'cdk8s-distributed-patterns:images';

  /** Every default image, in table order (copies). */
  public static defaults(): ImageDefault[] {
    return TABLE.map((row) => ({ ...row }));
  }

  /** The pinned default image for `key`. */
  public static defaultImage(key: ImageKey): string {
    return ContainerImages.row(key).image;
  }

  /** The uid and gid of the non-root user of the default image for `key`. */
  public static user(key: ImageKey): ImageDefault {
    return { ...ContainerImages.row(key) };
  }

  /**
   * The image a construct runs for `key`: its `images` prop, else the app-wide context override, else the
   * default. Throws when the chosen image has no tag or digest or uses `latest`: output must be reproducible.
   */
  public static resolve(scope: IConstruct, key: ImageKey, overrides?: ImageOverrides): string {
    const fromProps = (overrides as any)?.[key] as string | undefined;
    const fromContext = (scope.node.tryGetContext(ContainerImages.CONTEXT_KEY) as any)?.[key] as string | undefined;
    const image = fromProps ?? fromContext ?? ContainerImages.defaultImage(key);
    const prop = fromProps !== undefined ? `images.${key}` : `context ${ContainerImages.CONTEXT_KEY}.${key}`;
    ContainerImages.checkPinned(scope, prop, image);
    return image;
  }

  /**
   * Checks that `image` names a tag or digest other than `latest`; returns it or throws a prop error.
   */
  public static checkPinned(scope: IConstruct, prop: string, image: string): string {
    const last = typeof image === 'string' ? image.split('/').pop() ?? '' : '';
    const pinned = typeof image === 'string' && !/\s/.test(image) && image.length > 0
      && (last.includes('@sha256:') || (last.includes(':') && !last.endsWith(':latest') && !last.endsWith(':')));
    if (!pinned) throw propError(scope, prop, 'an image pinned to a tag or digest other than \'latest\' (e.g. \'redis:7.2.5-alpine\')', image);
    return image;
  }

  private static row(key: ImageKey): ImageDefault {
    const row = TABLE.find((r) => r.key === key);
    if (!row) throw new Error(`no default image for '${key}'`);
    return row;
  }
}
