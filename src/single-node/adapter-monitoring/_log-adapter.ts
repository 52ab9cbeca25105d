import { Size } from 'cdk8s';
import * as kplus from 'cdk8s-plus-27';
import { AdapterPreset, BoundAdapter, MonitoringHost } from './_host';
import { LogAdapterOptions } from './options';
import { throwFirstPropProblem } from '../../config/_problems';
import { FluentBitConfig, FluentBitConfigOptions, LogFormat } from '../../config/fluent-bit';
import { resourcesOr } from '../../core/_resources';
import { checkResources } from '../../core/_rules';
import { PropCheck } from '../../core/errors';
import { ImageKey } from '../../core/images';
import { propError } from '../../core/prop-error';
import { RestrictedSecurity } from '../../core/security';

/** Where the Fluent Bit config is mounted, and where it keeps its file offsets. */
const FLUENT_BIT_ETC = '/fluent-bit/etc';
const FLUENT_BIT_STATE = '/fluent-bit/state';

/** `MonitoringAdapter.logNormalizer`: Fluent Bit tailing the app's log files from a shared volume. */
export class LogAdapter implements AdapterPreset {
  public readonly isExporter = false;
  private readonly options: LogAdapterOptions;

  constructor(options: LogAdapterOptions) {
    this.options = { ...options };
  }

  /** @param n the adapter's container name */
  public _bind(host: MonitoringHost, n: string): BoundAdapter {
    const o = this.options;
    if (!(o.format instanceof LogFormat)) throw propError(host, `${n}.format`, 'a LogFormat (made by one of its static methods)', o.format);
    const logDir = o.logDir;
    if (typeof logDir !== 'string' || !/^\/[^\s,]*$/.test(logDir) || logDir === '/' || logDir.split('/').includes('..')) {
      throw propError(host, `${n}.logDir`, 'an absolute directory path (not \'/\') without spaces, commas or \'..\'', logDir);
    }
    const dir = logDir.replace(/\/+$/, '');
    if (host.appContainer.mounts.some((m) => m.path.replace(/\/+$/, '') === dir)) {
      throw propError(host, `${n}.logDir`, 'a directory the app container does not already mount', logDir);
    }
    const files = o.files ?? ['*.log'];
    if (!Array.isArray(files) || files.length === 0) throw propError(host, `${n}.files`, 'at least one glob', files);
    for (const f of files) {
      if (typeof f !== 'string' || f === '' || f.startsWith('/') || /[\s,]/.test(f) || f.split('/').includes('..')) {
        throw propError(host, `${n}.files`, 'globs relative to logDir, without spaces, commas or \'..\'', f);
      }
    }
    // cdk8s-plus writes an emptyDir's sizeLimit in whole MiB.
    const sizeLimit = Size.mebibytes(PropCheck.wholeMebibytes(host, `${n}.sizeLimit`, 1, 1_048_576, Size.mebibytes(256), o.sizeLimit));
    checkResources(host, `${n}.resources`, o.resources);
    const config: FluentBitConfigOptions = {
      paths: files.map((f) => `${dir}/${f}`),
      format: o.format,
      app: host.name,
      parsersFile: `${FLUENT_BIT_ETC}/${FluentBitConfig.PARSERS_FILE}`,
      dbFile: `${FLUENT_BIT_STATE}/tail.db`,
    };
    throwFirstPropProblem(host, FluentBitConfig._problems(config), `${n}.`);
    const rendered = FluentBitConfig.render(config);
    const image = host._image(ImageKey.FLUENT_BIT);
    const configMap = host._addConfigMap(`${n}-config`, n, { name: 'fluent-bit', image }, {
      [FluentBitConfig.MAIN_FILE]: rendered.main,
      [FluentBitConfig.PARSERS_FILE]: rendered.parsers,
    });
    const container = host._addContainer(ImageKey.FLUENT_BIT, {
      name: n,
      image,
      command: ['/fluent-bit/bin/fluent-bit'],
      args: ['-c', `${FLUENT_BIT_ETC}/${FluentBitConfig.MAIN_FILE}`],
      resources: resourcesOr(o.resources, { cpu: ['10m', '200m'], memory: ['32Mi', '128Mi'] }),
    });
    container.mount(FLUENT_BIT_ETC, kplus.Volume.fromConfigMap(host, `${n}-config-volume`, configMap, { name: `${n}-config` }), { readOnly: true });
    RestrictedSecurity.addWritableDirs(host.workload, container, { paths: [FLUENT_BIT_STATE], sizeLimit: Size.mebibytes(16) });
    const logs = kplus.Volume.fromEmptyDir(host, `${n}-logs`, `${n}-logs`, { sizeLimit });
    host.appContainer.mount(dir, logs);
    container.mount(dir, logs, { readOnly: true });
    return { container };
  }
}
