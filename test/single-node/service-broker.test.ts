import { Testing } from 'cdk8s';
import * as kplus from 'cdk8s-plus-27';
import { BrokerCa, BrokeredProtocol, ServiceBroker, ServiceBrokerProps } from '../../src';
import { checkRestricted, one, synthValid } from '../harness';
import { sidecarOf } from '../harness/sidecars';

function props(chart: any, extra: Partial<ServiceBrokerProps> = {}): ServiceBrokerProps {
  return {
    app: { image: 'example/checkout:1.0.0', port: 8080 },
    services: [
      { name: 'db', protocol: BrokeredProtocol.POSTGRESQL, endpoints: { dev: { host: 'postgres' }, prod: { host: 'orders.db.example.com' } } },
      {
        name: 'cache',
        protocol: BrokeredProtocol.REDIS,
        endpoints: {
          dev: { host: 'redis.data' },
          prod: { host: '10.20.0.7', port: 6380, tls: true, tlsServerName: 'cache.example.com', tlsCa: BrokerCa.fromConfigMap(kplus.ConfigMap.fromConfigMapName(chart, 'Ca', 'cache-ca'), 'root.pem') },
        },
      },
    ],
    ...extra,
  };
}

describe('ServiceBroker', () => {
  test('prod: the app on localhost, nginx to the managed endpoints (TLS to redis with the CA from a ConfigMap), egress to them only', () => {
    const chart = Testing.chart();
    const broker = new ServiceBroker(chart, 'checkout', props(chart, { environment: 'prod' }));
    const objs = synthValid(chart);
    expect(objs).toMatchSnapshot();
    expect(objs.map((o) => `${o.kind}/${o.metadata.name}`).sort()).toEqual([
      'ConfigMap/checkout-broker', 'Deployment/checkout', 'NetworkPolicy/checkout', 'PodDisruptionBudget/checkout',
    ]);
    expect(broker.environment).toBe('prod');
    expect(broker.environments).toEqual(['dev', 'prod']);
    const dep = one(objs, 'Deployment', 'checkout');
    expect(dep.metadata.annotations[ServiceBroker.ENVIRONMENT_ANNOTATION]).toBe('prod');
    const spec = dep.spec.template.spec;
    const app = spec.containers.find((c: any) => c.name === 'app');
    expect(app.env).toEqual([
      { name: 'DB_HOST', value: '127.0.0.1' }, { name: 'DB_PORT', value: '5432' },
      { name: 'CACHE_HOST', value: '127.0.0.1' }, { name: 'CACHE_PORT', value: '6379' },
    ]);
    const nginx = sidecarOf(spec, 'nginx');
    expect(nginx.image).toBe('nginxinc/nginx-unprivileged:1.27.3-alpine');
    expect(nginx.ports).toEqual([{ containerPort: 15000, name: 'broker-health' }]);
    expect(nginx.readinessProbe.tcpSocket).toEqual({ port: 15000 });
    expect(nginx.volumeMounts).toContainEqual({ mountPath: '/etc/nginx/broker-ca/cache', name: 'broker-ca-cache', readOnly: true });
    expect(spec.volumes).toContainEqual({ name: 'broker-ca-cache', configMap: { name: 'cache-ca', items: [{ key: 'root.pem', path: 'ca.crt' }] } });
    expect(checkRestricted(spec)).toEqual([]);
    expect(broker.configText).toContain('server orders.db.example.com:5432;');
    expect(broker.configText).toContain('server 10.20.0.7:6380;');
    expect(broker.configText).toContain('proxy_ssl_name cache.example.com;');
    expect(broker.configText).toContain('proxy_ssl_trusted_certificate /etc/nginx/broker-ca/cache/ca.crt;');
    expect(broker.configText.match(/listen [^;]+;/g)).toEqual(['listen 15000;', 'listen 127.0.0.1:5432;', 'listen 127.0.0.1:6379;']);
    const np = one(objs, 'NetworkPolicy', 'checkout');
    const egress = JSON.stringify(np.spec.egress);
    expect(egress).toContain('{"ipBlock":{"cidr":"10.20.0.7/32"}}');
    expect(egress).toContain('{"port":6380,"protocol":"TCP"}');
    expect(egress).toContain('{"ipBlock":{"cidr":"0.0.0.0/0"}}');
    expect(egress).toContain('{"port":5432,"protocol":"TCP"}');
    expect(egress).not.toContain('6379');
    expect(broker.toMermaid()).toContain('flowchart');
  });

  test('dev from the context value: the in-cluster Services, egress to this namespace and to namespace data, no TLS, no CA volume', () => {
    const chart = Testing.chart();
    chart.node.setContext(ServiceBroker.ENVIRONMENT_CONTEXT_KEY, 'dev');
    const broker = new ServiceBroker(chart, 'checkout', props(chart, { replicas: 3 }));
    const objs = synthValid(chart);
    expect(objs).toMatchSnapshot();
    expect(broker.environment).toBe('dev');
    const dep = one(objs, 'Deployment', 'checkout');
    expect(dep.spec.replicas).toBe(3);
    expect(dep.spec.template.spec.volumes.map((v: any) => v.name)).not.toContain('broker-ca-cache');
    expect(broker.configText).toContain('server postgres:5432;');
    expect(broker.configText).toContain('server redis.data:6379;');
    expect(broker.configText).not.toContain('proxy_ssl');
    const egress = one(objs, 'NetworkPolicy', 'checkout').spec.egress;
    const to = (port: number) => egress.filter((r: any) => r.ports?.some((p: any) => p.port === port)).flatMap((r: any) => r.to);
    expect(to(5432)).toEqual([{ podSelector: {} }]);
    expect(to(6379)).toEqual([{ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'data' } } }]);
  });

  test('the app\'s env is the same in every environment; the config differs', () => {
    const envOf = (environment: string) => {
      const chart = Testing.chart();
      const b = new ServiceBroker(chart, 'checkout', props(chart, { environment }));
      const dep = one(synthValid(chart), 'Deployment', 'checkout');
      return { env: dep.spec.template.spec.containers[0].env, conf: b.configText };
    };
    const [dev, prod] = [envOf('dev'), envOf('prod')];
    expect(dev.env).toEqual(prod.env);
    expect(dev.conf).not.toEqual(prod.conf);
  });

  test('a TCP service with its own ports and a CA from a Secret', () => {
    const chart = Testing.chart();
    const broker = new ServiceBroker(chart, 'legacy', {
      app: { image: 'example/legacy:2.0.0' },
      environment: 'prod',
      services: [{
        name: 'ledger',
        protocol: BrokeredProtocol.TCP,
        localPort: 7000,
        endpoints: { prod: { host: 'ledger.example.com', port: 443, tls: true, tlsCa: BrokerCa.fromSecret(kplus.Secret.fromSecretName(chart, 'LedgerCa', 'ledger-ca')) } },
      }],
    });
    const objs = synthValid(chart);
    const spec = one(objs, 'Deployment', 'legacy').spec.template.spec;
    expect(spec.volumes).toContainEqual({ name: 'broker-ca-ledger', secret: { secretName: 'ledger-ca', items: [{ key: 'ca.crt', path: 'ca.crt' }] } });
    expect(spec.containers[0].env).toEqual([{ name: 'LEDGER_HOST', value: '127.0.0.1' }, { name: 'LEDGER_PORT', value: '7000' }]);
    expect(broker.configText).toContain('listen 127.0.0.1:7000;');
    expect(broker.configText).toContain('server ledger.example.com:443;');
  });
});
