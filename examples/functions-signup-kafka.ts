// The sign-up pipeline of `functions-signup.ts` (book ch. 8 and 11) delivered through Kafka topics instead of
// direct HTTP calls: the same handlers, and `delivery: PipelineDelivery.kafka()`. Sign-ups are produced to the
// topic `signup.create-user`; each function's stage (a `KafkaWorkflow` stage of the stream processor) calls the
// function with each event of its topic and writes the answer to its successors' topics — `welcome-email` always,
// `two-factor` when the event has a `phone` — with 3 attempts per call, then the topic `signup.dead-letter`.
// The workflow runs its own one-broker KRaft cluster here (`KafkaCluster.strimzi()` or `.external()` for a real one).
//
// Its blueprint, `pipeline.toMermaid()`, is in the README.
import * as path from 'path';
import { App, Chart, ChartProps, Duration } from 'cdk8s';
import * as kplus from 'cdk8s-plus-27';
import { Construct } from 'constructs';
import { FunctionCode, FunctionPipeline, KafkaCluster, NetworkPeer, PipelineDelivery } from '../src';

const HANDLERS = path.join(__dirname, 'functions-signup');

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
    this.pipeline.addFunction('create-user', {
      code: FunctionCode.fromFile(path.join(HANDLERS, 'create_user.py')),
      successors: [{ target: 'welcome-email' }, { target: 'two-factor', when: 'phone' }],
      timeout: Duration.seconds(5),
    });
    this.pipeline.addFunction('welcome-email', { code: FunctionCode.fromFile(path.join(HANDLERS, 'welcome_email.js')) });
    this.pipeline.addFunction('two-factor', {
      code: FunctionCode.fromFile(path.join(HANDLERS, 'two_factor.py')),
      env: {
        SMS_PROVIDER_URL: kplus.EnvValue.fromValue('http://sms-provider'),
        SMS_PROVIDER_TOKEN: kplus.EnvValue.fromSecretValue({ secret: smsToken, key: 'token' }),
      },
      kafkaStage: { replicas: 1 },
    });
  }
}

export function buildApp(): App {
  const app = new App();
  new SignupKafkaChart(app, 'functions-signup-kafka');
  return app;
}
