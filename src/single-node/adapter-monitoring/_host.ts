import * as kplus from 'cdk8s-plus-27';
import { IConstruct } from 'constructs';
import { checkSecretValue } from '../../core/_rules';
import { ImageKey } from '../../core/images';
import { propError } from '../../core/prop-error';
import { PrometheusAlertingRule } from '../../crds/prometheus-operator';

// Internal: what a monitoring adapter needs of the pod it joins. `AdapterMonitoring` implements `MonitoringHost`;
// each adapter preset (exporters, health, log) depends on this interface, not on the construct class, which is
// what lets the presets live in their own files without an import circle.

/** How an adapter finds the app's port on localhost. */
export interface AppPortLookup {
  /** The protocol, for the message (`redis`, `postgres` …). */
  readonly protocol: string;
  /** Port names that mean this protocol. */
  readonly portNames: string[];
  /** The protocol's well-known port; without one, the app's only port. */
  readonly wellKnownPort?: number;
}

/** What an adapter added to the pod. */
export interface BoundAdapter {
  /** The adapter container. */
  readonly container: kplus.Container;
  /** An exporter's metrics port (scraped through the Service). */
  readonly metricsPort?: { readonly number: number; readonly name: string };
  /** The health adapter's port. */
  readonly healthPort?: number;
  /** An exporter's alerts, for the scrape job `job`. */
  alerts?(job: string): PrometheusAlertingRule[];
}

/**
 * The pod an adapter joins. It is the scope of the adapter's objects and the construct its messages name.
 *
 * @internal (implemented by the construct; jsii leaves it out of the public API)
 */
export interface MonitoringHost extends IConstruct {
  /** The base name of the objects. */
  readonly name: string;
  /** The workload whose pods hold the app and the adapters. */
  readonly workload: kplus.Workload;
  /** The app container. */
  readonly appContainer: kplus.Container;
  /** The image for `key`, with the overrides of the construct. */
  _image(key: ImageKey): string;
  /** The app's port for an adapter: `given`, or found by name, or by the protocol's well-known number. */
  _appPort(prop: string, lookup: AppPortLookup, given: number | undefined): number;
  /** Claims a port number and name of the pod for the adapter container `adapter`. */
  _claimPort(adapter: string, port: number, name: string): void;
  /** Adds a restricted container running as the image's own user. */
  _addContainer(key: ImageKey, props: kplus.ContainerProps): kplus.Container;
  /**
   * Adds a ConfigMap `<name>-<adapter>` (id `id`) whose checksum rolls the pods, labelled for the software that
   * reads it.
   */
  _addConfigMap(id: string, adapter: string, software: AdapterSoftware, data: { [key: string]: string }): kplus.ConfigMap;
}

/** The software an adapter's ConfigMap configures (its labels). */
export interface AdapterSoftware {
  /** `app.kubernetes.io/name` (e.g. `fluent-bit`). */
  readonly name: string;
  /** The image that reads it (its tag is the `version`). */
  readonly image: string;
}

/** An adapter preset: what `MonitoringAdapter.<preset>()` holds; `AdapterMonitoring` binds it to the pod. */
export interface AdapterPreset {
  /** Whether the adapter is a Prometheus exporter. */
  readonly isExporter: boolean;
  _bind(host: MonitoringHost, name: string): BoundAdapter;
}

/** An env value from a Secret key, checked (prop `prop`). */
export function secretEnv(scope: IConstruct, prop: string, value: kplus.SecretValue): kplus.EnvValue {
  return kplus.EnvValue.fromSecretValue(checkSecretValue(scope, prop, value));
}

/** Checks a user, database or similar name passed on a command line or in a URI; returns it. */
export function checkWord(scope: IConstruct, prop: string, value: string): string {
  if (typeof value !== 'string' || !/^[A-Za-z0-9_][-A-Za-z0-9_.]*$/.test(value)) throw propError(scope, prop, 'a name of letters, digits, \'-\', \'_\' and \'.\'', value);
  return value;
}
