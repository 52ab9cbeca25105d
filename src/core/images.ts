import { IConstruct } from 'constructs';
import { checkPinnedImage, parseImageReference } from './_rules';
import { propError } from './prop-error';

/**
 * The images the patterns run. Each has a pinned default (official or upstream-maintained, never `latest`,
 * never bitnami) that every construct lets you override.
 */
export enum ImageKey {
  /** Redis shards and work queues. */
  REDIS = 'redis',
  /** Valkey (BSD-licensed, wire-compatible with redis): the `valkey` engine of redis shards and work queues. */
  VALKEY = 'valkey',
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
  /** Prometheus exporter for PostgreSQL. */
  POSTGRES_EXPORTER = 'postgresExporter',
  /** `mysqld_exporter` (the MySQL / MariaDB exporter of AdapterMonitoring). */
  MYSQLD_EXPORTER = 'mysqldExporter',
  /** Fluent Bit: the log-normalizing adapter. */
  FLUENT_BIT = 'fluentBit',
  /** Varnish Cache: the caching tier of `ReplicatedService`. */
  VARNISH = 'varnish',
  /** Prometheus process-exporter: the process-inspector sidecar (a maintained successor of the book's topz). */
  PROCESS_EXPORTER = 'processExporter',
  /** twemproxy (nutcracker) 0.5: the sharding proxy. */
  TWEMPROXY = 'twemproxy',
  /** Bento (MIT), the Benthos-compatible stream processor that runs the stages of `KafkaWorkflow`. */
  BENTO = 'bento',
  /** The official Python image, running the library's Python function runtime (`FunctionService`). */
  PYTHON = 'python',
}

/**
 * Image overrides, one optional field per `ImageKey`. Give it to any construct's `images` prop, or to a whole
 * app through the context key `ContainerImages.CONTEXT_KEY`. An override must run as the same non-root uid as
 * the default (see `ContainerImages.user`) unless the construct's own prop says otherwise.
 */
