import * as kplus from 'cdk8s-plus-27';
import { BoundSidecar, SidecarHost, SidecarPreset, volumeName } from './_host';
import { ProcessInspectorOptions } from './options';
import { resourcesOr } from '../../core/_resources';
import { checkResources } from '../../core/_rules';
import { PropCheck } from '../../core/errors';
import { ContainerImages, ImageKey } from '../../core/images';
import { propError } from '../../core/prop-error';

/** `Sidecar.processInspector`: process-exporter over the pod's shared PID namespace. */
export class ProcessInspector implements SidecarPreset {
  constructor(private readonly options: ProcessInspectorOptions) {}

  public _bind(host: SidecarHost): BoundSidecar {
    const o = this.options ?? {};
    const containerName = host._checkNewContainer('containerName', o.containerName ?? 'process-inspector');
    const p = (option: string) => `${containerName}.${option}`;
    if (host._shareProcessNamespaceProp === false) {
      throw propError(host, 'shareProcessNamespace', 'true or unset with Sidecar.processInspector() (it inspects the other containers\' processes)', false);
    }
    const port = PropCheck.integer(host, p('port'), 1024, 65535, 9256, o.port);
    if (o.expose !== undefined && typeof o.expose !== 'boolean') throw propError(host, p('expose'), 'true or false', o.expose);
    const expose = o.expose ?? false;
    checkResources(host, p('resources'), o.resources);
    const user = ContainerImages.user(ImageKey.PROCESS_EXPORTER);
    const image = host._image(ImageKey.PROCESS_EXPORTER);
    // One group per command name: every process of every container, like top.
    const configMap = host._addConfigMap(containerName, { name: 'process-exporter', image }, {
      'config.yml': [
        'process_names:',
        '  - name: "{{.Comm}}"',
        '    cmdline:',
        "      - '.+'",
        '',
      ].join('\n'),
    });
    const configVolume = kplus.Volume.fromConfigMap(host, `${containerName}-config-volume`, configMap, { name: volumeName(containerName, 'config') });
    const added = host._addRestricted({
      name: containerName,
      prop: 'containerName',
      image,
      uid: user.uid,
      gid: user.gid,
      args: ['-config.path=/etc/process-exporter/config.yml', `-web.listen-address=${expose ? '' : '127.0.0.1'}:${port}`, '-children=false'],
      ports: [{ name: 'metrics', number: port, expose, servicePort: port, declare: expose, metrics: true, numberProp: p('port'), nameProp: p('port') }],
      volumeMounts: [{ path: '/etc/process-exporter', volume: configVolume }],
      writableDirs: [],
      resources: resourcesOr(o.resources, { cpu: ['10m'], memory: ['32Mi', '128Mi'] }),
    });
    host._enableShareProcessNamespace();
    return { container: added.container, configMap, volumes: [configVolume, ...added.volumes] };
  }
}
