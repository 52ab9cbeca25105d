import { ApiObject, ApiObjectMetadata, Duration, GroupVersionKind, Lazy } from 'cdk8s';
import { Construct } from 'constructs';
import { assertNotSynthesized, registerAppChecks } from '../core/_app-checks';
import { isLabelKey, isLabelValue, isPortName } from '../core/_syntax';
import { PropCheck } from '../core/errors';
import { propError } from '../core/prop-error';

/**
 * Prometheus durations (`30s`, `5m`, `1h30m`, `500ms`): the format of every duration field of the
 * prometheus-operator CRDs and of Prometheus rule files.
 *
 * @see https://prometheus.io/docs/prometheus/latest/configuration/configuration/#duration
 */
export class PrometheusDuration {
  /**
   * The Prometheus form of `duration`, largest units first (`Duration.seconds(90)` → `1m30s`); a whole number of
   * milliseconds, at least 1ms.
   */
  public static of(duration: Duration): string {
    const total = duration.toMilliseconds();
    if (!Number.isInteger(total) || total < 1) throw new Error(`a Prometheus duration must be a whole number of milliseconds, at least 1ms, got ${total}ms`);
    const units: Array<[string, number]> = [['h', 3_600_000], ['m', 60_000], ['s', 1000], ['ms', 1]];
    let rest = total;
    let out = '';
    for (const [unit, ms] of units) {
      const n = Math.floor(rest / ms);
      if (n > 0) out += `${n}${unit}`;
      rest -= n * ms;
    }
    return out;
  }
}

/**
 * One endpoint (a named Service port) of a `ServiceMonitor`.
 */
export interface ServiceMonitorEndpoint {
  /** The name of the Service port to scrape. */
  readonly port: string;
  /**
   * The HTTP path of the metrics.
   *
   * @default '/metrics'
   */
  readonly path?: string;
  /**
   * How often to scrape.
   *
   * @default - the Prometheus server's global scrape interval
   */
  readonly interval?: Duration;
  /**
   * How long a scrape may take; at most `interval`.
   *
   * @default - the Prometheus server's global scrape timeout
   */
  readonly scrapeTimeout?: Duration;
}

/**
 * Properties for `ServiceMonitor`.
 */
export interface ServiceMonitorProps {
  /**
   * Metadata of the object.
   *
   * @default - a generated name
   */
  readonly metadata?: ApiObjectMetadata;
  /** The labels of the Services to scrape (in the ServiceMonitor's namespace). */
  readonly selector: { [key: string]: string };
  /**
   * The endpoints to scrape; more can be added with `addEndpoint`. A ServiceMonitor needs at least one.
   *
   * @default - none yet
   */
  readonly endpoints?: ServiceMonitorEndpoint[];
}

/**
 * A prometheus-operator `ServiceMonitor` (`monitoring.coreos.com/v1`): tells Prometheus to scrape the endpoints of
 * the Services it selects. The target's `job` label is the Service's name.
 *
 * A small typed wrapper holding only the fields this library sets.
 *
 * @see https://prometheus-operator.dev/docs/api-reference/api/#monitoring.coreos.com/v1.ServiceMonitor
 */
export class ServiceMonitor extends ApiObject {
  /** `monitoring.coreos.com/v1`, `ServiceMonitor`. */
  public static readonly GVK: GroupVersionKind = { apiVersion: 'monitoring.coreos.com/v1', kind: 'ServiceMonitor' };

  private readonly endpointList: ServiceMonitorEndpoint[];

  /**
   * @param scope the parent construct
   * @param id the construct id; unless a `name` prop says otherwise, object names derive from the construct path
   * @param props the properties
   */
  constructor(scope: Construct, id: string, props: ServiceMonitorProps) {
    const endpoints: ServiceMonitorEndpoint[] = [];
    const selector = { ...props.selector };
    super(scope, id, {
      ...ServiceMonitor.GVK,
      metadata: props.metadata,
      spec: Lazy.any({
        produce: () => ({
          selector: { matchLabels: selector },
          endpoints: endpoints.map((e) => ({
            port: e.port,
            path: e.path ?? '/metrics',
            interval: e.interval ? PrometheusDuration.of(e.interval) : undefined,
            scrapeTimeout: e.scrapeTimeout ? PrometheusDuration.of(e.scrapeTimeout) : undefined,
          })),
        }),
      }),
    });
    this.endpointList = endpoints;
    registerAppChecks(this);
    if (Object.keys(selector).length === 0) throw propError(this, 'selector', 'at least one label', props.selector);
    for (const [k, v] of Object.entries(selector)) {
      if (!isLabelKey(k)) throw propError(this, 'selector', 'label keys of the form [prefix/]name', k);
      if (!isLabelValue(v) || v === '') throw propError(this, `selector.${k}`, 'a label value', v);
    }
    for (const e of props.endpoints ?? []) this.addEndpoint(e);
    this.node.addValidation({ validate: () => (this.endpointList.length === 0 ? [`${PropCheck.where(this)}: a ServiceMonitor needs at least one endpoint`] : []) });
  }

