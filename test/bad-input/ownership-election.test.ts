// Bad input for OwnershipElection: each case fails at construction with the construct's path, the prop and the value.
import { Duration } from 'cdk8s';
import * as kplus from 'cdk8s-plus-27';
import { OwnershipElection, OwnershipElectionProps, OwnershipLossAction } from '../../src';
import { badInputs } from '../harness/bad-input';

const APP = { image: 'ghcr.io/acme/scheduler:2.1.0', port: 8080 };
const build = (props: Partial<OwnershipElectionProps>) => (chart: any) => new OwnershipElection(chart, 'x', { app: APP, ...props } as any);

badInputs('OwnershipElection', [
  // the list
  { class: 'timing', what: 'the renew deadline equals the lease duration', build: build({ leaseDuration: Duration.seconds(10), renewDeadline: Duration.seconds(10) }), message: "'renewDeadline' must be less than 'leaseDuration' (10000ms), so an owner stops before anyone else may start, got '10000ms'" },
  { class: 'timing', what: 'the renew deadline exceeds the lease duration', build: build({ leaseDuration: Duration.seconds(5), renewDeadline: Duration.seconds(8), retryPeriod: Duration.seconds(1) }), message: "'renewDeadline' must be less than 'leaseDuration' (5000ms)" },
  { class: 'timing', what: 'the retry period is too close to the renew deadline (× 1.2 jitter)', build: build({ renewDeadline: Duration.seconds(6), retryPeriod: Duration.seconds(5) }), message: "'retryPeriod' must be less than 'renewDeadline' / 1.2 (at most 4999ms), as client-go requires" },
  { class: 'name', what: 'the lease name is not a valid object name', build: build({ leaseName: 'Leader_1' }), message: "'leaseName' must be a Kubernetes object name (DNS-1123 subdomain" },
  { class: 'name', what: 'the lease name leaves no room for the shard suffixes', build: build({ leaseName: 'a'.repeat(250), shards: 3 }), message: "'leaseName' must be a Kubernetes object name (DNS-1123 subdomain: lowercase letters, digits, '-' and '.', at most 245 characters to leave room for the shard suffixes)" },
  { class: 'count', what: 'replicas is 1 (no election needed)', build: build({ replicas: 1 }), message: /'replicas' must be an integer from 2 to 100 \(with one replica there is nothing to elect: the book's first advice is "determining if you even need master election" — use a plain Deployment\), got 1/ },
  { class: 'count', what: 'replicas is 0', build: build({ replicas: 0 }), message: "'replicas' must be an integer from 2 to 100" },
  { class: 'count', what: 'shards is 0', build: build({ shards: 0 }), message: "'shards' must be an integer from 1 to 1000, got 0" },
  { class: 'count', what: 'shards is not an integer', build: build({ shards: 2.5 }), message: "'shards' must be an integer from 1 to 1000, got 2.5" },
  // more
  { class: 'duration', what: 'the lease duration is not whole seconds (leaseDurationSeconds)', build: build({ leaseDuration: Duration.millis(2500) }), message: "'leaseDuration' must be" },
  { class: 'duration', what: 'the retry period is 0', build: build({ retryPeriod: Duration.millis(0) }), message: "'retryPeriod' must be" },
  { class: 'choice', what: 'ownerService with shards', build: build({ ownerService: true, shards: 2 }), message: "'ownerService' must be false with 'shards'" },
  { class: 'port', what: 'ownerService without an app port', build: build({ ownerService: true, app: { image: APP.image } }), message: "'app.port' must be the port the container listens on (the owner Service routes to it)" },
  { class: 'port', what: 'the sidecar port is the app port', build: build({ sidecarPort: 8080 }), message: "'sidecarPort' must be a port no other container of the pod listens on" },
  { class: 'port', what: 'the sidecar port is out of range', build: build({ sidecarPort: 70000 }), message: "'sidecarPort' must be an integer from 1 to 65535, got 70000" },
  { class: 'env', what: 'the app sets ELECTION_URL itself', build: build({ app: { ...APP, env: { ELECTION_URL: kplus.EnvValue.fromValue('x') } } }), message: "'app.env'" },
  { class: 'choice', what: 'onLoss is not a loss action', build: build({ onLoss: 'crash' as any }), message: "'onLoss' must be one of 'report', 'restart-app', got 'crash'" },
  { class: 'choice', what: 'onLoss RESTART_APP with the app\'s own liveness probe', build: build({ onLoss: OwnershipLossAction.RESTART_APP, app: { ...APP, liveness: kplus.Probe.fromTcpSocket() } }), message: "'app.liveness' must be unset with onLoss RESTART_APP" },
  { class: 'policy', what: 'a ServiceAccount in the pod options', build: (chart) => new OwnershipElection(chart, 'x', { app: APP, pod: { serviceAccount: kplus.ServiceAccount.fromServiceAccountName(chart, 'sa', 'mine') } }), message: "'pod.serviceAccount' must be unset (the construct makes the ServiceAccount its Role is bound to), got 'mine'" },
  { class: 'path', what: 'the app writes into the election state dir', build: build({ app: { ...APP, writableDirs: ['/var/run/election'] } }), message: "'app.writableDirs' must be free of /var/run/election and /etc/election" },
  { class: 'image', what: 'the app image is not pinned', build: build({ app: { image: 'ghcr.io/acme/scheduler' } }), message: "'app.image'" },
  { class: 'untyped', what: 'no props (JavaScript caller)', build: (chart) => new OwnershipElection(chart, 'x', undefined as any), message: "'props' must be an OwnershipElectionProps object, got undefined" },
  { class: 'untyped', what: 'replicas as a string (JavaScript caller)', build: build({ replicas: '3' as any }), message: "'replicas' must be an integer from 2 to 100" },
  { class: 'untyped', what: 'ownerService as a string (JavaScript caller)', build: build({ ownerService: 'yes' as any }), message: "'ownerService' must be true or false, got 'yes'" },
]);
