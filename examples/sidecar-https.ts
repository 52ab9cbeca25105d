// The book's first sidecar (chapter 2): HTTPS added to a legacy service that only speaks plain HTTP, without
// touching it. nginx in the same pod terminates TLS with the certificate of a Secret and proxies to the app on
// 127.0.0.1; the Service exposes only HTTPS (and a redirect from plain HTTP), never the app's own port. The app
// binds 127.0.0.1 only, so nothing outside the pod can reach its plain port, and the NetworkPolicy admits the
// clients (here: this namespace and the ingress controller's) to the TLS and redirect ports only.
import { ApiObject, App, Chart, ChartProps } from 'cdk8s';
import * as kplus from 'cdk8s-plus-27';
import { Construct } from 'constructs';
import { NetworkPeer, Sidecar, SidecarPod } from '../src';

export class SidecarHttpsChart extends Chart {
  constructor(scope: Construct, id: string, props: ChartProps = {}) {
    super(scope, id, props);

    // A kubernetes.io/tls Secret (tls.crt, tls.key), e.g. issued by cert-manager for legacy.<namespace>.svc.
    const certificate = kplus.Secret.fromSecretName(this, 'certificate', 'legacy-tls');

    // The "legacy" app: a plain-HTTP server on 127.0.0.1:5678 (hashicorp/http-echo runs as the distroless nonroot
    // user 65532 and writes nothing, so it needs no writable directory). Bound to the loopback, the kubelet cannot
    // probe it on the pod IP: its readiness is a request through the terminator, which proves the whole path.
    const legacy = new SidecarPod(this, 'legacy', {
      app: {
        image: 'hashicorp/http-echo:1.0.0',
        args: ['-listen=127.0.0.1:5678', '-text=hello from a legacy HTTP service'],
        port: 5678,
        uid: 65532,
        writableDirs: [],
        readiness: kplus.Probe.fromHttpGet('/', { port: 8443, scheme: kplus.ConnectionScheme.HTTPS }),
      },
      replicas: 2,
      networkPolicy: { clients: [NetworkPeer.sameNamespace(), NetworkPeer.namespace('ingress-nginx')] },
    });
    // kube-linter expects a probe's port among its own container's; this one is the terminator's, on purpose.
    ApiObject.of(legacy.deployment).metadata.addAnnotation('ignore-check.kube-linter.io/readiness-port',
      "the app listens on 127.0.0.1 only: its readiness goes through the HTTPS terminator's port 8443 in the same pod");
    legacy.addSidecar(Sidecar.httpsTerminator({ secret: certificate, redirectHttpPort: 8080 }));
    legacy.exposeViaService();
  }
}

/** The example app (also used by the tests and `npx projen examples`). */
export function buildApp(): App {
  const app = new App();
  new SidecarHttpsChart(app, 'sidecar-https', { namespace: 'legacy' });
  return app;
}

if (require.main === module) buildApp().synth();