  /** The endpoints (a copy). */
  public get endpoints(): ServiceMonitorEndpoint[] {
    return [...this.endpointList];
  }

  /** Adds an endpoint; returns it. */
  public addEndpoint(endpoint: ServiceMonitorEndpoint): ServiceMonitorEndpoint {
    assertNotSynthesized(this, 'addEndpoint()');
    const i = this.endpointList.length;
    if (endpoint === null || typeof endpoint !== 'object') throw propError(this, `endpoints[${i}]`, 'a ServiceMonitorEndpoint ({ port, path?, interval?, scrapeTimeout? })', endpoint);
    if (!isPortName(endpoint.port)) {
      throw propError(this, `endpoints[${i}].port`, 'the name of a Service port (an IANA service name: at most 15 characters, lowercase letters, digits and single \'-\', with a letter)', endpoint.port);
    }
    if (this.endpointList.some((e) => e.port === endpoint.port)) throw propError(this, `endpoints[${i}].port`, 'a port no other endpoint scrapes', endpoint.port);
    if (endpoint.path !== undefined && (typeof endpoint.path !== 'string' || !/^\/\S*$/.test(endpoint.path))) throw propError(this, `endpoints[${i}].path`, 'an absolute HTTP path', endpoint.path);
    if (endpoint.interval !== undefined) checkPrometheusDuration(this, `endpoints[${i}].interval`, endpoint.interval);
    if (endpoint.scrapeTimeout !== undefined) {
      checkPrometheusDuration(this, `endpoints[${i}].scrapeTimeout`, endpoint.scrapeTimeout);
      if (endpoint.interval && endpoint.scrapeTimeout.toMilliseconds() > endpoint.interval.toMilliseconds()) {
        throw propError(this, `endpoints[${i}].scrapeTimeout`, `at most the interval (${PrometheusDuration.of(endpoint.interval)})`, PrometheusDuration.of(endpoint.scrapeTimeout));
      }
    }
    const copy = { ...endpoint };
    this.endpointList.push(copy);
    return copy;
  }
}

/**
 * One alerting rule of a `PrometheusRule` group.
 *
 * @see https://prometheus.io/docs/prometheus/latest/configuration/alerting_rules/
 */
export interface PrometheusAlertingRule {
  /** The alert name (a metric name: letters, digits, `_`, `:`; not starting with a digit). */
  readonly alert: string;
  /** The PromQL expression; every series it returns is a firing (or pending) alert. */
  readonly expr: string;
  /**
   * How long the expression must hold before the alert fires.
   *
   * @default - fires at once
   */
  readonly for?: Duration;
  /**
   * Labels added to the alert (e.g. `severity`).
   *
   * @default - none
   */
  readonly labels?: { [key: string]: string };
  /**
   * Annotations (e.g. `summary`, `description`); Go templates over `$labels` and `$value`.
   *
   * @default - none
   */
  readonly annotations?: { [key: string]: string };
}

/**
 * A group of rules, evaluated together at one interval.
 */
export interface PrometheusRuleGroup {
  /** The group name, unique in the PrometheusRule. */
  readonly name: string;
  /**
   * How often the rules are evaluated.
   *
   * @default - the Prometheus server's global evaluation interval
   */
  readonly interval?: Duration;
  /** The alerting rules. */
  readonly rules: PrometheusAlertingRule[];
}

/**
 * Properties for `PrometheusRule`.
 */
export interface PrometheusRuleProps {
  /**
   * Metadata of the object.
   *
   * @default - a generated name
   */
  readonly metadata?: ApiObjectMetadata;
  /**
   * The rule groups; more can be added with `addGroup`. A PrometheusRule needs at least one.
   *
   * @default - none yet
   */
  readonly groups?: PrometheusRuleGroup[];
}

const METRIC_NAME = /^[a-zA-Z_:][a-zA-Z0-9_:]*$/;
const LABEL_NAME = /^[a-zA-Z_][a-zA-Z0-9_]*$/;

/**
 * A prometheus-operator `PrometheusRule` (`monitoring.coreos.com/v1`): alerting rules that the operator loads into
 * the Prometheus servers whose `ruleSelector` matches its labels. `spec` has exactly the shape of a Prometheus rule
 * file, so `promtool check rules` can check it.
 *
 * A small typed wrapper holding only the fields this library sets (alerting rules, no recording rules).
 *
 * @see https://prometheus-operator.dev/docs/api-reference/api/#monitoring.coreos.com/v1.PrometheusRule
 */
export class PrometheusRule extends ApiObject {
  /** `monitoring.coreos.com/v1`, `PrometheusRule`. */
  public static readonly GVK: GroupVersionKind = { apiVersion: 'monitoring.coreos.com/v1', kind: 'PrometheusRule' };

