// Ownership election (book ch. 9): two apps that must not do their work twice.
//
// - `scheduler`: one active replica with two hot standbys. Only the owner runs the schedule and serves the API
//   behind the owner Service (its sidecar writes the Service's Endpoints); if the owner hangs past the renew
//   deadline, its sidecar reports "not owner" and the kubelet restarts the app (OwnershipLossAction.RESTART_APP).
//   The app is a small real program (run by the official node image from a ConfigMap): every tick it reads the
//   sidecar's file and acts only while `owner` is true and `expiresAt` is ahead of its own clock, and it stamps what
//   it does with the fencing token.
// - `ingest`: 12 shards of work over 3 replicas; each replica owns 4 and asks the sidecar which.
import { App, Chart, ChartProps } from 'cdk8s';
import * as kplus from 'cdk8s-plus-27';
import { Construct } from 'constructs';
import { ContainerImages, ImageKey, OwnershipElection, OwnershipLossAction } from '../src';

/** The scheduler: acts only as the owner, with the fencing token on everything it does. */
export const SCHEDULER = `'use strict';
const fs = require('fs');
const http = require('http');

// The sidecar's report: { owner, token, expiresAt, ... }. expiresAt is the owner's own renew deadline, on this
// node's clock: past it, the sidecar may be hung, so the app must stop even if the file still says "owner".
function ownership() {
  try {
    const o = JSON.parse(fs.readFileSync(process.env.ELECTION_FILE, 'utf8'));
    return o.owner && o.expiresAt > Date.now() ? o : undefined;
  } catch (e) {
    return undefined;
  }
}

setInterval(function () {
  const o = ownership();
  // A real scheduler would start its jobs here, passing o.token to every store it writes (fencing).
  if (o) console.log(new Date().toISOString(), 'tick as the owner, fencing token', o.token);
}, 5000);

http.createServer(function (req, res) {
  if (req.url === '/healthz') return res.end('ok\\n');
  const o = ownership();
  res.writeHead(o ? 200 : 503, { 'content-type': 'application/json' });
  res.end(JSON.stringify({ owner: Boolean(o), token: o ? o.token : null }) + '\\n');
}).listen(8080);
`;

export class OwnershipElectionChart extends Chart {
  constructor(scope: Construct, id: string, props: ChartProps = {}) {
    super(scope, id, props);

    const code = new kplus.ConfigMap(this, 'SchedulerCode', {
      metadata: { name: 'scheduler-code' },
      data: { 'scheduler.js': SCHEDULER },
    });
    const scheduler = new OwnershipElection(this, 'scheduler', {
      app: {
        image: ContainerImages.defaultImage(ImageKey.NODE),
        command: ['node', '/app/scheduler.js'],
        port: 8080,
        readiness: kplus.Probe.fromHttpGet('/healthz'),
      },
      replicas: 3,
      ownerService: true,
      onLoss: OwnershipLossAction.RESTART_APP,
    });
    scheduler.appContainer.mount('/app', kplus.Volume.fromConfigMap(this, 'SchedulerCodeVolume', code, { name: 'code' }), { readOnly: true });

    new OwnershipElection(this, 'ingest', {
      app: {
        image: 'ghcr.io/acme/ingest-worker:3.4.1',
        readiness: kplus.Probe.fromCommand(['cat', '/var/run/election/ownership.json']),
        liveness: kplus.Probe.fromCommand(['cat', '/var/run/election/ownership.json']),
      },
      replicas: 3,
      shards: 12,
    });
  }
}

export function buildApp(): App {
  const app = new App();
  new OwnershipElectionChart(app, 'ownership-election', { namespace: 'election' });
  return app;
}
