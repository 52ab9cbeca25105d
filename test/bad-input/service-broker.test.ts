// ServiceBroker: bad input fails at synthesis with the construct path, the prop, the value and what is allowed
// (issue 18) — typed mistakes and the same props as a JavaScript or Python caller may pass them.
import { Chart } from 'cdk8s';
import * as kplus from 'cdk8s-plus-27';
import { BrokerCa, BrokeredProtocol, ServiceBroker, ServiceBrokerProps } from '../../src';
import { BadInput, badInputs } from '../harness/bad-input';

const AT = "ServiceBroker 'test/broker'";
const APP = { image: 'example/checkout:1.0.0', port: 8080 };
const DB = { name: 'db', protocol: BrokeredProtocol.MYSQL, endpoints: { dev: { host: 'mariadb' }, prod: { host: 'db.prod.example.com' } } };
const CACHE = { name: 'cache', protocol: BrokeredProtocol.REDIS, endpoints: { dev: { host: 'redis' }, prod: { host: 'cache.prod.example.com', port: 6380, tls: true } } };

function broker(chart: Chart, props: Partial<ServiceBrokerProps> | any = {}): ServiceBroker {
  return new ServiceBroker(chart, 'broker', { app: APP, services: [DB, CACHE], environment: 'dev', ...props });
}
const withEndpoint = (service: any, env: string, change: any) => ({
  ...service, endpoints: { ...service.endpoints, [env]: { ...service.endpoints[env], ...change } },
});
const secretCa = (c: Chart) => BrokerCa.fromSecret(kplus.Secret.fromSecretName(c, 'Ca', 'cache-ca'));

