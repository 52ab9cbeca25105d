import * as kplus from 'cdk8s-plus-27';
import { BoundSidecar, SidecarHost, SidecarPortSpec, SidecarPreset } from './_host';
import { SidecarContainerOptions } from './options';
import { checkAppContainer } from '../../blocks/_app-container';
import { PropCheck } from '../../core/errors';
import { withDefaultPort } from '../../core/probe-port';
import { propError } from '../../core/prop-error';

/** A port no container can have: a probe that names no port reports it. */
const NO_PORT = 77777;

/** `Sidecar.container`: any container, run with the pod's restricted security context. */
export class CustomContainer implements SidecarPreset {
  constructor(private readonly options: SidecarContainerOptions) {}

  public _bind(host: SidecarHost): BoundSidecar {
    const o = this.options ?? ({} as SidecarContainerOptions);
    const name = host._checkNewContainer('name', o.name);
    const p = (option: string) => `${name}.${option}`;
    // The container vocabulary of the app (image, command, env, probes, resources, uid/gid, writable dirs), checked
    // by the same rules; its ports are a list, checked below.
    const checked = checkAppContainer(host, name, {
      image: o.image,
      command: o.command,
      args: o.args,
      workingDir: o.workingDir,
      env: o.env,
      readiness: o.readiness,
      liveness: o.liveness,
      startup: o.startup,
      resources: o.resources,
      uid: o.uid,
      gid: o.gid,
      writableDirs: o.writableDirs,
    }, { name, defaultResources: { cpu: ['10m'], memory: ['32Mi', '128Mi'] } });
    if (o.ports !== undefined && !Array.isArray(o.ports)) throw propError(host, p('ports'), 'a list of SidecarPort ({ number, name, expose?, servicePort? })', o.ports);
    const ports: SidecarPortSpec[] = (o.ports ?? []).map((port, i) => {
      const at = (field: string) => p(`ports[${i}].${field}`);
      if (port === null || typeof port !== 'object') throw propError(host, p(`ports[${i}]`), 'a SidecarPort ({ number, name, expose?, servicePort? })', port);
      if (port.expose !== undefined && typeof port.expose !== 'boolean') throw propError(host, at('expose'), 'true or false', port.expose);
      const number = PropCheck.integer(host, at('number'), 1, 65535, 0, port.number);
      return {
        name: port.name,
        number,
        expose: port.expose ?? false,
        servicePort: PropCheck.integer(host, at('servicePort'), 1, 65535, number, port.servicePort),
        numberProp: at('number'),
        nameProp: at('name'),
      };
    });
    const probes: { [field: string]: kplus.Probe | undefined } = {
      readiness: checked.props.readiness, liveness: checked.props.liveness, startup: checked.props.startup,
    };
    for (const [field, probe] of Object.entries(probes)) {
      if (probe === undefined) continue;
      if (ports.length > 0) {
        probes[field] = withDefaultPort(probe, ports[0].number);
      } else if (JSON.stringify(probe._toKube({ portNumber: NO_PORT } as kplus.Container)).includes(String(NO_PORT))) {
        // cdk8s-plus would probe port 80 of a container that listens on nothing.
        throw propError(host, p(field), 'a probe that names its port (the container has no \'ports\')', 'a probe without a port');
      }
    }
    const added = host._addRestricted({
      name,
      prop: 'name',
      image: checked.props.image,
      uid: checked.uid,
      gid: checked.gid,
      command: checked.props.command,
      args: checked.props.args,
      workingDir: checked.props.workingDir,
      env: checked.props.envVariables,
      ports,
      mounts: o.mounts,
      mountsProp: p('mounts'),
      writableDirs: checked.writableDirs,
      writableDirsProp: p('writableDirs'),
      resources: checked.props.resources!,
      readiness: probes.readiness,
      liveness: probes.liveness,
      startup: probes.startup,
    });
    return { container: added.container, volumes: added.volumes };
  }
}