  /**
   * The Prometheus rule file (`{ groups: [...] }`) for `groups`: the `spec` of a PrometheusRule, and what
   * `promtool check rules` reads (as YAML or JSON).
   */
  public static ruleFile(groups: PrometheusRuleGroup[]): any {
    return {
      groups: groups.map((g) => ({
        name: g.name,
        interval: g.interval ? PrometheusDuration.of(g.interval) : undefined,
        rules: g.rules.map((r) => ({
          alert: r.alert,
          expr: r.expr,
          for: r.for ? PrometheusDuration.of(r.for) : undefined,
          labels: r.labels && Object.keys(r.labels).length > 0 ? { ...r.labels } : undefined,
          annotations: r.annotations && Object.keys(r.annotations).length > 0 ? { ...r.annotations } : undefined,
        })),
      })),
    };
  }

  private readonly groupList: PrometheusRuleGroup[];

  /**
   * @param scope the parent construct
   * @param id the construct id; unless a `name` prop says otherwise, object names derive from the construct path
   * @param props the properties
   */
  constructor(scope: Construct, id: string, props: PrometheusRuleProps = {}) {
    const groups: PrometheusRuleGroup[] = [];
    super(scope, id, {
      ...PrometheusRule.GVK,
      metadata: props.metadata,
      spec: Lazy.any({ produce: () => PrometheusRule.ruleFile(groups) }),
    });
    this.groupList = groups;
    registerAppChecks(this);
    for (const g of props.groups ?? []) this.addGroup(g);
    this.node.addValidation({ validate: () => (this.groupList.length === 0 ? [`${PropCheck.where(this)}: a PrometheusRule needs at least one group`] : []) });
  }

  /** The groups (a copy). */
  public get groups(): PrometheusRuleGroup[] {
    return this.groupList.map((g) => ({ ...g, rules: [...g.rules] }));
  }

  /** Adds a group; returns it. */
  public addGroup(group: PrometheusRuleGroup): PrometheusRuleGroup {
    assertNotSynthesized(this, 'addGroup()');
    const i = this.groupList.length;
    const where = `groups[${i}]`;
    if (group === null || typeof group !== 'object') throw propError(this, where, 'a PrometheusRuleGroup ({ name, interval?, rules })', group);
    if (typeof group.name !== 'string' || group.name.trim() === '' || /[\n\r]/.test(group.name)) throw propError(this, `${where}.name`, 'a non-empty one-line name', group.name);
    if (this.groupList.some((g) => g.name === group.name)) throw propError(this, `${where}.name`, 'a group name not used by another group', group.name);
    if (group.interval !== undefined) checkPrometheusDuration(this, `${where}.interval`, group.interval);
    if (!Array.isArray(group.rules) || group.rules.length === 0) throw propError(this, `${where}.rules`, 'at least one rule', group.rules);
    group.rules.forEach((r, j) => {
      const at = `${where}.rules[${j}]`;
      if (r === null || typeof r !== 'object') throw propError(this, at, 'a PrometheusAlertingRule ({ alert, expr, for?, labels?, annotations? })', r);
      if (typeof r.alert !== 'string' || !METRIC_NAME.test(r.alert)) throw propError(this, `${at}.alert`, 'an alert name (letters, digits, \'_\' and \':\', not starting with a digit)', r.alert);
      if (typeof r.expr !== 'string' || r.expr.trim() === '') throw propError(this, `${at}.expr`, 'a PromQL expression', r.expr);
      if (r.for !== undefined) checkPrometheusDuration(this, `${at}.for`, r.for);
      for (const [k, v] of Object.entries(r.labels ?? {})) {
        if (!LABEL_NAME.test(k) || k.startsWith('__')) throw propError(this, `${at}.labels`, 'label names of letters, digits and \'_\' (not starting with \'__\')', k);
        if (typeof v !== 'string') throw propError(this, `${at}.labels.${k}`, 'a string', v);
      }
      for (const [k, v] of Object.entries(r.annotations ?? {})) {
        if (!LABEL_NAME.test(k)) throw propError(this, `${at}.annotations`, 'annotation names of letters, digits and \'_\'', k);
        if (typeof v !== 'string') throw propError(this, `${at}.annotations.${k}`, 'a string', v);
      }
    });
    const copy = { ...group, rules: group.rules.map((r) => ({ ...r })) };
    this.groupList.push(copy);
    return copy;
  }
}

/** A duration a Prometheus field can hold (whole milliseconds, at least 1ms), checked with the path and prop. */
function checkPrometheusDuration(scope: Construct, prop: string, d: Duration): void {
  PropCheck.wholeMillis(scope, prop, 1, MAX_PROMETHEUS_MS, d, d);
}

/** A year: longer than any scrape interval, evaluation interval or `for` a rule file needs. */
const MAX_PROMETHEUS_MS = 365 * 24 * 3_600_000;
