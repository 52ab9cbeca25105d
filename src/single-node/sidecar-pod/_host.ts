import { Size } from 'cdk8s';
import * as kplus from 'cdk8s-plus-27';
import { IConstruct } from 'constructs';
import { ImageKey } from '../../core/images';
import { NetworkPeer, NetworkPort } from '../../core/network';
import { propError } from '../../core/prop-error';

// Internal: what a sidecar preset needs of its pod. `SidecarPod` implements `SidecarHost`; each preset (one file
// each) depends on this interface, not on the pod class, which is what lets the presets live in their own files
// without an import circle (sidecar-pod.ts → sidecar.ts → a preset → _host.ts, never back).

/** A port a container of the pod listens on. */
export interface SidecarPortSpec {
  /** The port name (unique in the pod). */
  readonly name: string;
  /** The container port (unique in the pod). */
  readonly number: number;
  /** Whether the default Service exposes it. */
  readonly expose: boolean;
  /** The Service port that targets it. */
  readonly servicePort: number;
  /** A metrics port: when exposed, open to the NetworkPolicy's `monitoring` peer rather than the clients. */
  readonly metrics?: boolean;
  /** `false`: a port bound to 127.0.0.1, claimed in the pod but not listed as a containerPort. */
  readonly declare?: boolean;
  /** The prop that set the number, for messages. */
  readonly numberProp: string;
  /** The prop that named the port, for messages. */
  readonly nameProp: string;
}

/** A mount of a shared volume of the pod (the shape of `SharedMount`). */
export interface SharedMountSpec {
  readonly volume: string;
  readonly path: string;
  readonly readOnly?: boolean;
}

/** A read-only mount of a volume the preset made (a ConfigMap or a Secret). */
export interface VolumeMountSpec {
  readonly path: string;
  readonly volume: kplus.Volume;
}

/** One container, before it is added: checked against the pod (names, ports, mounts), then added restricted. */
export interface RestrictedContainerSpec {
  readonly name: string;
  /** The prop that named the container, for messages. */
  readonly prop: string;
  readonly image: string;
  readonly uid: number;
  readonly gid: number;
  readonly command?: string[];
  readonly args?: string[];
  readonly workingDir?: string;
  readonly env?: { [name: string]: kplus.EnvValue };
  readonly ports?: SidecarPortSpec[];
  readonly mounts?: SharedMountSpec[];
  /** The prop that gave `mounts`, for messages. */
  readonly mountsProp?: string;
  readonly volumeMounts?: VolumeMountSpec[];
  readonly writableDirs?: string[];
  /** The prop that gave `writableDirs`, for messages. */
  readonly writableDirsProp?: string;
  readonly resources: kplus.ContainerResources;
  readonly readiness?: kplus.Probe;
  readonly liveness?: kplus.Probe;
  readonly startup?: kplus.Probe;
  /** An init container (it runs to completion before the app starts). */
  readonly init?: boolean;
  /** The app container: a regular container on every line. Any other container is a sidecar (docs/LINES.md). */
  readonly app?: boolean;
}

/** A container added by `SidecarHost._addRestricted`, with the writable-dir volumes made for it. */
export interface AddedContainer {
  readonly container: kplus.Container;
  readonly volumes: kplus.Volume[];
}

/** What a preset added to the pod (the shape of the public `AddedSidecar`). */
export interface BoundSidecar {
  readonly container: kplus.Container;
  readonly initContainer?: kplus.Container;
  readonly configMap?: kplus.ConfigMap;
  readonly volumes: kplus.Volume[];
}

/** The software a sidecar ConfigMap configures (its labels). */
export interface ConfigMapSoftware {
  /** `app.kubernetes.io/name` (e.g. `nginx`). */
  readonly name: string;
  /** The image that reads it (its tag is the `version`). */
  readonly image: string;
}

/** What a credential adds to the containers that use it: env from a Secret, Secret volumes, arguments. */
export interface SecretWiring {
  readonly env: { [name: string]: kplus.EnvValue };
  readonly volumeMounts: VolumeMountSpec[];
  readonly volumes: kplus.Volume[];
  readonly args: string[];
}

/**
 * The pod a preset is added to. It is the scope of the preset's volumes and the construct its messages name.
 *
 * @internal (implemented by the construct; jsii leaves it out of the public API)
 */
export interface SidecarHost extends IConstruct {
  /** The base name of the pod's objects. */
  readonly name: string;
  /** The app container. */
  readonly appContainer: kplus.Container;
  /** The app's port (`app.port`), if any. */
  readonly _appPort?: number;
  /** The pod's `shareProcessNamespace` prop as given. */
  readonly _shareProcessNamespaceProp?: boolean;
  /** The image for `key`, with the pod's overrides. */
  _image(key: ImageKey): string;
  /** Checks that `name` is a valid container name no container of the pod has yet; returns it. */
  _checkNewContainer(prop: string, name: string): string;
  /** Checks the spec against the pod and adds the container with the restricted security contexts. */
  _addRestricted(spec: RestrictedContainerSpec): AddedContainer;
  /** Adds a shared emptyDir volume that containers mount by name. */
  addSharedVolume(name: string, options?: { readonly sizeLimit?: Size; readonly memory?: boolean }): kplus.Volume;
  /** Mounts a shared volume into a container already added (checked like the container's own mounts). */
  _mountShared(container: kplus.Container, prop: string, mount: SharedMountSpec): void;
  /**
   * Adds a ConfigMap `<pod>-<containerName>` whose checksum rolls the pods, labelled for the software that reads it
   * (`name`, and `version` from its image).
   */
  _addConfigMap(containerName: string, software: ConfigMapSoftware, data: { [key: string]: string }): kplus.ConfigMap;
  /** The port numbers of the app container. */
  _appPorts(): number[];
  /** A sidecar fronts the app's `port`: the default Service no longer exposes it. */
  _frontAppPort(port: number): void;
  /** The pod may connect to `peer` on `ports` (its NetworkPolicy's egress; DNS too). */
  _allowEgress(peer: NetworkPeer, ports: NetworkPort[], why: string): void;
  /** Turns on `shareProcessNamespace`. */
  _enableShareProcessNamespace(): void;
}

/** A sidecar preset: what `Sidecar.<preset>()` holds; `SidecarPod.addSidecar` binds it to the pod. */
export interface SidecarPreset {
  _bind(host: SidecarHost): BoundSidecar;
}

/** Checks an absolute path for a mount; returns it. */
export function checkPath(scope: IConstruct, prop: string, path: string): string {
  if (typeof path !== 'string' || !/^\/[^\s:]*$/.test(path) || path.split('/').includes('..')) {
    throw propError(scope, prop, 'an absolute path without spaces, \':\' or \'..\'', path);
  }
  return path;
}

/** `<container>-<suffix>`, cut to a DNS label. */
export function volumeName(container: string, suffix: string): string {
  return `${container.slice(0, 62 - suffix.length).replace(/-+$/, '')}-${suffix}`;
}
