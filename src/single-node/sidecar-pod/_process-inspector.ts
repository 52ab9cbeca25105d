import * as kplus from 'cdk8s-plus-27';
import { BoundSidecar, SidecarHost, SidecarPreset, volumeName } from './_host';
import { ProcessInspectorOptions } from './options';
import { containerResources } from '../../core/_resources';
import { PropCheck } from '../../core/errors';
import { ContainerImages, ImageKey } from '../../core/images';
import { propError } from '../../core/prop-error';

/** `Sidecar.processInspector`: process-exporter over the pod's shared PID namespace. */
export class ProcessInspector implements SidecarPreset {
  constructor(private readonly options: ProcessInspectorOptions) {}

  public _bind(host: SidecarHost): BoundSidecar {
    const o = this.options ?? {};
    const containerName = host._checkNewContainer('containerName', o.containerName ?? 'process-inspector');
    if (host._shareProcessNamespaceProp === false) {
      throw propError(host, 'shareProcessNamespace', 'true or unset with Sidecar.processInspector() (it inspects the other containers\' processes)', false);
    }
    const port = PropCheck.integer(host, 'port', 1024, 65535, 9256, o.port);
    const expose = o.expose ?? false;
    const user = ContainerImages.user(ImageKey.PROCESS_EXPORTER);
    // One group per command name: every process of every container, like top.
    const configMap = host._addConfigMap(containerName, {
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
      image: host._image(ImageKey.PROCESS_EXPORTER),
      uid: user.uid,
      gid: user.gid,
      args: ['-config.path=/etc/process-exporter/config.yml', `-web.listen-address=${expose ? '' : '127.0.0.1'}:${port}`, '-children=false'],
      ports: [{ name: 'metrics', number: port, expose, servicePort: port, declare: expose }],
      volumeMounts: [{ path: '/etc/process-exporter', volume: configVolume }],
      writableDirs: [],
      resources: o.resources ?? containerResources({ cpu: ['10m'], memory: ['32Mi', '128Mi'] }),
    });
    host._enableShareProcessNamespace();
    return { container: added.container, configMap, volumes: [configVolume, ...added.volumes] };
  }
}
