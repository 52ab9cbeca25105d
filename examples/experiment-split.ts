// The book's experiment ambassador (ch. 3, "Using an Ambassador to Do Experimentation or Request Splitting"): 10 %
// of users to an experiment, each user sticky to one side. A shared nginx tier in front of the `web` and
// `experiment` Services, sticky by the `user` cookie (the book's advice: an application-level key, not the client
// address, which breaks behind NAT), the same 90/10 as a Gateway API HTTPRoute for the cluster's Gateway, and a
// frontend whose pods carry the split as an in-pod ambassador on localhost.
import { App, Chart, ChartProps } from 'cdk8s';
import * as kplus from 'cdk8s-plus-27';
import { Construct } from 'constructs';
import { RequestSplitter, StickyKey } from '../src';

const SIDES = [
  { name: 'web', host: 'web', port: 80, weight: 9 },
  { name: 'experiment', host: 'experiment', port: 80, weight: 1 },
];

export class ExperimentSplitChart extends Chart {
  constructor(scope: Construct, id: string, props: ChartProps = {}) {
    super(scope, id, props);
    // The shared tier: clients use the Service `shop`; the answer says which side served it.
    const shop = new RequestSplitter(this, 'shop', {
      backends: SIDES,
      stickiness: StickyKey.cookie('user'),
      backendHeader: 'X-Split-Backend',
      replicas: 3,
    });
    // The same weights for a cluster that runs a Gateway (per request: no stickiness in the standard channel).
    shop.addHttpRoute('Route', {
      name: 'shop-gateway',
      parentRefs: [{ name: 'public', namespace: 'gateways', sectionName: 'https' }],
      hostnames: ['shop.example.com'],
    });
    // An in-pod ambassador: the frontend calls SPLIT_URL (http://127.0.0.1:8080) and forwards the user's header.
    new RequestSplitter(this, 'storefront', {
      backends: SIDES,
      stickiness: StickyKey.header('X-User-Id'),
      app: {
        image: 'ghcr.io/acme/storefront:4.2.0',
        port: 3000,
        readiness: kplus.Probe.fromHttpGet('/healthz', { port: 3000 }),
      },
    });
  }
}

export function buildApp(): App {
  const app = new App();
  new ExperimentSplitChart(app, 'experiment-split', { namespace: 'storefront' });
  return app;
}

if (require.main === module) buildApp().synth();
