// The book's first sidecar (chapter 2): HTTPS added to a legacy service that only speaks plain HTTP, without
// touching it. nginx in the same pod terminates TLS with the certificate of a Secret and proxies to the app on
// 127.0.0.1; the Service exposes only HTTPS (and a redirect from plain HTTP), never the app's own port.
import { App, Chart, ChartProps } from 'cdk8s';
import * as kplus from 'cdk8s-plus-27';
import { Construct } from 'constructs';
import { Sidecar, SidecarPod } from '../src';

export class SidecarHttpsChart extends Chart {
  constructor(scope: Construct, id: string, props: ChartProps = {}) {
    super(scope, id, props);

    // A kubernetes.io/tls Secret (tls.crt, tls.key), e.g. issued by cert-manager for legacy.<namespace>.svc.
    const certificate = kplus.Secret.fromSecretName(this, 'certificate', 'legacy-tls');

    // The "legacy" app: a plain-HTTP server on port 5678 (hashicorp/http-echo runs as the distroless nonroot
    // user 65532 and writes nothing, so it needs no writable directory).
    const legacy = new SidecarPod(this, 'legacy', {
      app: {
        image: 'hashicorp/http-echo:1.0.0',
        args: ['-listen=:5678', '-text=hello from a legacy HTTP service'],
        port: 5678,
        uid: 65532,
        writableDirs: [],
      },
      replicas: 2,
    });
    legacy.addSidecar(Sidecar.httpsTerminator({ secret: certificate, redirectHttpPort: 8080 }));
    legacy.exposeViaService();
  }
}

/** The example app (also used by the tests and `npx projen examples`). */
export function buildApp(): App {
  const app = new App();
  new SidecarHttpsChart(app, 'sidecar-https');
  return app;
}

if (require.main === module) buildApp().synth();
