import { Duration } from 'cdk8s';
import * as kplus from 'cdk8s-plus-27';
import { AdapterPreset, BoundAdapter, MonitoringHost } from './_host';
import { HealthCheck } from './health-check';
import { HealthAdapterOptions } from './options';
import { resourcesOr } from '../../core/_resources';
import { checkResources } from '../../core/_rules';
import { PropCheck } from '../../core/errors';
import { ImageKey } from '../../core/images';
import { propError } from '../../core/prop-error';
import { PrometheusDuration } from '../../crds/prometheus-operator';
import { HealthAdapterProgram } from '../../runtime/health-adapter';

/** Where the health program is mounted. */
const HEALTH_DIR = '/adapter';

/** `MonitoringAdapter.health`: the library's health adapter program on the official `node` image. */
export class HealthAdapter implements AdapterPreset {
  public readonly isExporter = false;
  private readonly options: HealthAdapterOptions;

  constructor(options: HealthAdapterOptions) {
    this.options = { ...options };
  }

  /** @param n the adapter's container name */
  public _bind(host: MonitoringHost, n: string): BoundAdapter {
    const o = this.options;
    const check = o.check;
    if (!(check instanceof HealthCheck)) throw propError(host, `${n}.check`, 'a HealthCheck (made by one of its static methods)', check);
    const periodSeconds = PropCheck.wholeSeconds(host, `${n}.period`, 1, 2147483647, Duration.seconds(10), o.period);
    const timeoutMs = PropCheck.wholeMillis(host, `${n}.timeout`, 1, 2147483647, Duration.seconds(2), o.timeout);
    if (timeoutMs >= periodSeconds * 1000) {
      throw propError(host, `${n}.timeout`, `shorter than the period (${PrometheusDuration.of(Duration.seconds(periodSeconds))})`, PrometheusDuration.of(Duration.millis(timeoutMs)));
    }
    const failureThreshold = PropCheck.integer(host, `${n}.failureThreshold`, 1, 100, 1, o.failureThreshold);
    const appPort = check._appPort(host, `${n}.check.port`);
    const listenPort = o.listenPort ?? 8099;
    const portName = o.portName ?? 'health';
    host._claimPort(n, listenPort, portName);
    checkResources(host, `${n}.resources`, o.resources);
    const image = host._image(ImageKey.NODE);

    const P = HealthAdapterProgram;
    const env: { [key: string]: kplus.EnvValue } = {
      [P.ENV_PORT]: kplus.EnvValue.fromValue(String(listenPort)),
      [P.ENV_CHECK]: kplus.EnvValue.fromValue(check.protocol),
      [P.ENV_TARGET_HOST]: kplus.EnvValue.fromValue('localhost'),
      [P.ENV_TARGET_PORT]: kplus.EnvValue.fromValue(String(appPort)),
      [P.ENV_TIMEOUT_MS]: kplus.EnvValue.fromValue(String(timeoutMs)),
      ...check._env(host, `${n}.check`),
    };

    const configMap = host._addConfigMap(`${n}-program`, n, { name: 'node', image }, { [P.FILE_NAME]: P.source() });
    // The kubelet's timeout is longer than the check's, so a failed check is a 503, not a probe timeout.
    const probeTimeout = Duration.seconds(Math.ceil(timeoutMs / 1000) + 1);
    const container = host._addContainer(ImageKey.NODE, {
      name: n,
      image,
      command: ['node', `${HEALTH_DIR}/${P.FILE_NAME}`],
      envVariables: env,
      ports: [{ number: listenPort, name: portName }],
      readiness: kplus.Probe.fromHttpGet('/readyz', {
        port: listenPort, periodSeconds: Duration.seconds(periodSeconds), timeoutSeconds: probeTimeout, failureThreshold, successThreshold: 1,
      }),
      liveness: kplus.Probe.fromHttpGet('/livez', { port: listenPort, periodSeconds: Duration.seconds(20), timeoutSeconds: Duration.seconds(2), failureThreshold: 3 }),
      resources: resourcesOr(o.resources, { cpu: ['10m', '100m'], memory: ['32Mi', '96Mi'] }),
    });
    container.mount(HEALTH_DIR, kplus.Volume.fromConfigMap(host, `${n}-program-volume`, configMap, { name: `${n}-program` }), { readOnly: true });
    return { container, healthPort: listenPort };
  }
}
