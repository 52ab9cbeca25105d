// The book's service-brokering ambassador (ch. 3, "Using an Ambassador for Service Brokering"): the checkout app
// always talks to 127.0.0.1 — MySQL on DB_HOST:DB_PORT, redis on CACHE_HOST:CACHE_PORT — and an nginx TCP
// ambassador in its pod connects it to the environment's backends: in `staging` a MariaDB and a redis in the
// namespace, in `production` a managed MySQL endpoint and a managed redis spoken to over TLS (verified against the
// provider's CA from a Secret). The same code synthesizes both; the environment is a cdk8s context value.
import { App, Chart, ChartProps } from 'cdk8s';
import * as kplus from 'cdk8s-plus-27';
import { Construct } from 'constructs';
import { BrokerCa, BrokeredProtocol, ServiceBroker } from '../src';

export class ServiceBrokerChart extends Chart {
  constructor(scope: Construct, id: string, props: ChartProps = {}) {
    super(scope, id, props);
    new ServiceBroker(this, 'checkout', {
      app: {
        image: 'ghcr.io/acme/checkout:3.1.0',
        port: 8080,
        readiness: kplus.Probe.fromHttpGet('/healthz', { port: 8080 }),
      },
      services: [
        {
          name: 'db',
          protocol: BrokeredProtocol.MYSQL,
          endpoints: {
            staging: { host: 'mariadb' },
            production: { host: 'orders-db.prod.example.com' },
          },
        },
        {
          name: 'cache',
          protocol: BrokeredProtocol.REDIS,
          endpoints: {
            staging: { host: 'redis' },
            production: {
              host: 'cache.prod.example.com',
              port: 6380,
              tls: true,
              tlsCa: BrokerCa.fromSecret(kplus.Secret.fromSecretName(this, 'CacheCa', 'cache-ca')),
            },
          },
        },
      ],
    });
  }
}

/** The app for one environment (`staging` or `production`): the same charts, another context value. */
export function buildApp(environment = 'staging'): App {
  const app = new App();
  app.node.setContext(ServiceBroker.ENVIRONMENT_CONTEXT_KEY, environment);
  new ServiceBrokerChart(app, 'service-broker', { namespace: 'checkout' });
  return app;
}

if (require.main === module) buildApp(process.env.ENVIRONMENT).synth();