const cases: BadInput[] = [
  // environments
  { class: 'choice', what: 'an unknown environment selected', build: (c) => broker(c, { environment: 'qa' }), message: `${AT}: 'environment' must be one of 'dev', 'prod' (the environments the services' endpoints name), got 'qa'` },
  { class: 'choice', what: 'no environment selected (no prop, no context value)', build: (c) => broker(c, { environment: undefined }), message: `${AT}: 'environment' must be one of 'dev', 'prod' (the environments the services' endpoints name), given as the prop or the context value 'cdk8s-distributed-patterns:environment', got undefined` },
  { class: 'choice', what: 'an unknown environment in the context value', build: (c) => { c.node.setContext(ServiceBroker.ENVIRONMENT_CONTEXT_KEY, 'Prod'); broker(c, { environment: undefined }); }, message: "'context cdk8s-distributed-patterns:environment' must be one of 'dev', 'prod' (the environments the services' endpoints name), got 'Prod'" },
  { class: 'choice', what: 'an environment with no endpoint for one service', build: (c) => broker(c, { services: [DB, { ...CACHE, endpoints: { dev: CACHE.endpoints.dev } }] }), message: `${AT}: 'services[1].endpoints.prod' must be an endpoint for every environment ('dev', 'prod'): 'cache' has none for 'prod', got undefined` },
  { class: 'count', what: 'a service with no environment', build: (c) => broker(c, { services: [{ ...DB, endpoints: {} }] }), message: "'services[0].endpoints' must be a map of environment name → BrokerEndpoint with at least one environment (e.g. { dev: { host: 'mysql' } }), got {}" },
  { class: 'name', what: 'an environment name that is no DNS label', build: (c) => broker(c, { services: [{ ...DB, endpoints: { Dev_1: { host: 'mariadb' } } }] }), message: "'services[0].endpoints' must be environment names that are DNS-1123 labels (lowercase letters, digits and '-'), got 'Dev_1'" },
  { class: 'untyped', what: 'an endpoint that is a string (JavaScript/Python)', build: (c) => broker(c, { services: [{ ...DB, endpoints: { dev: 'mariadb:3306' } }] }), message: "'services[0].endpoints.dev' must be a BrokerEndpoint ({ host, port?, tls? }), got 'mariadb:3306'" },
  // services
  { class: 'count', what: 'no services', build: (c) => broker(c, { services: [] }), message: `${AT}: 'services' must be a list of at least one BrokeredService ({ name, protocol, endpoints }), got []` },
  { class: 'choice', what: 'an unknown protocol', build: (c) => broker(c, { services: [{ ...DB, protocol: 'mongodb' }] }), message: "'services[0].protocol' must be a BrokeredProtocol ('mysql', 'postgresql', 'redis', 'tcp'), got 'mongodb'" },
  { class: 'name', what: 'two services with one name', build: (c) => broker(c, { services: [DB, { ...CACHE, name: 'db' }] }), message: "'services' must be routes with distinct names, got 'db'" },
  { class: 'name', what: 'a service name with a dash (no env variable name)', build: (c) => broker(c, { services: [{ ...DB, name: 'orders-db' }] }), message: "'services[0].name' must be a name of lowercase letters, digits and '_', starting with a letter (at most 40), got 'orders-db'" },
  { class: 'port', what: 'two services on one local port', build: (c) => broker(c, { services: [DB, { ...CACHE, localPort: 3306 }] }), message: "'services' must be routes on distinct ports, got 3306" },
  { class: 'port', what: 'a privileged local port', build: (c) => broker(c, { services: [{ ...DB, localPort: 306 }] }), message: "'services[0].localPort' must be an integer from 1024 to 65535, got 306" },
  { class: 'port', what: 'a local port the app listens on', build: (c) => broker(c, { app: { ...APP, port: 6379 } }), message: "'services[1].localPort' must be a port no other container of the pod listens on" },
  { class: 'port', what: 'a TCP service without a local port', build: (c) => broker(c, { services: [{ name: 'ledger', protocol: BrokeredProtocol.TCP, endpoints: { dev: { host: 'ledger', port: 7000 } } }] }), message: "'services[0].localPort' must be the port the app connects to (BrokeredProtocol.TCP has no default), got undefined" },
  { class: 'port', what: 'a TCP endpoint without a port', build: (c) => broker(c, { services: [{ name: 'ledger', protocol: BrokeredProtocol.TCP, localPort: 7000, endpoints: { dev: { host: 'ledger' } } }] }), message: "'services[0].endpoints.dev.port' must be the backend's port (BrokeredProtocol.TCP has no default), got undefined" },
  // endpoints: every environment's is checked, not only the chosen one
  { class: 'name', what: 'a host with a port in it (in the environment not chosen)', build: (c) => broker(c, { services: [withEndpoint(DB, 'prod', { host: 'db.prod.example.com:3306' }), CACHE] }), message: `${AT}: 'services[0].endpoints.prod.host' must be a DNS name (lowercase) or an IPv4 address, without a port, got 'db.prod.example.com:3306'` },
  { class: 'name', what: 'a host in upper case', build: (c) => broker(c, { services: [withEndpoint(DB, 'dev', { host: 'MariaDB' }), CACHE] }), message: "'services[0].endpoints.dev.host' must be a DNS name (lowercase) or an IPv4 address, without a port, got 'MariaDB'" },
  { class: 'name', what: 'an IPv4 address out of range', build: (c) => broker(c, { services: [withEndpoint(DB, 'dev', { host: '10.0.0.256' }), CACHE] }), message: "'services[0].endpoints.dev.host' must be a DNS name (lowercase) or an IPv4 address, without a port, got '10.0.0.256'" },
  { class: 'port', what: 'a backend port 0', build: (c) => broker(c, { services: [withEndpoint(DB, 'prod', { port: 0 }), CACHE] }), message: "'services[0].endpoints.prod.port' must be an integer from 1 to 65535, got 0" },
  { class: 'untyped', what: 'a backend port as a string', build: (c) => broker(c, { services: [withEndpoint(DB, 'prod', { port: '3306' }), CACHE] }), message: "'services[0].endpoints.prod.port' must be an integer from 1 to 65535, got '3306'" },
  // TLS
  { class: 'choice', what: 'TLS to a MySQL backend (negotiated inside its protocol)', build: (c) => broker(c, { services: [withEndpoint(DB, 'prod', { tls: true }), CACHE] }), message: "'services[0].endpoints.prod.tls' must be false for BrokeredProtocol.MYSQL (MySQL negotiates TLS inside its protocol: use your client's own TLS (ssl-mode), which passes through), got true" },
  { class: 'choice', what: 'TLS to a PostgreSQL backend', build: (c) => broker(c, { services: [{ ...DB, protocol: BrokeredProtocol.POSTGRESQL, endpoints: { dev: { host: 'postgres', tls: true } } }] }), message: "'services[0].endpoints.dev.tls' must be false for BrokeredProtocol.POSTGRESQL (PostgreSQL negotiates TLS inside its protocol" },
  { class: 'choice', what: 'a TLS server name without TLS', build: (c) => broker(c, { services: [DB, withEndpoint(CACHE, 'dev', { tlsServerName: 'redis.example.com' })] }), message: `${AT}: 'services[1].endpoints.dev.tlsServerName' must be unset without 'tls: true', got 'redis.example.com'` },
  { class: 'choice', what: 'a CA without TLS', build: (c) => broker(c, { services: [DB, withEndpoint(CACHE, 'dev', { tlsCa: secretCa(c) })] }), message: "'services[1].endpoints.dev.tlsCa' must be unset without 'tls: true', got 'the key ca.crt of the Secret cache-ca'" },
  { class: 'untyped', what: 'tls as a string', build: (c) => broker(c, { services: [DB, withEndpoint(CACHE, 'prod', { tls: 'true' })] }), message: "'services[1].endpoints.prod.tls' must be true or false, got 'true'" },
  { class: 'untyped', what: 'a CA given as a path (JavaScript/Python)', build: (c) => broker(c, { services: [DB, withEndpoint(CACHE, 'prod', { tlsCa: '/etc/ssl/ca.pem' })] }), message: "'services[1].endpoints.prod.tlsCa' must be a BrokerCa (BrokerCa.fromSecret(secret, key?), BrokerCa.fromConfigMap(configMap, key?)), got '/etc/ssl/ca.pem'" },
  { class: 'secret', what: 'a CA key that no Secret can have', build: (c) => broker(c, { services: [DB, withEndpoint(CACHE, 'prod', { tlsCa: BrokerCa.fromSecret(kplus.Secret.fromSecretName(c, 'Ca', 'cache-ca'), 'ca/crt') })] }), message: "'services[1].endpoints.prod.tlsCa' must be a key of letters, digits, '-', '_' and '.', got 'ca/crt'" },
  { class: 'name', what: 'a TLS server name with a scheme', build: (c) => broker(c, { services: [DB, withEndpoint(CACHE, 'prod', { tlsServerName: 'https://cache.example.com' })] }), message: "'services[1].endpoints.prod.tlsServerName' must be a DNS name (lowercase) or an IPv4 address, got 'https://cache.example.com'" },
  // the rest
  { class: 'port', what: 'the health port on a local port', build: (c) => broker(c, { healthPort: 3306 }), message: "'healthPort' must be a port no route listens on, got 3306" },
  { class: 'duration', what: 'a connect timeout below a second', build: (c) => broker(c, { connectTimeout: { toMilliseconds: () => 500 } as any }), message: "'connectTimeout' must be a whole number of seconds from 1 to 600" },
  { class: 'count', what: 'replicas 0', build: (c) => broker(c, { replicas: 0 }), message: "'replicas' must be an integer from 1 to 1000, got 0" },
  { class: 'env', what: 'an app env that the broker sets', build: (c) => broker(c, { app: { ...APP, env: { DB_PORT: kplus.EnvValue.fromValue('5432') } } }), message: "'app.env'" },
  { class: 'image', what: 'an unpinned app image', build: (c) => broker(c, { app: { image: 'example/checkout' } }), message: "'app.image'" },
  { class: 'untyped', what: 'no props (JavaScript)', build: (c) => new (ServiceBroker as any)(c, 'broker'), message: `${AT}: 'props' must be a ServiceBrokerProps object, got undefined` },
];

badInputs('ServiceBroker', cases);
