import * as kplus from 'cdk8s-plus-27';
import { BoundSidecar, SidecarHost, SidecarPortSpec, SidecarPreset, volumeName } from './_host';
import { HttpsTerminatorOptions } from './options';
import { NginxConfig } from '../../config/nginx';
import { containerResources } from '../../core/_resources';
import { PropCheck } from '../../core/errors';
import { ContainerImages, ImageKey } from '../../core/images';
import { propError } from '../../core/prop-error';

/** `Sidecar.httpsTerminator`: nginx terminating TLS in front of the app's plain port. */
export class HttpsTerminator implements SidecarPreset {
  constructor(private readonly options: HttpsTerminatorOptions) {}

  public _bind(host: SidecarHost): BoundSidecar {
    const o = this.options ?? {};
    const containerName = host._checkNewContainer('containerName', o.containerName ?? 'https');
    if (!o.secret) throw propError(host, 'secret', 'a kubernetes.io/tls Secret with tls.crt and tls.key (the HTTPS terminator needs a certificate)', o.secret);
    const appPort = o.appPort ?? host._appPort;
    if (appPort === undefined) throw propError(host, 'appPort', 'the app port to proxy to (the pod has no \'port\')', appPort);
    const appPorts = host._appPorts();
    if (!appPorts.includes(appPort)) throw propError(host, 'appPort', `a port of the app container (${appPorts.join(', ') || 'none'})`, appPort);
    const httpsPort = PropCheck.integer(host, 'port', 1024, 65535, NginxConfig.DEFAULT_HTTPS_PORT, o.port);
    const servicePort = PropCheck.integer(host, 'servicePort', 1, 65535, 443, o.servicePort);
    const redirect = o.redirectHttpPort === undefined ? undefined : PropCheck.integer(host, 'redirectHttpPort', 1024, 65535, 0, o.redirectHttpPort);
    const user = ContainerImages.user(ImageKey.NGINX);
    const text = NginxConfig.tlsProxy({
      upstreamHost: '127.0.0.1',
      upstreamPort: appPort,
      httpsPort,
      redirectHttpPort: redirect,
      publicHttpsPort: servicePort,
      minTlsVersion: o.minTlsVersion,
      hstsMaxAge: o.hstsMaxAge,
    });
    const configMap = host._addConfigMap(containerName, { [NginxConfig.CONFIG_FILE_NAME]: text });
    const configVolume = kplus.Volume.fromConfigMap(host, `${containerName}-config-volume`, configMap, { name: volumeName(containerName, 'config') });
    const tlsVolume = kplus.Volume.fromSecret(host, `${containerName}-tls-volume`, o.secret, { name: volumeName(containerName, 'tls'), defaultMode: 0o440 });
    const ports: SidecarPortSpec[] = [{ name: 'https', number: httpsPort, expose: true, servicePort }];
    if (redirect !== undefined) ports.push({ name: 'http-redirect', number: redirect, expose: true, servicePort: 80 });
    const added = host._addRestricted({
      name: containerName,
      prop: 'containerName',
      image: host._image(ImageKey.NGINX),
      uid: user.uid,
      gid: user.gid,
      command: NginxConfig.command(),
      ports,
      volumeMounts: [{ path: NginxConfig.CONFIG_DIR, volume: configVolume }, { path: NginxConfig.TLS_DIR, volume: tlsVolume }],
      writableDirs: [NginxConfig.DEFAULT_RUN_DIR],
      resources: o.resources ?? containerResources({ cpu: ['50m'], memory: ['32Mi', '128Mi'] }),
      readiness: kplus.Probe.fromTcpSocket({ port: httpsPort }),
    });
    // The terminator fronts the app: the app's plain port is no longer exposed by default.
    host._frontAppPort(appPort);
    return { container: added.container, configMap, volumes: [configVolume, tlsVolume, ...added.volumes] };
  }
}
