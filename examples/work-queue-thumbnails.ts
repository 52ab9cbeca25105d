// Thumbnails for a photo store, two ways, with WorkQueueJobs:
//  - `thumbnails`: uploads arrive all day; a seeder puts today's backlog on a Redis queue and KEDA starts jobs as
//    the queue grows (scale to zero between bursts). Each worker runs the library's Node reference worker, which
//    follows the queue contract (lease, renew, settle) and runs ImageMagick's `convert` per item. A worker that
//    dies loses nothing: the reaper CronJob puts its item back when the lease runs out. A photo that fails four
//    times (a corrupt upload) goes to the dead-letter list instead of being retried forever.
//  - `archive`: a fixed list of old albums re-rendered by an Indexed Job, one pod per item, as a chain of three
//    containers over a shared directory (fetch → resize → upload): the book's multi-worker. No Redis, and the
//    containers know nothing of queues: each reads its item from $WORK_ITEM_FILE.
// Both run on the `batch` node pool with the `media-uploader` ServiceAccount (workload identity for the photo store),
// set once in `pod` and applied to every pod each construct makes. The live queue runs on Valkey.
// node:22.11.0-bookworm is the official Node image on buildpack-deps, which carries curl and ImageMagick.
import { App, Chart, ChartProps, Duration, Size } from 'cdk8s';
import * as kplus from 'cdk8s-plus-27';
import { Construct } from 'constructs';
import { NetworkPeer, NetworkPolicyOptions, PodOptions, QueueEngine, RedisAuth, WorkerMode, WorkItems, WorkQueueJobs } from '../src';

const STORE = 'http://photo-store.media.svc.cluster.local:9000';
const IMAGE = 'node:22.11.0-bookworm';
const RESOURCES: kplus.ContainerResources = {
  cpu: { request: kplus.Cpu.millis(250), limit: kplus.Cpu.millis(1000) },
  memory: { request: Size.mebibytes(256), limit: Size.mebibytes(512) },
};

export class ThumbnailsChart extends Chart {
  constructor(scope: Construct, id: string, props: ChartProps = {}) {
    super(scope, id, { namespace: 'media', ...props });
    const pod: PodOptions = {
      // the account the platform binds to the photo store's credentials (workload identity); no token is mounted
      serviceAccount: new kplus.ServiceAccount(this, 'uploader', { metadata: { name: 'media-uploader' } }),
      nodeSelector: { 'node-pool': 'batch' },
      tolerations: [{ key: 'dedicated', operator: 'Equal', value: 'batch', effect: 'NoSchedule' }],
    };
    const env = { STORE: kplus.EnvValue.fromValue(STORE) };
    // Each construct's NetworkPolicies allow its own traffic only (the queue reachable from its seeder, workers and
    // reaper); the workers' own traffic is the photo store, on its port.
    const networkPolicy: NetworkPolicyOptions = {
      extraEgress: [{ peer: NetworkPeer.pods({ 'app.kubernetes.io/name': 'photo-store' }), ports: [{ port: 9000 }] }],
    };

    const backlog = Array.from({ length: 48 }, (_, i) => `uploads/2024-11-02/IMG_${String(4100 + i).padStart(4, '0')}.jpg`);
    new WorkQueueJobs(this, 'thumbnails', {
      items: WorkItems.fromList(backlog),
      mode: WorkerMode.scaledJob({ maxReplicas: 20, itemsPerJob: 10, pollingInterval: Duration.seconds(15) }),
      queueEngine: QueueEngine.VALKEY,
      queueAuth: RedisAuth.fromSecret(kplus.Secret.fromSecretName(this, 'queue-password', 'thumbnails-queue'), 'password'),
      lease: Duration.minutes(2),
      maxAttempts: 4,
      retryBackoff: Duration.seconds(30),
      activeDeadline: Duration.hours(1),
      partOf: 'photo-store',
      pod,
      networkPolicy,
      worker: {
        image: IMAGE,
        command: ['node', '/etc/work-queue/scripts/worker.js', 'sh', '-c', [
          'set -eu',
          'curl -fsS -o "$WORK_DIR/in.jpg" "$STORE/$WORK_ITEM"',
          'convert "$WORK_DIR/in.jpg" -auto-orient -thumbnail 320x320 -strip "$WORK_DIR/thumb.jpg"',
          'curl -fsS -T "$WORK_DIR/thumb.jpg" "$STORE/thumbs/$WORK_ITEM"',
        ].join('\n')],
        env,
        resources: RESOURCES,
      },
    });

    const albums = ['2019/lisbon', '2019/porto', '2020/alps', '2021/iceland', '2022/kyoto', '2023/patagonia'];
    new WorkQueueJobs(this, 'archive', {
      items: WorkItems.fromList(albums.flatMap((a) => Array.from({ length: 8 }, (_, i) => `archive/${a}/${String(i + 1).padStart(3, '0')}.jpg`))),
      mode: WorkerMode.indexed({ parallelism: 6 }),
      backoffLimit: 10,
      partOf: 'photo-store',
      pod,
      networkPolicy,
      stages: [
        {
          name: 'fetch',
          image: IMAGE,
          command: ['sh', '-c', 'curl -fsS -o "$WORK_DIR/in.jpg" "$STORE/$(cat "$WORK_ITEM_FILE")"'],
          env,
          resources: RESOURCES,
        },
        {
          name: 'resize',
          image: IMAGE,
          command: ['sh', '-c', 'convert "$WORK_DIR/in.jpg" -auto-orient -thumbnail 320x320 -strip "$WORK_DIR/thumb.jpg"'],
          resources: RESOURCES,
        },
      ],
      worker: {
        image: IMAGE,
        command: ['sh', '-c', 'curl -fsS -T "$WORK_DIR/thumb.jpg" "$STORE/thumbs/$(cat "$WORK_ITEM_FILE")"'],
        env,
        resources: RESOURCES,
      },
    });
  }
}

/** The example app (also used by the tests and `npx projen examples`). */
export function buildApp(): App {
  const app = new App();
  new ThumbnailsChart(app, 'work-queue-thumbnails');
  return app;
}

if (require.main === module) buildApp().synth();
