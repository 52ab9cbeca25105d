import * as path from 'path';
import { Duration, Size, Testing } from 'cdk8s';
import * as kplus from 'cdk8s-plus-27';
import {
  FunctionCode, FunctionDecorator, FunctionEngine, FunctionPipeline, FunctionRuntime, FunctionService, KafkaCluster, KafkaStageKind,
  KafkaWorkflow, KnativeService, NetworkPeer, PipelineDelivery,
} from '../../src';
import { findCycle, graphProblem } from '../../src/serving/functions/_graph';
import { ofKind, one, synthValid } from '../harness';

const HANDLERS = path.join(__dirname, '..', '..', 'examples', 'functions-signup');
const PY = FunctionCode.fromFile(path.join(HANDLERS, 'defaults.py'));
const JS = FunctionCode.fromFile(path.join(HANDLERS, 'welcome_email.js'));

describe('FunctionService', () => {
  test('defaults: a Python handler on a Deployment + Service + HPA, restricted, with its runtime (snapshot)', () => {
    // GIVEN / WHEN
    const chart = Testing.chart();
    const fn = new FunctionService(chart, 'defaults', { code: PY });
    const objs = synthValid(chart);
    // THEN
    expect(objs.map((o) => `${o.kind}/${o.metadata.name}`)).toEqual([
      'ConfigMap/test-defaults-c8dd1e9c', 'Deployment/test-defaults-c8dd1e9c', 'HorizontalPodAutoscaler/test-defaults-c8dd1e9c',
      'PodDisruptionBudget/test-defaults-c8dd1e9c', 'Service/test-defaults-c8dd1e9c', 'NetworkPolicy/test-defaults-c8dd1e9c',
    ].map((s) => s.replace(/test-defaults-c8dd1e9c/, fn.host)));
    expect(objs).toMatchSnapshot();
    expect(fn.runtime).toBe(FunctionRuntime.PYTHON);
    expect(fn.engine).toBe(FunctionEngine.DEPLOYMENT);
    expect(fn.url).toBe(`http://${fn.host}`);
    const cm = one(objs, 'ConfigMap');
    expect(Object.keys(cm.data).sort()).toEqual(['config.json', 'handler.py', 'runtime.py']);
    expect(cm.data['runtime.py']).toBe(FunctionService.pythonRuntime());
    expect(JSON.parse(cm.data['config.json'])).toEqual({
      name: fn.host,
      port: 8080,
      handlerFile: '/etc/function/handler.py',
      handlerName: 'handler',
      timeoutMs: 10000,
      maxBodyBytes: 1048576,
      maxConcurrency: 100,
    });
    const dep = one(objs, 'Deployment');
    expect(dep.spec.replicas).toBeUndefined();
    const c = dep.spec.template.spec.containers[0];
    expect(c.image).toBe('python:3.13.1-alpine3.21');
    expect(c.command).toEqual(['python3', '/etc/function/runtime.py', '/etc/function/config.json']);
    expect(c.readinessProbe.httpGet).toEqual({ path: '/healthz', port: 8080, scheme: 'HTTP' });
    expect(c.securityContext.runAsUser).toBe(65534);
    const hpa = one(objs, 'HorizontalPodAutoscaler');
    expect([hpa.spec.minReplicas, hpa.spec.maxReplicas, hpa.spec.metrics[0].resource.target.averageUtilization]).toEqual([1, 10, 80]);
    expect(one(objs, 'Service').spec.ports).toEqual([{ name: 'http', port: 80, targetPort: 8080 }]);
    expect(fn.describeTraffic()).toEqual([`every pod of this namespace → ${fn.host}: 8080/TCP (clients call the function)`]);
  });

  test('a Node handler with bounds: node image, the Node runtime, timeout, body limit, concurrency, fixed replicas', () => {
    const chart = Testing.chart();
    const fn = new FunctionService(chart, 'mail', {
      name: 'mail', code: JS, timeout: Duration.millis(1500), maxBodySize: Size.kibibytes(64), concurrency: 8, minScale: 2, maxScale: 2,
    });
    const objs = synthValid(chart);
    expect(objs.map((o) => o.kind)).toEqual(['ConfigMap', 'Deployment', 'PodDisruptionBudget', 'Service', 'NetworkPolicy']);
    const cm = one(objs, 'ConfigMap');
    expect(cm.data['runtime.js']).toBe(FunctionService.nodeRuntime());
    expect(JSON.parse(cm.data['config.json'])).toMatchObject({ handlerFile: '/etc/function/handler.js', timeoutMs: 1500, maxBodyBytes: 65536, maxConcurrency: 8 });
    const dep = one(objs, 'Deployment');
    expect(dep.spec.replicas).toBe(2);
    expect(dep.spec.template.spec.containers[0].image).toBe('node:22.11.0-alpine3.20');
    expect(fn.host).toBe('mail');
  });

  test('the Knative engine: one serving.knative.dev/v1 Service with concurrency, scale bounds, timeout (snapshot)', () => {
    const chart = Testing.chart();
    const fn = new FunctionService(chart, 'fn', {
      name: 'defaults',
      code: PY,
      engine: FunctionEngine.KNATIVE,
      minScale: 0,
      maxScale: 5,
      concurrency: 20,
      knative: { concurrencyTarget: 10 },
      timeout: Duration.seconds(3),
    });
    const objs = synthValid(chart);
    expect(objs.map((o) => `${o.apiVersion} ${o.kind}/${o.metadata.name}`)).toEqual(['v1 ConfigMap/defaults', 'serving.knative.dev/v1 Service/defaults']);
    expect(objs).toMatchSnapshot();
    const ks = objs[1];
    expect(fn.knativeService).toBeInstanceOf(KnativeService);
    expect(fn.deployment).toBeUndefined();
    expect(ks.spec.template.metadata.annotations).toMatchObject({
      'autoscaling.knative.dev/min-scale': '0', 'autoscaling.knative.dev/max-scale': '5', 'autoscaling.knative.dev/target': '10',
    });
    expect(ks.spec.template.spec.containerConcurrency).toBe(20);
    expect(ks.spec.template.spec.timeoutSeconds).toBe(4);
    expect(ks.spec.template.spec.containers[0].ports).toEqual([{ containerPort: 8080, name: 'http1' }]);
    expect(KnativeService.unsupportedPodFields(ks.spec.template.spec).filter((f) => !['/containerConcurrency', '/timeoutSeconds'].includes(f))).toEqual([]);
  });

  test('fails when the Knative options are given to the plain rendering, or scale to zero without Knative', () => {
    const chart = Testing.chart();
    expect(() => new FunctionService(chart, 'a', { code: PY, knative: { concurrencyTarget: 5 } })).toThrow(/'knative' must be unset unless 'engine' is FunctionEngine.KNATIVE/);
    expect(() => new FunctionService(chart, 'b', { code: PY, minScale: 0 })).toThrow(/'minScale' must be an integer from 1 to 1000, got 0/);
    expect(() => new FunctionService(chart, 'c', { code: PY, minScale: 3, maxScale: 2 })).toThrow(/'maxScale' must be at least 'minScale' \(3\), got 2/);
  });
});

