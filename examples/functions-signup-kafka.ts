// The sign-up pipeline of `functions-signup.ts` (book ch. 8 and 11) delivered through Kafka topics instead of
// direct HTTP calls: the same handlers, and `delivery: PipelineDelivery.kafka()`. Sign-ups are produced to the
// topic `signup.create-user`; each function's stage (a `KafkaWorkflow` stage of the stream processor) calls the
// function with each event of its topic and writes the answer to its successors' topics — `welcome-email` always,
// `two-factor` when the event has a `phone` — with 3 attempts per call, then the topic `signup.dead-letter`.
// The workflow runs its own one-broker KRaft cluster here (`KafkaCluster.strimzi()` or `.external()` for a real one).
//
// Its blueprint, `pipeline.toMermaid()`, is in the README.
import { App, Chart, ChartProps, Duration } from 'cdk8s';
import * as kplus from 'cdk8s-plus-27';
import { Construct } from 'constructs';
import { addSignupFunctions } from './functions-signup';
import { FunctionPipeline, KafkaCluster, NetworkPeer, PipelineDelivery } from '../src';

export class SignupKafkaChart extends Chart {
  public readonly pipeline: FunctionPipeline;

  constructor(scope: Construct, id: string, props: ChartProps = {}) {
    super(scope, id, props);
    const smsToken = kplus.Secret.fromSecretName(this, 'SmsToken', 'sms-provider');
    this.pipeline = new FunctionPipeline(this, 'signup', {
      name: 'signup',
      delivery: PipelineDelivery.kafka({ cluster: KafkaCluster.embedded({ brokers: 1 }), partitions: 3 }),
      deliveryAttempts: 3,
      retryBackoff: Duration.millis(200),
      networkPolicy: { extraEgress: [{ peer: NetworkPeer.pods({ 'app.kubernetes.io/name': 'sms-provider' }), ports: [{ port: 8080 }] }] },
    });
    addSignupFunctions(this.pipeline, smsToken);
  }
}

export function buildApp(): App {
  const app = new App();
  new SignupKafkaChart(app, 'functions-signup-kafka', { namespace: 'signup-kafka' });
  return app;
}
