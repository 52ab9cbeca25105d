// Functions and event pipelines (book ch. 8; the sign-up flow of ch. 11). A sign-up pipeline: `create-user`
// (Python) validates and creates the user and calls the welcome mail (Node) for every sign-up and the two-factor
// SMS (Python, a fake-able provider whose token is a Secret reference) only when the sign-up has a phone; what
// cannot be delivered after 3 attempts goes to the `dead-letters` sink. In front of an existing orders API, the
// book's request-defaulting decorator. Plain Deployments + HPAs here (no FaaS on the cluster); `engine:
// FunctionEngine.KNATIVE` renders the same handlers as Knative Services.
//
// Its blueprint, `pipeline.toMermaid()`, is in the README.
import * as path from 'path';
import { App, Chart, ChartProps, Duration } from 'cdk8s';
import * as kplus from 'cdk8s-plus-27';
import { Construct } from 'constructs';
import { FunctionCode, FunctionDecorator, FunctionPipeline, NetworkPeer } from '../src';

const HANDLERS = path.join(__dirname, 'functions-signup');

/** The sign-up's functions (the same on both deliveries): create-user → welcome-email always, two-factor with a phone. */
export function addSignupFunctions(pipeline: FunctionPipeline, smsToken: kplus.ISecret): void {
  pipeline.addFunction('create-user', {
    code: FunctionCode.fromFile(path.join(HANDLERS, 'create_user.py')),
    successors: [{ target: 'welcome-email' }, { target: 'two-factor', when: 'phone' }],
    timeout: Duration.seconds(5),
  });
  pipeline.addFunction('welcome-email', { code: FunctionCode.fromFile(path.join(HANDLERS, 'welcome_email.js')) });
  pipeline.addFunction('two-factor', {
    code: FunctionCode.fromFile(path.join(HANDLERS, 'two_factor.py')),
    env: {
      SMS_PROVIDER_URL: kplus.EnvValue.fromValue('http://sms-provider'),
      SMS_PROVIDER_TOKEN: kplus.EnvValue.fromSecretValue({ secret: smsToken, key: 'token' }),
    },
  });
}

export class SignupChart extends Chart {
  public readonly pipeline: FunctionPipeline;

  constructor(scope: Construct, id: string, props: ChartProps = {}) {
    super(scope, id, props);
    const smsToken = kplus.Secret.fromSecretName(this, 'SmsToken', 'sms-provider');
    this.pipeline = new FunctionPipeline(this, 'signup', {
      name: 'signup',
      deadLetter: 'dead-letters',
      deliveryAttempts: 3,
      retryBackoff: Duration.millis(200),
      // two-factor calls the SMS provider's pods (every function's policy gets the extra edges).
      networkPolicy: { extraEgress: [{ peer: NetworkPeer.pods({ 'app.kubernetes.io/name': 'sms-provider' }), ports: [{ port: 8080 }] }] },
    });
    addSignupFunctions(this.pipeline, smsToken);
    this.pipeline.addFunction('dead-letters', { code: FunctionCode.fromFile(path.join(HANDLERS, 'dead_letters.js')), maxScale: 1 });

    // The decorator: defaults for requests to an existing orders API.
    const orders = new kplus.Service(this, 'Orders', {
      metadata: {
        name: 'orders',
        // The existing API the decorator fronts: its pods are another team's chart, not in this app.
        annotations: {
          'ignore-check.kube-linter.io/dangling-service': "the existing orders API the decorator fronts; its pods are deployed by another team's chart",
          'kube-score/ignore': 'service-targets-pod',
        },
      },
      selector: kplus.Pods.select(this, 'OrdersPods', { labels: { 'app.kubernetes.io/name': 'orders' } }),
      ports: [{ port: 80, targetPort: 8080 }],
    });
    new FunctionDecorator(this, 'order-defaults', {
      name: 'order-defaults',
      code: FunctionCode.fromFile(path.join(HANDLERS, 'defaults.py')),
      target: orders,
    });
  }
}

export function buildApp(): App {
  const app = new App();
  new SignupChart(app, 'functions-signup', { namespace: 'signup' });
  return app;
}
