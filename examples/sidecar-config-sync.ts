// The book's "dynamic configuration" sidecar (chapter 2): the app reads its configuration from a volume that a
// sidecar keeps in sync with a git repository, and the sidecar tells the app to reload after every change.
// Here the app is Prometheus, its configuration the example file of the Prometheus repository at the tag that
// matches the image; git-sync clones it before Prometheus starts and POSTs to /-/reload after each new commit.
// A process inspector shows the CPU and memory of every process in the pod (`kubectl port-forward` to 9256).
import { App, Chart, ChartProps, Duration, Size } from 'cdk8s';
import * as kplus from 'cdk8s-plus-27';
import { Construct } from 'constructs';
import { Sidecar, SidecarPod } from '../src';

export class SidecarConfigSyncChart extends Chart {
  constructor(scope: Construct, id: string, props: ChartProps = {}) {
    super(scope, id, props);

    const prometheus = new SidecarPod(this, 'prometheus', {
      app: {
        image: 'prom/prometheus:v2.55.1',
        args: [
          '--config.file=/etc/prometheus/git/current/documentation/examples/prometheus.yml',
          '--storage.tsdb.path=/prometheus',
          '--web.enable-lifecycle', // lets git-sync trigger a reload with POST /-/reload
        ],
        port: 9090,
        uid: 65534, // the image's user `nobody`
        readiness: kplus.Probe.fromHttpGet('/-/ready'),
        writableDirs: ['/prometheus'],
        resources: {
          cpu: { request: kplus.Cpu.millis(100), limit: kplus.Cpu.millis(1000) },
          memory: { request: Size.mebibytes(256), limit: Size.mebibytes(1024) },
        },
      },
    });
    prometheus.addSidecar(Sidecar.configSync({
      repository: 'https://github.com/prometheus/prometheus.git',
      ref: 'v2.55.1',
      period: Duration.minutes(5),
      mountPath: '/etc/prometheus/git',
      webhookUrl: 'http://127.0.0.1:9090/-/reload',
      sizeLimit: Size.mebibytes(512),
    }));
    prometheus.addSidecar(Sidecar.processInspector());
    prometheus.exposeViaService();
  }
}

/** The example app (also used by the tests and `npx projen examples`). */
export function buildApp(): App {
  const app = new App();
  new SidecarConfigSyncChart(app, 'sidecar-config-sync', { namespace: 'config-sync' });
  return app;
}

if (require.main === module) buildApp().synth();