describe('FunctionDecorator', () => {
  test('forwards to the target Service: config, env URL, egress to the target port', () => {
    const chart = Testing.chart();
    const api = new kplus.Service(chart, 'Api', {
      metadata: { name: 'orders' },
      selector: kplus.Pods.select(chart, 'P', { labels: { app: 'orders' } }),
      ports: [{ port: 80, targetPort: 8080 }],
    });
    const d = new FunctionDecorator(chart, 'defaults', { name: 'order-defaults', code: PY, target: api, timeout: Duration.seconds(2) });
    const objs = synthValid(chart);
    const cm = ofKind(objs, 'ConfigMap').find((o) => o.metadata.name === 'order-defaults');
    expect(JSON.parse(cm.data['config.json']).forward).toEqual({ urlEnv: 'FUNCTION_URL_TARGET', timeoutMs: 2000 });
    const dep = ofKind(objs, 'Deployment')[0];
    expect(dep.spec.template.spec.containers[0].env).toContainEqual({ name: 'FUNCTION_URL_TARGET', value: 'http://orders' });
    expect(d.describeTraffic()).toEqual([
      'every pod of this namespace → order-defaults: 8080/TCP (clients call the function)',
      'order-defaults → every pod of this namespace: 8080/TCP (the decorator calls its target)',
    ]);
  });
});