export interface ImageOverrides {
  /**
   * The image for `ImageKey.REDIS`.
   *
   * @default - `ContainerImages.defaultImage(ImageKey.REDIS)`
   */
  readonly redis?: string;
  /**
   * The image for `ImageKey.VALKEY`.
   *
   * @default - `ContainerImages.defaultImage(ImageKey.VALKEY)`
   */
  readonly valkey?: string;
  /**
   * The image for `ImageKey.MEMCACHED`.
   *
   * @default - `ContainerImages.defaultImage(ImageKey.MEMCACHED)`
   */
  readonly memcached?: string;
  /**
   * The image for `ImageKey.NGINX`.
   *
   * @default - `ContainerImages.defaultImage(ImageKey.NGINX)`
   */
  readonly nginx?: string;
  /**
   * The image for `ImageKey.GIT_SYNC`.
   *
   * @default - `ContainerImages.defaultImage(ImageKey.GIT_SYNC)`
   */
  readonly gitSync?: string;
  /**
   * The image for `ImageKey.REDIS_EXPORTER`.
   *
   * @default - `ContainerImages.defaultImage(ImageKey.REDIS_EXPORTER)`
   */
  readonly redisExporter?: string;
  /**
   * The image for `ImageKey.MEMCACHED_EXPORTER`.
   *
   * @default - `ContainerImages.defaultImage(ImageKey.MEMCACHED_EXPORTER)`
   */
  readonly memcachedExporter?: string;
  /**
   * The image for `ImageKey.NODE`.
   *
   * @default - `ContainerImages.defaultImage(ImageKey.NODE)`
   */
  readonly node?: string;
  /**
   * The image for `ImageKey.PYTHON`.
   *
   * @default - `ContainerImages.defaultImage(ImageKey.PYTHON)`
   */
  readonly python?: string;
  /**
   * The image for `ImageKey.KAFKA`.
   *
   * @default - `ContainerImages.defaultImage(ImageKey.KAFKA)`
   */
  readonly kafka?: string;
  /**
   * The image for `ImageKey.TWEMPROXY`.
   *
   * @default - `ContainerImages.defaultImage(ImageKey.TWEMPROXY)`
   */
  readonly twemproxy?: string;
  /**
   * The image for `ImageKey.POSTGRES_EXPORTER`.
   *
   * @default - `ContainerImages.defaultImage(ImageKey.POSTGRES_EXPORTER)`
   */
  readonly postgresExporter?: string;
  /**
   * The image for `ImageKey.MYSQLD_EXPORTER`.
   *
   * @default - `ContainerImages.defaultImage(ImageKey.MYSQLD_EXPORTER)`
   */
  readonly mysqldExporter?: string;
  /**
   * The image for `ImageKey.FLUENT_BIT`.
   *
   * @default - `ContainerImages.defaultImage(ImageKey.FLUENT_BIT)`
   */
  readonly fluentBit?: string;
  /**
   * The image for `ImageKey.VARNISH`.
   *
   * @default - `ContainerImages.defaultImage(ImageKey.VARNISH)`
   */
  readonly varnish?: string;
  /**
   * The image for `ImageKey.PROCESS_EXPORTER`.
   *
   * @default - `ContainerImages.defaultImage(ImageKey.PROCESS_EXPORTER)`
   */
  readonly processExporter?: string;
  /**
   * The image for `ImageKey.BENTO`.
   *
   * @default - `ContainerImages.defaultImage(ImageKey.BENTO)`
   */
  readonly bento?: string;
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
  // The image's Dockerfile creates `valkey` as redis's does: uid 999, gid 1000 (alpine already has a gid 999).
  { key: ImageKey.VALKEY, image: 'valkey/valkey:8.1.1-alpine', uid: 999, gid: 1000, source: 'Docker official image (Linux Foundation; BSD-3-Clause)' },
  { key: ImageKey.MEMCACHED, image: 'memcached:1.6.31-alpine', uid: 11211, gid: 11211, source: 'Docker official image' },
  { key: ImageKey.NGINX, image: 'nginxinc/nginx-unprivileged:1.27.3-alpine', uid: 101, gid: 101, source: 'NGINX, Inc. unprivileged build' },
  { key: ImageKey.GIT_SYNC, image: 'registry.k8s.io/git-sync/git-sync:v4.3.0', uid: 65533, gid: 65533, source: 'Kubernetes SIG Apps (upstream)' },
  { key: ImageKey.REDIS_EXPORTER, image: 'oliver006/redis_exporter:v1.66.0', uid: 59000, gid: 59000, source: 'upstream (oliver006)' },
  { key: ImageKey.MEMCACHED_EXPORTER, image: 'quay.io/prometheus/memcached-exporter:v0.14.4', uid: 65534, gid: 65534, source: 'Prometheus project' },
  { key: ImageKey.NODE, image: 'node:22.11.0-alpine3.20', uid: 1000, gid: 1000, source: 'Docker official image' },
  { key: ImageKey.KAFKA, image: 'apache/kafka:4.3.1', uid: 1000, gid: 1000, source: 'Apache Kafka project' },
  // twemproxy publishes no image; this is the most used community build of 0.5.0 (also KubeBlocks' default). It
  // has no non-root user of its own: nutcracker needs no writable path (it logs to stderr), so it runs as nobody.
  { key: ImageKey.TWEMPROXY, image: 'malexer/twemproxy:0.5.0', uid: 65534, gid: 65534, source: 'community build of twemproxy 0.5.0 (no upstream image exists); runs as nobody' },
  // The image's Dockerfile creates `varnish` with fixed uid/gid 1000 and ends with `USER varnish`.
  { key: ImageKey.VARNISH, image: 'varnish:7.6.1-alpine', uid: 1000, gid: 1000, source: 'Docker official image (Varnish Software)' },
  // A static binary on `scratch` with no USER: it runs as any uid; 65534 (nobody) is the conventional choice.
  { key: ImageKey.PROCESS_EXPORTER, image: 'ncabatoff/process-exporter:0.8.7', uid: 65534, gid: 65534, source: 'upstream (ncabatoff)' },
  { key: ImageKey.POSTGRES_EXPORTER, image: 'quay.io/prometheuscommunity/postgres-exporter:v0.16.0', uid: 65534, gid: 65534, source: 'Prometheus community' },
  { key: ImageKey.MYSQLD_EXPORTER, image: 'prom/mysqld-exporter:v0.16.0', uid: 65534, gid: 65534, source: 'Prometheus (upstream)' },
  // The image's default user is root; 65532 is the `nonroot` user of its distroless base (gcr.io/distroless/cc-debian12).
  { key: ImageKey.FLUENT_BIT, image: 'fluent/fluent-bit:3.2.2', uid: 65532, gid: 65532, source: 'Fluent project (distroless; runs as root by default, here as its nonroot user 65532)' },
  // Bento's release workflow pushes `ghcr.io/warpstreamlabs/bento:<version>` (busybox base, `USER bento`, created
  // by `useradd -u 10001 bento` in its build stage, so uid and gid 10001).
  { key: ImageKey.BENTO, image: 'ghcr.io/warpstreamlabs/bento:1.20.0', uid: 10001, gid: 10001, source: 'WarpStream Labs (upstream, MIT)' },
  // The image has no USER (it runs as root); the function runtime needs no writable path but /tmp, so it runs as
  // alpine's nobody (65534), which the image's /etc/passwd has.
  { key: ImageKey.PYTHON, image: 'python:3.13.1-alpine3.21', uid: 65534, gid: 65534, source: 'Docker official image (runs as root by default, here as nobody 65534)' },
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

  /**
   * The context key for app-wide registry mirrors: a map from an upstream registry (`docker.io`, `ghcr.io`,
   * `quay.io`, `registry.k8s.io`, or `*` for any other) to the mirror prefix that serves it, e.g.
   * `{ 'docker.io': 'harbor.example.com/dockerhub', '*': 'harbor.example.com/proxy' }` — the layout of Harbor
   * proxy caches, Artifactory remote repositories and ECR pull-through caches (one prefix per upstream). Every
   * default image of the library is rewritten to `<prefix>/<repository>:<tag>` (Docker Hub's official images keep
   * their `library/` path); images you override (prop or `CONTEXT_KEY`) are used exactly as given.
   */
  public static readonly REGISTRY_MIRRORS_CONTEXT_KEY = 'cdk8s-distributed-patterns:registry-mirrors';

