import * as kplus from 'cdk8s-plus-27';
import { IConstruct } from 'constructs';
import { parseImageReference } from './_rules';
import { isLabelValue } from './_syntax';
import { propError } from './prop-error';

/**
 * Options for `RecommendedLabels.of` and `RecommendedLabels.selector`.
 */
export interface RecommendedLabelsOptions {
  /** `app.kubernetes.io/name`: the application (e.g. `redis`, `twemproxy`). */
  readonly name: string;
  /** `app.kubernetes.io/instance`: this instance of it (e.g. the construct's base name). */
  readonly instance: string;
  /**
   * `app.kubernetes.io/component`: its role in the pattern (e.g. `shard`, `proxy`, `worker`).
   *
   * @default - no component label
   */
  readonly component?: string;
  /**
   * `app.kubernetes.io/part-of`: the higher-level application it belongs to.
   *
   * @default - no part-of label
   */
  readonly partOf?: string;
  /**
   * `app.kubernetes.io/version`: the version of the application (e.g. the image tag).
   *
   * @default - no version label
   */
  readonly version?: string;
}

/**
 * The Kubernetes recommended labels (`app.kubernetes.io/*`) and the selectors built from them.
 *
 * @see https://kubernetes.io/docs/concepts/overview/working-with-objects/common-labels/
 */
export class RecommendedLabels {
  /** The value of `app.kubernetes.io/managed-by` on every object the library creates. */
  public static readonly MANAGED_BY = 'cdk8s-distributed-patterns';

  /**
   * The context key for an app-wide `app.kubernetes.io/part-of`: `app.node.setContext(RecommendedLabels.PART_OF_CONTEXT_KEY, 'shop')`.
   * A construct's own `partOf` prop wins over it.
   */
  public static readonly PART_OF_CONTEXT_KEY = 'cdk8s-distributed-patterns:part-of';

  /**
   * The `app.kubernetes.io/part-of` of a construct: its `partOf` prop (checked), else the app-wide context value,
   * else `instance` (the construct's base name: every object of one pattern instance belongs together).
   */
  public static partOf(scope: IConstruct, instance: string, given?: string): string {
    if (given !== undefined) return RecommendedLabels.checkValue(scope, 'partOf', given);
    const fromContext = scope.node.tryGetContext(RecommendedLabels.PART_OF_CONTEXT_KEY);
    if (fromContext !== undefined) return RecommendedLabels.checkValue(scope, `context ${RecommendedLabels.PART_OF_CONTEXT_KEY}`, fromContext);
    return instance;
  }

  /**
   * The `app.kubernetes.io/version` of an image: its tag (cut to a label value), or undefined for an image pinned
   * by digest only.
   */
  public static versionOf(image: string): string | undefined {
    const ref = parseImageReference(image);
    if (typeof ref === 'string' || ref.tag === undefined) return undefined;
    const v = ref.tag.slice(0, 63).replace(/[^A-Za-z0-9]+$/, '');
    return v.length > 0 && isLabelValue(v) ? v : undefined;
  }

  /**
   * All recommended labels for an object: name, instance, component, part-of, version (those given) and
   * `managed-by: cdk8s-distributed-patterns`. Throws when a value is not a valid label value.
   */
  public static of(options: RecommendedLabelsOptions): { [key: string]: string } {
    const labels: { [key: string]: string } = {
      ...RecommendedLabels.selector(options),
      'app.kubernetes.io/managed-by': RecommendedLabels.MANAGED_BY,
    };
    if (options.partOf !== undefined) labels['app.kubernetes.io/part-of'] = check('partOf', options.partOf);
    if (options.version !== undefined) labels['app.kubernetes.io/version'] = check('version', options.version);
    return labels;
  }

  /**
   * The labels that select the pods of one component of one instance: name, instance and component. Stable
   * across versions (no version label), so a selector never changes on upgrade.
   */
  public static selector(options: RecommendedLabelsOptions): { [key: string]: string } {
    const labels: { [key: string]: string } = {
      'app.kubernetes.io/name': check('name', options.name),
      'app.kubernetes.io/instance': check('instance', options.instance),
    };
    if (options.component !== undefined) labels['app.kubernetes.io/component'] = check('component', options.component);
    return labels;
  }

  /**
   * Labels the pods of `workload` with `labels` and, when `selector` is given, makes the workload select its pods
   * by exactly those labels (create it with `select: false`, so cdk8s-plus adds no selector of its own).
   */
  public static applyTo(workload: kplus.Workload, labels: { [key: string]: string }, selector?: { [key: string]: string }): void {
    if (selector !== undefined) workload.select(kplus.LabelSelector.of({ labels: selector }));
    for (const [k, v] of Object.entries(labels)) workload.podMetadata.addLabel(k, v);
  }

  /**
   * Checks a label value given by the user for `prop`: at most 63 characters, alphanumerics, `-`, `_` and `.`,
   * starting and ending with an alphanumeric.
   */
  public static checkValue(scope: IConstruct, prop: string, value: string): string {
    if (!isLabelValue(value) || value === '') throw propError(scope, prop, 'a label value (at most 63 characters: alphanumerics, \'-\', \'_\' and \'.\', starting and ending with an alphanumeric)', value);
    return value;
  }
}

function check(field: string, value: string): string {
  if (!isLabelValue(value) || value === '') throw new Error(`recommended label '${field}' must be a non-empty label value, got '${value}'`);
  return value;
}