describe('FunctionPipeline', () => {
  function signup() {
    const chart = Testing.chart();
    const p = new FunctionPipeline(chart, 'signup', { name: 'signup', deadLetter: 'dead', deliveryAttempts: 4, retryBackoff: Duration.millis(50), deliveryTimeout: Duration.seconds(1) });
    p.addFunction('create', { code: FunctionCode.fromFile(path.join(HANDLERS, 'create_user.py')), successors: [{ target: 'mail' }, { target: 'sms', when: 'phone' }] });
    p.addFunction('mail', { code: JS });
    p.addFunction('sms', { code: FunctionCode.fromFile(path.join(HANDLERS, 'two_factor.py')) });
    p.addFunction('dead', { code: FunctionCode.fromFile(path.join(HANDLERS, 'dead_letters.js')), maxScale: 1 });
    return { chart, p };
  }

  test('successors by env URL, required and optional, bounded retries and the dead letter (snapshot)', () => {
    const { chart, p } = signup();
    const objs = synthValid(chart);
    expect(objs).toMatchSnapshot();
    expect(p.entry).toBe('create');
    expect(p.url).toBe('http://signup-create');
    expect(p.functions.map((f) => f.host)).toEqual(['signup-create', 'signup-mail', 'signup-sms', 'signup-dead']);
    const config = JSON.parse(ofKind(objs, 'ConfigMap').find((o) => o.metadata.name === 'signup-create').data['config.json']);
    expect(config.successors).toEqual([
      { name: 'mail', urlEnv: 'FUNCTION_URL_MAIL' },
      { name: 'sms', when: 'phone', urlEnv: 'FUNCTION_URL_SMS' },
    ]);
    expect(config.delivery).toEqual({ attempts: 4, backoffMs: 50, attemptTimeoutMs: 1000, deadLetterUrlEnv: 'FUNCTION_URL_DEAD_LETTER' });
    const env = ofKind(objs, 'Deployment').find((o) => o.metadata.name === 'signup-create').spec.template.spec.containers[0].env;
    expect(env.filter((e: any) => e.name.startsWith('FUNCTION_URL_'))).toEqual([
      { name: 'FUNCTION_URL_DEAD_LETTER', value: 'http://signup-dead' },
      { name: 'FUNCTION_URL_MAIL', value: 'http://signup-mail' },
      { name: 'FUNCTION_URL_SMS', value: 'http://signup-sms' },
    ].sort((a, b) => env.findIndex((e: any) => e.name === a.name) - env.findIndex((e: any) => e.name === b.name)));
    // Only the entry has a front door; the others take their predecessors only.
    expect(p.describeTraffic()).toEqual([
      'every pod of this namespace → signup-create: 8080/TCP (clients call the function)',
      'signup-create → signup-mail: 8080/TCP (required successor)',
      'signup-create → signup-sms: 8080/TCP (optional successor (when phone))',
      'signup-create → signup-dead: 8080/TCP (dead letters)',
    ]);
    expect(ofKind(objs, 'NetworkPolicy').map((o) => o.metadata.name)).toEqual(['signup-create', 'signup-mail', 'signup-sms', 'signup-dead']);
  });

  test('toMermaid(): the blueprint', () => {
    const { p } = signup();
    expect(p.toMermaid()).toBe([
      'flowchart LR',
      '  %% signup: function pipeline (required: solid; optional: dashed, with the field)',
      '  clients(["clients"])',
      '  f_create["create<br/>python · signup-create"]',
      '  f_mail["mail<br/>node · signup-mail"]',
      '  f_sms["sms<br/>python · signup-sms"]',
      '  f_dead["dead<br/>node · signup-dead"]',
      '  clients -->|POST| f_create',
      '  f_create --> f_mail',
      '  f_create -.->|phone| f_sms',
      '  f_create -. "dead letter" .-> f_dead',
      '',
    ].join('\n'));
  });

  test('the Knative engine renders every function as a Knative Service', () => {
    const chart = Testing.chart();
    const p = new FunctionPipeline(chart, 'p', { name: 'p', engine: FunctionEngine.KNATIVE });
    p.addFunction('a', { code: PY, successors: [{ target: 'b' }], minScale: 0 });
    p.addFunction('b', { code: JS, minScale: 0 });
    const objs = synthValid(chart);
    expect(objs.map((o) => `${o.kind}/${o.metadata.name}`)).toEqual(['ConfigMap/p-a', 'Service/p-a', 'ConfigMap/p-b', 'Service/p-b']);
    expect(objs[1].spec.template.spec.timeoutSeconds).toBe(Math.ceil((10000 + 3 * 10000 + 200 * 3) / 1000) + 1);
  });

  test.each([
    ['direct HTTP', () => PipelineDelivery.http()],
    ['Kafka', () => PipelineDelivery.kafka()],
  ])('fails when the graph has an unknown successor, a cycle or an unreachable function (at synthesis; %s delivery)', (_name, delivery) => {
    const cases: Array<[(p: FunctionPipeline) => void, RegExp]> = [
      [(p) => p.addFunction('a', { code: PY, successors: [{ target: 'x' }] }), /'a.successors' must be names of the pipeline's functions \(a\), got 'x'/],
      [(p) => {
        p.addFunction('a', { code: PY, successors: [{ target: 'b' }] });
        p.addFunction('b', { code: PY, successors: [{ target: 'a' }] });
      }, /'successors' must be acyclic .*got 'a → b → a'/],
      [(p) => {
        p.addFunction('a', { code: PY });
        p.addFunction('b', { code: PY });
      }, /'successors' must be to reach every function from the entry 'a', got 'b'/],
    ];
    for (const [build, message] of cases) {
      const chart = Testing.chart();
      build(new FunctionPipeline(chart, 'p', { delivery: delivery() }));
      expect(() => Testing.synth(chart)).toThrow(message);
    }
  });

  test('a declared cycle is allowed', () => {
    const chart = Testing.chart();
    const p = new FunctionPipeline(chart, 'p', { allowCycles: true });
    p.addFunction('a', { code: PY, successors: [{ target: 'b' }] });
    p.addFunction('b', { code: PY, successors: [{ target: 'a' }] });
    expect(() => synthValid(chart)).not.toThrow();
  });
});

describe('FunctionPipeline with PipelineDelivery.kafka()', () => {
  function signupKafka(delivery = PipelineDelivery.kafka({ cluster: KafkaCluster.embedded({ brokers: 1 }), partitions: 2 })) {
    const chart = Testing.chart();
    const p = new FunctionPipeline(chart, 'signup', {
      name: 'signup', delivery, deliveryAttempts: 4, retryBackoff: Duration.millis(50), deliveryTimeout: Duration.seconds(2),
    });
    p.addFunction('create', { code: FunctionCode.fromFile(path.join(HANDLERS, 'create_user.py')), successors: [{ target: 'mail' }, { target: 'sms', when: 'user.phone' }] });
    p.addFunction('mail', { code: JS });
    p.addFunction('sms', { code: FunctionCode.fromFile(path.join(HANDLERS, 'two_factor.py')), kafkaStage: { replicas: 1 } });
    return { chart, p };
  }

  test('a topic and an HTTP-call stage per function: its topic → the function → its successors\' topics, bounded attempts, the dead-letter topic (snapshot)', () => {
    // GIVEN the sign-up pipeline delivered through Kafka
    const { chart, p } = signupKafka();
    // WHEN synthesized
    const objs = synthValid(chart);
    expect(objs).toMatchSnapshot();
    // THEN the pipeline's own workflow has a topic per function (the entry's a source) and the dead-letter topic
    const wf = p.workflow!;
    expect(wf).toBeInstanceOf(KafkaWorkflow);
    expect(wf.deadLetterTopic).toBe('signup.dead-letter');
    expect(wf.topics.map((t) => [t.topicName, t.partitions, t.source, t.sink])).toEqual([
      ['signup.dead-letter', 1, false, true],
      ['signup.create', 2, true, false],
      ['signup.mail', 2, false, false],
      ['signup.sms', 2, false, false],
    ]);
    expect(p.entryTopic).toBe('signup.create');
    expect(p.topicOf('mail')).toBe('signup.mail');
    // one stage per function, reading its topic, writing its successors' topics
    expect(wf.stages.map((s) => [s.stageName, s.kind, s.inputs, s.outputs, s.replicas])).toEqual([
      ['create-stage', KafkaStageKind.HTTP_CALL, ['signup.create'], ['signup.mail', 'signup.sms'], 2],
      ['mail-stage', KafkaStageKind.HTTP_CALL, ['signup.mail'], [], 2],
      ['sms-stage', KafkaStageKind.HTTP_CALL, ['signup.sms'], [], 1],
    ]);
    expect(p.stageOf('create')).toBe(wf.stage('create-stage'));
    // the functions themselves deliver nothing: no successors, no delivery, no FUNCTION_URL_* in their pods
    const fnConfig = JSON.parse(ofKind(objs, 'ConfigMap').find((o) => o.metadata.name === 'signup-create').data['config.json']);
    expect(fnConfig.successors).toBeUndefined();
    expect(fnConfig.delivery).toBeUndefined();
    const fnEnv = ofKind(objs, 'Deployment').find((o) => o.metadata.name === 'signup-create').spec.template.spec.containers[0].env ?? [];
    expect(fnEnv.filter((e: any) => e.name.startsWith('FUNCTION_URL_'))).toEqual([]);
    // the stage's config: the function's URL, the attempts, the routes (required: always; optional: the field)
    const yaml = ofKind(objs, 'ConfigMap').find((o) => o.metadata.name === 'signup-create-stage-config').data['config.yaml'];
    expect(yaml).toContain('url: "http://signup-create"');
    expect(yaml).toMatch(/retries: 3\n\s+retry_period: "50ms"/);
    expect(yaml).toContain('timeout: "2s"');
    expect(yaml).toMatch(/meta http_route_0 = if \(\n\s+true\n/);
    expect(yaml).toMatch(/meta http_route_1 = if \(\n\s+this\.user\.phone != null\n/);
    expect(yaml).toMatch(/topic: "signup\.dead-letter"/);
    expect(yaml.indexOf('topic: "signup.mail"')).toBeGreaterThan(0);
    // only the stage that delivers a function's events reaches it
    expect(p.describeTraffic()).toEqual([
      'pods app.kubernetes.io/name=bento,app.kubernetes.io/instance=signup,app.kubernetes.io/component=stage,cdk8s-distributed-patterns/stage=create-stage → signup-create: 8080/TCP (its Kafka stage delivers its events)',
      'pods app.kubernetes.io/name=bento,app.kubernetes.io/instance=signup,app.kubernetes.io/component=stage,cdk8s-distributed-patterns/stage=mail-stage → signup-mail: 8080/TCP (its Kafka stage delivers its events)',
      'pods app.kubernetes.io/name=bento,app.kubernetes.io/instance=signup,app.kubernetes.io/component=stage,cdk8s-distributed-patterns/stage=sms-stage → signup-sms: 8080/TCP (its Kafka stage delivers its events)',
    ]);
    // AND each stage's own NetworkPolicy (the workflow's) lets it reach exactly its function's pods on the
    // runtime's port, besides the brokers and DNS
    const stagePolicy = ofKind(objs, 'NetworkPolicy').find((o) => o.metadata.name === 'signup-create-stage');
    const fnSelector = ofKind(objs, 'Deployment').find((o) => o.metadata.name === 'signup-create').spec.selector.matchLabels;
    expect(stagePolicy.spec.egress).toContainEqual({ to: [{ podSelector: { matchLabels: fnSelector } }], ports: [{ protocol: 'TCP', port: 8080 }] });
    expect(stagePolicy.spec.egress).toHaveLength(3);
  });

  test('toMermaid(): the same graph, events in on the entry\'s topic, dead letters to the topic', () => {
    const { p } = signupKafka();
    expect(p.toMermaid()).toBe([
      'flowchart LR',
      '  %% signup: function pipeline (required: solid; optional: dashed, with the field)',
      '  %% delivered through Kafka: function x reads topic signup.x; dead letters to signup.dead-letter',
      '  clients(["clients"])',
      '  f_create["create<br/>python · signup-create"]',
      '  f_mail["mail<br/>node · signup-mail"]',
      '  f_sms["sms<br/>python · signup-sms"]',
      '  dead_letter[("signup.dead-letter")]',
      '  clients -->|"signup.create"| f_create',
      '  f_create --> f_mail',
      '  f_create -.->|user.phone| f_sms',
      '  f_create -. "dead letter" .-> dead_letter',
      '  f_mail -. "dead letter" .-> dead_letter',
      '  f_sms -. "dead letter" .-> dead_letter',
      '',
    ].join('\n'));
    expect(p.workflow!.toMermaid()).toContain('http call: http://signup-create');
  });

  test('KafkaWorkflow.addHttpCall without a callTarget: the stage may reach any address on the URL\'s port (explicit, else 80 or 443)', () => {
    // GIVEN three HTTP-call stages of your own workflow, to URLs with an explicit port, http and https
    const chart = Testing.chart();
    const wf = new KafkaWorkflow(chart, 'wf', { name: 'wf', cluster: KafkaCluster.embedded({ brokers: 1 }), deadLetterTopic: 'dlq' });
    wf.addTopic('dlq', { sink: true });
    wf.addTopic('in', { source: true });
    wf.addHttpCall('a', { input: 'in', url: 'http://scoring.ml:8081/score' });
    wf.addHttpCall('b', { input: 'in', url: 'http://audit' });
    wf.addHttpCall('c', { input: 'in', url: 'https://hooks.example.com/x', callTarget: { peer: NetworkPeer.namespaces({ team: 'hooks' }), ports: [{ port: 8443 }] } });
    // WHEN synthesized
    const objs = synthValid(chart);
    // THEN each stage's policy has one egress rule for its call: anywhere on 8081 and 80, the given peer on 8443
    const callRule = (stage: string) => ofKind(objs, 'NetworkPolicy').find((o) => o.metadata.name === `wf-${stage}`).spec.egress[1];
    const anywhere = [{ ipBlock: { cidr: '0.0.0.0/0' } }, { ipBlock: { cidr: '::/0' } }];
    expect(callRule('a')).toEqual({ to: anywhere, ports: [{ protocol: 'TCP', port: 8081 }] });
    expect(callRule('b')).toEqual({ to: anywhere, ports: [{ protocol: 'TCP', port: 80 }] });
    expect(callRule('c')).toEqual({ to: [{ namespaceSelector: { matchLabels: { team: 'hooks' } } }], ports: [{ protocol: 'TCP', port: 8443 }] });
  });

  test('joins a workflow of yours: its stage writes the entry\'s topic, the pipeline\'s stages are its stages', () => {
    // GIVEN a workflow with a dead-letter topic and an upstream filter that writes the entry's topic
    const chart = Testing.chart();
    const wf = new KafkaWorkflow(chart, 'wf', { name: 'wf', cluster: KafkaCluster.embedded({ brokers: 1 }), deadLetterTopic: 'dlq' });
    wf.addTopic('dlq', { sink: true });
    wf.addTopic('signups', { source: true });
    wf.addTopic('p.a', {});
    wf.addFilter('valid', { input: 'signups', output: 'p.a', condition: 'this.email != null' });
    // WHEN a pipeline is delivered through it
    const p = new FunctionPipeline(chart, 'p', { name: 'p', delivery: PipelineDelivery.kafka({ workflow: wf }) });
    p.addFunction('a', { code: PY, successors: [{ target: 'b' }] });
    p.addFunction('b', { code: JS });
    const objs = synthValid(chart);
    // THEN the declared topic is reused and the stages join the workflow
    expect(wf.stages.map((s) => s.stageName)).toEqual(['valid', 'a-stage', 'b-stage']);
    expect(wf.topics.map((t) => t.topicName)).toEqual(['dlq', 'signups', 'p.a', 'p.b']);
    expect(p.workflow).toBe(wf);
    expect(ofKind(objs, 'Deployment').map((o) => o.metadata.name)).toEqual(['wf-valid', 'wf-a-stage', 'wf-b-stage', 'p-a', 'p-b']);
    expect(wf.checkGraph()).toEqual([]);
  });

  test('on Knative: the stages call the Knative Services by the same URLs, and there are no NetworkPolicies of the functions', () => {
    const chart = Testing.chart();
    const p = new FunctionPipeline(chart, 'p', { name: 'p', engine: FunctionEngine.KNATIVE, delivery: PipelineDelivery.kafka({ cluster: KafkaCluster.embedded({ brokers: 1 }) }) });
    p.addFunction('a', { code: PY, successors: [{ target: 'b' }], minScale: 0 });
    p.addFunction('b', { code: JS, minScale: 0 });
    const objs = synthValid(chart);
    expect(ofKind(objs, 'Service').filter((o) => o.apiVersion === 'serving.knative.dev/v1').map((o) => o.metadata.name)).toEqual(['p-a', 'p-b']);
    const yaml = ofKind(objs, 'ConfigMap').find((o) => o.metadata.name === 'p-a-stage-config').data['config.yaml'];
    expect(yaml).toContain('url: "http://p-a"');
    expect(ofKind(objs, 'NetworkPolicy').filter((o) => ['p-a', 'p-b'].includes(o.metadata.name))).toEqual([]);
  });

  test('a declared cycle is allowed on both graphs (the pipeline\'s and the workflow\'s)', () => {
    const chart = Testing.chart();
    const p = new FunctionPipeline(chart, 'p', { allowCycles: true, delivery: PipelineDelivery.kafka({ cluster: KafkaCluster.embedded({ brokers: 1 }) }) });
    p.addFunction('a', { code: PY, successors: [{ target: 'b' }] });
    p.addFunction('b', { code: PY, successors: [{ target: 'a' }] });
    expect(() => synthValid(chart)).not.toThrow();
    expect(p.workflow!.stages.map((s) => s.allowCycle)).toEqual([true, true]);
  });
});

describe('graph checks (pure)', () => {
  test('findCycle and graphProblem', () => {
    const n = (name: string, ...to: string[]) => ({ name, successors: to.map((target) => ({ target })) });
    expect(findCycle([n('a', 'b'), n('b', 'c'), n('c')])).toBeUndefined();
    expect(findCycle([n('a', 'b'), n('b', 'c'), n('c', 'b')])).toEqual(['b', 'c', 'b']);
    expect(graphProblem([n('a', 'b'), n('b')], 'a', undefined, false)).toBeUndefined();
    expect(graphProblem([n('a', 'b'), n('b'), n('dl')], 'a', 'dl', false)).toBeUndefined();
    expect(graphProblem([n('a', 'dl'), n('dl')], 'a', 'dl', false)?.expectation).toMatch(/free of the dead-letter sink/);
    expect(graphProblem([n('a')], 'z', undefined, false)?.prop).toBe('entry');
    expect(graphProblem([], 'a', undefined, false)?.prop).toBe('addFunction()');
  });
});
