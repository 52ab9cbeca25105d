import * as kplus from 'cdk8s-plus-27';
import { BoundSidecar, SidecarHost, SidecarPortSpec, SidecarPreset, volumeName } from './_host';
import { HttpsTerminatorOptions } from './options';
import { nginxTlsReadiness } from '../../blocks/_proxy-readiness';
import { NginxConfig, NginxTlsProxyOptions } from '../../config/nginx';
import { resourcesOr } from '../../core/_resources';
import { checkResources } from '../../core/_rules';
import { PropCheck } from '../../core/errors';
import { ContainerImages, ImageKey } from '../../core/images';
import { ResourceNames } from '../../core/names';
import { propError } from '../../core/prop-error';

/** The renderer's option names that this preset calls otherwise. */
const RENAMED: { [option: string]: string } = { httpsPort: 'port', publicHttpsPort: 'servicePort', upstreamPort: 'appPort' };

/** `Sidecar.httpsTerminator`: nginx terminating TLS in front of the app's plain port. */
export class HttpsTerminator implements SidecarPreset {
  constructor(private readonly options: HttpsTerminatorOptions) {}

  public _bind(host: SidecarHost): BoundSidecar {
    const o = this.options ?? {};
    const containerName = host._checkNewContainer('containerName', o.containerName ?? 'https');
    const p = (option: string) => `${containerName}.${option}`;
    if (!o.secret || typeof (o.secret as any).name !== 'string') {
      throw propError(host, p('secret'), 'a kubernetes.io/tls Secret with tls.crt and tls.key (the HTTPS terminator needs a certificate)', o.secret);
    }
    if (!ResourceNames.isDnsSubdomain(o.secret.name)) throw propError(host, p('secret'), 'a Secret whose name is a DNS-1123 subdomain', o.secret.name);
    const appPorts = host._appPorts();
    const appPort = o.appPort === undefined ? host._appPort : PropCheck.integer(host, p('appPort'), 1, 65535, 0, o.appPort);
    if (appPort === undefined) throw propError(host, p('appPort'), 'the app port to proxy to (the app has no \'port\')', appPort);
    if (!appPorts.includes(appPort)) throw propError(host, p('appPort'), `a port of the app container (${appPorts.join(', ') || 'none'})`, appPort);
    const httpsPort = PropCheck.integer(host, p('port'), 1024, 65535, NginxConfig.DEFAULT_HTTPS_PORT, o.port);
    const servicePort = PropCheck.integer(host, p('servicePort'), 1, 65535, 443, o.servicePort);
    const redirect = o.redirectHttpPort === undefined ? undefined : PropCheck.integer(host, p('redirectHttpPort'), 1024, 65535, 0, o.redirectHttpPort);
    checkResources(host, p('resources'), o.resources);
    const nginx: NginxTlsProxyOptions = {
      upstreamHost: '127.0.0.1',
      upstreamPort: appPort,
      httpsPort,
      redirectHttpPort: redirect,
      publicHttpsPort: servicePort,
      minTlsVersion: o.minTlsVersion,
      hstsMaxAge: o.hstsMaxAge,
      healthPath: NginxConfig.TLS_TIER_HEALTH_PATH,
    };
    // The renderer's rules, reported under this preset's option names.
    const problem = NginxConfig._tlsProxyProblems(nginx)[0];
    if (problem) throw propError(host, p(RENAMED[problem.option] ?? problem.option), problem.expectation, problem.got);
    const user = ContainerImages.user(ImageKey.NGINX);
    const image = host._image(ImageKey.NGINX);
    const text = NginxConfig.tlsProxy(nginx);
    const configMap = host._addConfigMap(containerName, { name: 'nginx', image }, { [NginxConfig.CONFIG_FILE_NAME]: text });
    const configVolume = kplus.Volume.fromConfigMap(host, `${containerName}-config-volume`, configMap, { name: volumeName(containerName, 'config') });
    const tlsVolume = kplus.Volume.fromSecret(host, `${containerName}-tls-volume`, o.secret, { name: volumeName(containerName, 'tls'), defaultMode: 0o440 });
    const ports: SidecarPortSpec[] = [{ name: 'https', number: httpsPort, expose: true, servicePort, numberProp: p('port'), nameProp: p('port') }];
    if (redirect !== undefined) {
      ports.push({ name: 'http-redirect', number: redirect, expose: true, servicePort: 80, numberProp: p('redirectHttpPort'), nameProp: p('redirectHttpPort') });
    }
    const added = host._addRestricted({
      name: containerName,
      prop: 'containerName',
      image,
      uid: user.uid,
      gid: user.gid,
      command: NginxConfig.command(),
      ports,
      volumeMounts: [{ path: NginxConfig.CONFIG_DIR, volume: configVolume }, { path: NginxConfig.TLS_DIR, volume: tlsVolume }],
      writableDirs: [NginxConfig.DEFAULT_RUN_DIR],
      resources: resourcesOr(o.resources, { cpu: ['50m'], memory: ['32Mi', '128Mi'] }),
      readiness: nginxTlsReadiness(httpsPort),
    });
    // The terminator fronts the app: the app's plain port is no longer exposed by default.
    host._frontAppPort(appPort);
    return { container: added.container, configMap, volumes: [configVolume, tlsVolume, ...added.volumes] };
  }
}
