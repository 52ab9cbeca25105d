// A restricted, highly available web server built from the library's core building blocks only: names,
// recommended labels, the pinned image table, restricted security contexts, PDB + spread, config checksum.
import { App, Chart, ChartProps, Size } from 'cdk8s';
import * as kplus from 'cdk8s-plus-27';
import { Construct } from 'constructs';
import {
  Availability, ConfigChecksum, ContainerImages, ImageKey, RecommendedLabels, ResourceNames, RestrictedSecurity,
} from '../src';

export class RestrictedWebChart extends Chart {
  constructor(scope: Construct, id: string, props: ChartProps = {}) {
    super(scope, id, props);
    const name = ResourceNames.baseName(new Construct(this, 'web'));
    const selector = RecommendedLabels.selector({ name: 'nginx', instance: name, component: 'server' });
    const image = ContainerImages.resolve(this, ImageKey.NGINX);
    const labels = RecommendedLabels.of({ name: 'nginx', instance: name, component: 'server', partOf: 'core-example', version: RecommendedLabels.versionOf(image) });
    const user = ContainerImages.user(ImageKey.NGINX);

    const config = new kplus.ConfigMap(this, 'config', {
      metadata: { name: `${name}-config`, labels },
      data: {
        'default.conf': [
          'server {',
          '    listen 8080;',
          '    location /healthz { return 200 "ok\\n"; }',
          '    location / { root /usr/share/nginx/html; }',
          '}',
          '',
        ].join('\n'),
      },
    });

    const web = new kplus.Deployment(this, 'deployment', {
      metadata: { name, labels },
      replicas: 3,
      select: false,
      securityContext: RestrictedSecurity.podSecurityContext(user.uid, user.gid),
      strategy: Availability.surgeOnly(),
    });
    RecommendedLabels.applyTo(web, labels, selector);

    const nginx = RestrictedSecurity.addContainer(web, {
      name: 'nginx',
      image,
      ports: [{ number: 8080, name: 'http' }],
      readiness: kplus.Probe.fromHttpGet('/healthz', { port: 8080 }),
      resources: {
        cpu: { request: kplus.Cpu.millis(50), limit: kplus.Cpu.millis(500) },
        memory: { request: Size.mebibytes(32), limit: Size.mebibytes(128) },
      },
    }, user);
    nginx.mount('/etc/nginx/conf.d', kplus.Volume.fromConfigMap(this, 'config-volume', config, { name: 'config' }), { readOnly: true });
    RestrictedSecurity.addWritableDirs(web, nginx, { paths: ['/tmp', '/var/cache/nginx'] });
    RestrictedSecurity.applySeccomp(web);
    ConfigChecksum.annotate(web, [config]);
    Availability.apply(this, web, { replicas: 3, selector, name, labels });

    new kplus.Service(this, 'service', {
      metadata: { name, labels },
      selector: kplus.Pods.select(this, 'pods', { labels: selector }),
      ports: [{ name: 'http', port: 80, targetPort: 8080 }],
    });
  }
}

/** The example app (also used by the tests and `npx projen examples`). */
export function buildApp(): App {
  const app = new App();
  new RestrictedWebChart(app, 'core-restricted-web', { namespace: 'web' });
  return app;
}

if (require.main === module) buildApp().synth();
