// A KafkaWorkflow whose embedded 3-node KRaft cluster speaks SASL_SSL on every listener (`KafkaSecurity.saslSsl`):
// TLS with the brokers' certificate, SASL/PLAIN with the passwords of a Secret; the stages and the topics Job
// connect with the CA and the `client` user. The two Secrets are made out of band, e.g. with cert-manager (a
// `Certificate` for `*.orders-kafka.orders-secure.svc` and `*.orders-kafka.orders-secure.svc.cluster.local`,
// `secretName: orders-kafka-tls`, `privateKey: { encoding: PKCS8 }`) and
//   kubectl -n orders-secure create secret generic orders-kafka-passwords \
//     --from-literal=broker-password="$(openssl rand -base64 24)" --from-literal=client-password="$(openssl rand -base64 24)"
// `npx ts-node examples/kafka-secured-orders.ts` writes the manifests.
import { App, Chart, ChartProps } from 'cdk8s';
import * as kplus from 'cdk8s-plus-27';
import { Construct } from 'constructs';
import { KafkaCluster, KafkaSecurity, KafkaWorkflow, NetworkPeer } from '../src';

export class SecuredOrdersChart extends Chart {
  public readonly workflow: KafkaWorkflow;

  constructor(scope: Construct, id: string, props: ChartProps = {}) {
    super(scope, id, props);
    const security = KafkaSecurity.saslSsl({
      tlsSecret: kplus.Secret.fromSecretName(this, 'KafkaTls', 'orders-kafka-tls'),
      passwordsSecret: kplus.Secret.fromSecretName(this, 'KafkaPasswords', 'orders-kafka-passwords'),
    });
    const wf = new KafkaWorkflow(this, 'orders', {
      cluster: KafkaCluster.embedded({ brokers: 3, security }),
      deadLetterTopic: 'orders.dead-letter',
      // the checkout service produces the orders (with the client password and the CA, like the stages)
      networkPolicy: { clients: [NetworkPeer.pods({ 'app.kubernetes.io/name': 'checkout' })] },
    });
    this.workflow = wf;
    wf.addTopic('orders', { partitions: 6, source: true });
    wf.addTopic('orders.dead-letter', { partitions: 1, sink: true });
    wf.addTopic('orders.paid', { partitions: 6, sink: true });
    wf.addTopic('orders.large', { partitions: 3, sink: true });
    wf.addFilter('paid', { input: 'orders', output: 'orders.paid', condition: 'this.status == "paid"' });
    wf.addFilter('large', { input: 'orders', output: 'orders.large', condition: 'this.total_cents >= 100000' });
  }
}

/** The example app (also used by the tests and `npx projen examples`). */
export function buildApp(): App {
  const app = new App();
  new SecuredOrdersChart(app, 'kafka-secured-orders', { namespace: 'orders-secure' });
  return app;
}

if (require.main === module) buildApp().synth();
