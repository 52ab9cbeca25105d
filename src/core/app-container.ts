import * as kplus from 'cdk8s-plus-27';

/**
 * Your container, in one shape on every pattern: the app of `ReplicatedService` and `SidecarPod`, the shard of
 * `ShardedService`, the leaf of `ScatterGather`, the worker of `WorkQueueJobs`, the app beside an adapter or an
 * ambassador. The library runs it under Pod Security `restricted` (non-root, read-only root filesystem, no
 * capabilities, seccomp `RuntimeDefault`); everything here is honoured, nothing is dropped.
 */
export interface AppContainerProps {
  /** The image, pinned to a tag or digest (never `latest`). */
  readonly image: string;
  /**
   * The port the container listens on, declared as a container port.
   *
   * @default - the pattern's default (each pattern documents it), or no port where the pattern needs none
   */
  readonly port?: number;
  /**
   * The port's name (an IANA service name).
   *
   * @default "http"
   */
  readonly portName?: string;
  /**
   * The entrypoint.
   *
   * @default - the image's
   */
  readonly command?: string[];
  /**
   * The arguments.
   *
   * @default - the image's
   */
  readonly args?: string[];
  /**
   * The working directory.
   *
   * @default - the image's
   */
  readonly workingDir?: string;
  /**
   * Environment variables: literals (`kplus.EnvValue.fromValue('x')`) or references to Secrets, ConfigMaps and
   * fields (`kplus.EnvValue.fromSecretValue({ secret, key })`), so your own secrets never sit in the manifest.
   *
   * @default - none
   */
  readonly env?: { [name: string]: kplus.EnvValue };
  /**
   * The readiness probe (a probe that names no port probes `port`).
   *
   * @default - the pattern's default (required where traffic is balanced over replicas)
   */
  readonly readiness?: kplus.Probe;
  /**
   * The liveness probe.
   *
   * @default - none
   */
  readonly liveness?: kplus.Probe;
  /**
   * The startup probe.
   *
   * @default - none
   */
  readonly startup?: kplus.Probe;
  /**
   * Resource requests and limits. Ephemeral storage, when these leave it out, is the library's: request 64Mi,
   * limit 1Gi (what is given is kept as given). cdk8s-plus writes ephemeral storage in whole Gi only; the library
   * writes it itself, so any whole number of MiB works.
   *
   * @default - the pattern's default (each pattern documents it), ephemeral storage request 64Mi and limit 1Gi
   */
  readonly resources?: kplus.ContainerResources;
  /**
   * The non-root uid the container runs as (`runAsUser`).
   *
   * @default 1000
   */
  readonly uid?: number;
  /**
   * The gid it runs as (`runAsGroup`, and the pod's `fsGroup` where it owns the pod).
   *
   * @default - the uid
   */
  readonly gid?: number;
  /**
   * Paths the container writes to: each gets an emptyDir (the root filesystem is read-only), whose `sizeLimit` is
   * an even share of the container's ephemeral-storage limit (`resources.ephemeralStorage.limit`, default 1Gi).
   *
   * @default ['/tmp']
   */
  readonly writableDirs?: string[];
}
