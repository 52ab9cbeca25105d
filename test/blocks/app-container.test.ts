// The one shape of "your container": checked once with the pattern's rules, added as a restricted container.
import { Duration, Size, Testing } from 'cdk8s';
import * as kplus from 'cdk8s-plus-27';
import { Construct } from 'constructs';
import { addAppContainer, AppContainerRules, checkAppContainer } from '../../src/blocks/_app-container';
import { RestrictedWorkloads } from '../../src/blocks/_restricted-workload';
import { synthValid } from '../harness';

class Pattern extends Construct {}
const rules: AppContainerRules = { name: 'app', defaultPort: 8080, defaultTcpReadiness: true, defaultResources: { cpu: ['100m', '1'], memory: ['128Mi', '512Mi'] } };

describe('AppContainerProps', () => {
  test('every field reaches the container; defaults fill the rest; the pod passes restricted', () => {
    // GIVEN a container with a secret env var, its own probes and a custom uid
    const chart = Testing.chart();
    const scope = new Pattern(chart, 'p');
    const secret = kplus.Secret.fromSecretName(scope, 's', 'api-token');
    const c = checkAppContainer(scope, 'app', {
      image: 'example/web:1.4',
      port: 9000,
      portName: 'web',
      command: ['/web'],
      args: ['--listen=:9000'],
      workingDir: '/srv',
      env: { TOKEN: kplus.EnvValue.fromSecretValue({ secret, key: 'token' }), B: kplus.EnvValue.fromValue('2'), A: kplus.EnvValue.fromValue('1') },
      readiness: kplus.Probe.fromHttpGet('/readyz'),
      uid: 2000,
      writableDirs: ['/tmp', '/var/cache/web'],
    }, rules);
    const labels = { 'app.kubernetes.io/name': 'web', 'app.kubernetes.io/instance': 'web' };
    const d = RestrictedWorkloads.deployment(scope, 'D', { name: 'web', labels, selector: labels, uid: c.uid, gid: c.gid });
    addAppContainer(d, c);
    // WHEN synthesized
    const spec = synthValid(chart).find((o) => o.kind === 'Deployment').spec.template.spec;
    const app = spec.containers[0];
    // THEN
    expect(app.name).toBe('app');
    expect(app.image).toBe('example/web:1.4');
    expect(app.imagePullPolicy).toBe('IfNotPresent');
    expect(app.command).toEqual(['/web']);
    expect(app.args).toEqual(['--listen=:9000']);
    expect(app.workingDir).toBe('/srv');
    expect(app.ports).toEqual([{ containerPort: 9000, name: 'web' }]);
    expect(app.env.map((e: any) => e.name)).toEqual(['A', 'B', 'TOKEN']);
    expect(app.env[2].valueFrom.secretKeyRef).toEqual({ name: 'api-token', key: 'token' });
    expect(app.readinessProbe.httpGet).toEqual({ path: '/readyz', port: 9000, scheme: 'HTTP' });
    expect(app.securityContext).toMatchObject({ runAsUser: 2000, runAsGroup: 2000, runAsNonRoot: true, readOnlyRootFilesystem: true, capabilities: { drop: ['ALL'] } });
    expect(app.volumeMounts.map((m: any) => m.mountPath)).toEqual(['/tmp', '/var/cache/web']);
    expect(app.resources).toEqual({ limits: { 'cpu': '1', 'memory': '512Mi', 'ephemeral-storage': '1Gi' }, requests: { 'cpu': '100m', 'memory': '128Mi', 'ephemeral-storage': '64Mi' } });
    expect(spec.securityContext).toMatchObject({ runAsUser: 2000, fsGroup: 2000 });
  });

  test('defaults: port, TCP readiness on it, uid 1000, /tmp writable', () => {
    const c = checkAppContainer(new Pattern(Testing.chart(), 'p'), 'app', { image: 'example/web:1.4' }, rules);
    expect(c.port).toBe(8080);
    expect(c.uid).toBe(1000);
    expect(c.gid).toBe(1000);
    expect(c.writableDirs).toEqual(['/tmp']);
    expect(c.props.readiness).toBeDefined();
  });

  describe('fails when', () => {
    const check = (app: any, r: Partial<AppContainerRules> = {}) => () => checkAppContainer(new Pattern(Testing.chart(), 'p'), 'app', app, { ...rules, ...r });
    test.each([
      ['the container is missing', undefined, {}, "Pattern 'test/p': 'app' must be your container ({ image, port, … }: AppContainerProps), got undefined"],
      ['the image is not pinned', { image: 'web' }, {}, "'app.image' must be an image pinned to a tag or digest other than 'latest'"],
      ['the port is out of range', { image: 'w:1', port: 70000 }, {}, "'app.port' must be an integer from 1 to 65535, got 70000"],
      ['a port is required and missing', { image: 'w:1' }, { defaultPort: undefined, portRequired: 'the router sends requests to it' }, "'app.port' must be the port the container listens on (the router sends requests to it), got undefined"],
      ['the port name is not an IANA name', { image: 'w:1', portName: 'HTTP' }, {}, "'app.portName' must be an IANA service name"],
      ['args is a string (a JavaScript caller)', { image: 'w:1', args: '--x' }, {}, "'app.args' must be a list of strings, got '--x'"],
      ['an env name has a space', { image: 'w:1', env: { 'A B': kplus.EnvValue.fromValue('x') } }, {}, "'app.env' must be variable names of letters, digits, '_', '-' and '.', not starting with a digit, got 'A B'"],
      ['an env name is reserved', { image: 'w:1', env: { SHARD_INDEX: kplus.EnvValue.fromValue('1') } }, { reservedEnv: ['SHARD_INDEX'] }, "'app.env' must be free of 'SHARD_INDEX' (the construct sets them), got 'SHARD_INDEX'"],
      ['a memory request is above its limit', { image: 'w:1', resources: { memory: { request: Size.gibibytes(1), limit: Size.mebibytes(512) } } }, {}, "'app.resources.memory.request' must be at most the memory limit (512Mi), got '1024Mi'"],
      ['the uid is root', { image: 'w:1', uid: 0 }, {}, "'app.uid' must be an integer from 1 to 2147483647, got 0"],
      ['a writable dir is relative', { image: 'w:1', writableDirs: ['tmp'] }, {}, "'app.writableDirs' must be an absolute path without spaces, ':' or '..', got 'tmp'"],
      ['a writable dir is given twice', { image: 'w:1', writableDirs: ['/tmp', '/tmp'] }, {}, "'app.writableDirs' must be paths given once each, got '/tmp'"],
      ['two writable dirs would name one emptyDir', { image: 'w:1', writableDirs: ['/var/cache', '/var-cache'] }, {}, "'app.writableDirs' must be paths that give distinct volume names (two make 'app-var-cache'), got '/var-cache'"],
      ['the root is a writable dir', { image: 'w:1', writableDirs: ['/'] }, {}, "'app.writableDirs' must be directories other than '/' (the root filesystem stays read-only), got '/'"],
      ['a probe period is a fraction of a second', { image: 'w:1', readiness: kplus.Probe.fromHttpGet('/r', { periodSeconds: Duration.millis(500) }) }, {}, "'app.readiness.periodSeconds' must be a whole number of seconds from 0 to 86400, got '500ms'"],
      ['a probe timeout is a string', { image: 'w:1', startup: kplus.Probe.fromTcpSocket({ timeoutSeconds: '2s' as any }) }, {}, "'app.startup.timeoutSeconds' must be a Duration (e.g. Duration.seconds(30)), got '2s'"],
      ['a liveness probe needs two successes', { image: 'w:1', liveness: kplus.Probe.fromHttpGet('/l', { successThreshold: 2 }) }, {}, "'app.liveness.successThreshold' must be 1 (Kubernetes requires it for liveness and startup probes), got 2"],
      ['a probe never fails', { image: 'w:1', readiness: kplus.Probe.fromHttpGet('/r', { failureThreshold: 0 }) }, {}, "'app.readiness.failureThreshold' must be an integer from 1 to 1000, got 0"],
      ['a probe port is 0', { image: 'w:1', readiness: kplus.Probe.fromHttpGet('/r', { port: 0 }) }, {}, "'app.readiness.port' must be an integer from 1 to 65535, got 0"],
      ['readiness is required and missing', { image: 'w:1' }, { readinessRequired: 'replicas behind a Service' }, "'app.readiness' must be a readiness probe (replicas behind a Service), got undefined"],
      ['a probe is not a Probe', { image: 'w:1', liveness: '/healthz' }, {}, "'app.liveness' must be a kplus.Probe (Probe.fromHttpGet(...), fromTcpSocket(...), fromCommand(...)), got '/healthz'"],
    ])('%s', (_what, app, r, message) => {
      expect(check(app, r)).toThrow(message);
    });
  });
});
