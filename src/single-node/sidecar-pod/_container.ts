import { BoundSidecar, plainEnv, SidecarHost, SidecarPreset } from './_host';
import { SidecarContainerOptions } from './options';
import { containerResources } from '../../core/_resources';
import { PropCheck } from '../../core/errors';
import { ContainerImages } from '../../core/images';

/** `Sidecar.container`: any container, run with the pod's restricted security context. */
export class CustomContainer implements SidecarPreset {
  constructor(private readonly options: SidecarContainerOptions) {}

  public _bind(host: SidecarHost): BoundSidecar {
    const o = this.options ?? {};
    ContainerImages.checkPinned(host, 'image', o.image);
    const uid = PropCheck.integer(host, 'uid', 1, 2147483647, 0, o.uid);
    const gid = PropCheck.integer(host, 'gid', 0, 2147483647, uid, o.gid);
    const ports = (o.ports ?? []).map((p) => ({
      name: p.name,
      number: p.number,
      expose: p.expose ?? false,
      servicePort: PropCheck.integer(host, 'servicePort', 1, 65535, p.number, p.servicePort),
    }));
    const added = host._addRestricted({
      name: o.name,
      prop: 'name',
      image: o.image,
      uid,
      gid,
      command: o.command,
      args: o.args,
      env: plainEnv(o.env),
      ports,
      mounts: o.mounts,
      writableDirs: o.writableDirs ?? ['/tmp'],
      resources: o.resources ?? containerResources({ cpu: ['10m'], memory: ['32Mi', '128Mi'] }),
      readiness: o.readiness,
      liveness: o.liveness,
    });
    return { container: added.container, volumes: added.volumes };
  }
}