  /**
   * `image` as pulled through `mirrors` (see `REGISTRY_MIRRORS_CONTEXT_KEY`): `redis:7.2.5-alpine` with
   * `{ 'docker.io': 'harbor.example.com/dockerhub' }` is `harbor.example.com/dockerhub/library/redis:7.2.5-alpine`.
   * An image whose registry has no mirror (and no `*`) is returned unchanged.
   */
  public static mirrored(image: string, mirrors: { [registry: string]: string }): string {
    const ref = parseImageReference(image);
    if (typeof ref === 'string') throw new Error(`'${image}' is not an image reference: it must be ${ref}`);
    const registry = ref.registry ?? 'docker.io';
    const prefix = mirrors[registry] ?? mirrors['*'];
    if (prefix === undefined) return image;
    const repository = ref.registry === undefined && !ref.repository.includes('/') ? `library/${ref.repository}` : ref.repository;
    return `${prefix.replace(/\/+$/, '')}/${repository}${ref.tag !== undefined ? `:${ref.tag}` : ''}${ref.digest !== undefined ? `@${ref.digest}` : ''}`;
  }

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
    checkOverrides(scope, overrides);
    const fromProps = (overrides as any)?.[key] as string | undefined;
    const fromContext = (scope.node.tryGetContext(ContainerImages.CONTEXT_KEY) as any)?.[key] as string | undefined;
    if (fromProps !== undefined || fromContext !== undefined) {
      const prop = fromProps !== undefined ? `images.${key}` : `context ${ContainerImages.CONTEXT_KEY}.${key}`;
      return ContainerImages.checkPinned(scope, prop, (fromProps ?? fromContext)!);
    }
    const mirrors = ContainerImages.mirrorsOf(scope);
    return mirrors === undefined ? ContainerImages.defaultImage(key) : ContainerImages.mirrored(ContainerImages.defaultImage(key), mirrors);
  }

  /**
   * Checks that `image` names a tag or digest other than `latest`; returns it or throws a prop error.
   */
  public static checkPinned(scope: IConstruct, prop: string, image: string): string {
    return checkPinnedImage(scope, prop, image);
  }

  /** The checked registry mirrors of the App (context), if any. */
  private static mirrorsOf(scope: IConstruct): { [registry: string]: string } | undefined {
    const mirrors = scope.node.tryGetContext(ContainerImages.REGISTRY_MIRRORS_CONTEXT_KEY);
    if (mirrors === undefined) return undefined;
    const prop = `context ${ContainerImages.REGISTRY_MIRRORS_CONTEXT_KEY}`;
    if (mirrors === null || typeof mirrors !== 'object' || Array.isArray(mirrors)) {
      throw propError(scope, prop, 'a map from upstream registry (e.g. \'docker.io\', or \'*\') to mirror prefix', mirrors);
    }
    for (const [registry, prefix] of Object.entries(mirrors)) {
      if (registry !== '*' && !/^[a-z0-9]([-a-z0-9.]*[a-z0-9])?(:[0-9]+)?$/.test(registry)) {
        throw propError(scope, prop, 'keys that are registry hosts (e.g. \'docker.io\', \'ghcr.io\') or \'*\'', registry);
      }
      if (typeof prefix !== 'string' || /:\/\//.test(prefix)) throw propError(scope, `${prop}.${registry}`, 'a registry prefix without a scheme (e.g. \'harbor.example.com/dockerhub\')', prefix);
      const ref = parseImageReference(prefix.replace(/\/+$/, ''));
      if (typeof ref === 'string' || ref.tag !== undefined || ref.digest !== undefined || ref.registry === undefined) {
        throw propError(scope, `${prop}.${registry}`, 'a registry host and optional path, without a tag or digest (e.g. \'harbor.example.com/dockerhub\')', prefix);
      }
    }
    return mirrors as { [registry: string]: string };
  }

  private static row(key: ImageKey): ImageDefault {
    const row = TABLE.find((r) => r.key === key);
    if (!row) throw new Error(`no default image for '${key}'`);
    return row;
  }
}

/** An `images` prop as a JavaScript or Python caller may pass it: an object whose keys are `ImageKey` values. */
function checkOverrides(scope: IConstruct, overrides: unknown): void {
  if (overrides === undefined) return;
  const keys: string[] = Object.values(ImageKey);
  if (overrides === null || typeof overrides !== 'object' || Array.isArray(overrides)) {
    throw propError(scope, 'images', 'an ImageOverrides object (e.g. { nginx: \'registry.example.com/nginx:1.27.3\' })', overrides);
  }
  for (const k of Object.keys(overrides)) {
    if (!keys.includes(k)) throw propError(scope, 'images', `keys among ${keys.map((x) => `'${x}'`).join(', ')}`, k);
  }
}
