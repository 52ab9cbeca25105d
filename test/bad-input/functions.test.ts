// FunctionService / FunctionDecorator / FunctionPipeline: bad input fails at synthesis with the construct path, the
// prop and the value (issue 20's list, and more) — typed mistakes and what a JavaScript or Python caller may pass.
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { App, Chart, Duration, Size } from 'cdk8s';
import * as kplus from 'cdk8s-plus-27';
import {
  FunctionCode, FunctionDecorator, FunctionEngine, FunctionPipeline, FunctionRuntime, FunctionService, FunctionServiceProps, KafkaCluster,
  KafkaWorkflow, NetworkPeer, PipelineDelivery,
} from '../../src';
import { BadInput, badInputs } from '../harness/bad-input';

const HANDLERS = path.join(__dirname, '..', '..', 'examples', 'functions-signup');
const PY = FunctionCode.fromFile(path.join(HANDLERS, 'defaults.py'));
const JS = FunctionCode.fromFile(path.join(HANDLERS, 'welcome_email.js'));
const AT = "FunctionService 'test/fn'";
const PAT = "FunctionPipeline 'test/p'";
const WF = "KafkaWorkflow 'test/wf'";
const js = (v: unknown): any => v;
const kafka = (options = {}) => PipelineDelivery.kafka(options);

/** A workflow of the user's with a dead-letter topic and a 3-partition source `in`. */
function userWorkflow(c: Chart, withDeadLetter = true): KafkaWorkflow {
  const deadLetterTopic = withDeadLetter ? 'dlq' : undefined;
  const w = new KafkaWorkflow(c, 'wf', { deadLetterTopic });
  if (deadLetterTopic) w.addTopic(deadLetterTopic, { sink: true });
  w.addTopic('in', { partitions: 3, source: true });
  return w;
}

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'fn-bad-input-'));
const file = (name: string, text: string) => {
  const f = path.join(dir, name);
  fs.writeFileSync(f, text);
  return f;
};
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

function fn(chart: Chart, props: Partial<FunctionServiceProps> | any = {}): FunctionService {
  return new FunctionService(chart, 'fn', { code: PY, ...props });
}

function pipeline(chart: Chart, build: (p: FunctionPipeline) => void, props: any = {}): FunctionPipeline {
  const p = new FunctionPipeline(chart, 'p', props);
  build(p);
  return p;
}

function orders(chart: Chart): kplus.Service {
  return new kplus.Service(chart, 'Orders', {
    metadata: { name: 'orders' },
    selector: kplus.Pods.select(chart, 'OrdersPods', { labels: { app: 'orders' } }),
    ports: [{ port: 80, targetPort: 8080 }],
  });
}

const cases: BadInput[] = [
  // the handler
  { class: 'path', what: 'the handler file does not exist', build: (c) => fn(c, { code: FunctionCode.fromFile(path.join(dir, 'nope.py')) }), message: `${AT}: 'code' must be an existing, readable handler file (ENOENT)` },
  { class: 'choice', what: 'the handler file is of an unsupported runtime (.rb)', build: (c) => fn(c, { code: FunctionCode.fromFile(file('h.rb', 'def handler(c) end')) }), message: "'code' must be a handler file of a supported runtime (.js, .cjs, .py: Node or Python)" },
  { class: 'choice', what: 'an inline handler of an unsupported runtime', build: (c) => fn(c, { code: FunctionCode.fromInline('x', 'ruby' as any) }), message: "'code.runtime' must be a supported FunctionRuntime ('node', 'python'), got 'ruby'" },
  { class: 'path', what: 'the Python file does not define the handler', build: (c) => fn(c, { code: FunctionCode.fromFile(file('other.py', 'def other(context):\n    return 1\n')) }), message: "'code' must be a python handler file that defines the handler ('def handler(context):')" },
  { class: 'path', what: 'the Node file does not export the handler', build: (c) => fn(c, { code: FunctionCode.fromFile(file('other.js', 'function handler() {}\n')) }), message: "'code' must be a node handler file that defines the handler" },
  { class: 'path', what: 'the handler name is not an identifier', build: (c) => fn(c, { code: FunctionCode.fromFile(path.join(HANDLERS, 'defaults.py'), { handler: 'my-handler' }) }), message: "'code.handler' must be an identifier (letters, digits, _), got 'my-handler'" },
  { class: 'path', what: 'the named handler is not in the file', build: (c) => fn(c, { code: FunctionCode.fromFile(path.join(HANDLERS, 'defaults.py'), { handler: 'main' }) }), message: "'code' must be a python handler file that defines the handler ('def main(context):')" },
  { class: 'untyped', what: 'code is a path string (JavaScript caller)', build: (c) => fn(c, { code: 'defaults.py' }), message: `${AT}: 'code' must be a FunctionCode (FunctionCode.fromFile(path), FunctionCode.fromInline(source, runtime)), got 'defaults.py'` },
  { class: 'untyped', what: 'inline source is empty', build: (c) => fn(c, { code: FunctionCode.fromInline('  ', FunctionRuntime.PYTHON) }), message: "'code' must be handler source text" },
  { class: 'untyped', what: 'props missing (JavaScript caller)', build: (c) => new FunctionService(c, 'fn', undefined as any), message: `${AT}: 'props' must be a FunctionServiceProps object ({ code }), got undefined` },

  // scale, concurrency, bounds
  { class: 'count', what: 'scale bounds min > max', build: (c) => fn(c, { minScale: 5, maxScale: 2 }), message: `${AT}: 'maxScale' must be at least 'minScale' (5), got 2` },
  { class: 'count', what: 'scale to zero without Knative', build: (c) => fn(c, { minScale: 0 }), message: "'minScale' must be an integer from 1 to 1000, got 0" },
  { class: 'count', what: 'maxScale is 0 on Knative', build: (c) => fn(c, { engine: FunctionEngine.KNATIVE, minScale: 0, maxScale: 0 }), message: "'maxScale' must be an integer from 1 to 1000, got 0" },
  { class: 'count', what: 'concurrency is 0', build: (c) => fn(c, { concurrency: 0 }), message: "'concurrency' must be an integer from 1 to 10000, got 0" },
  { class: 'count', what: 'the Knative concurrency target is 0', build: (c) => fn(c, { engine: FunctionEngine.KNATIVE, knative: { concurrencyTarget: 0 } }), message: "'knative.concurrencyTarget' must be an integer from 1 to 10000, got 0" },
  { class: 'count', what: 'cpuUtilization is 0', build: (c) => fn(c, { cpuUtilization: 0 }), message: "'cpuUtilization' must be an integer from 1 to 1000, got 0" },
  { class: 'duration', what: 'the timeout is 0', build: (c) => fn(c, { timeout: Duration.millis(0) }), message: `${AT}: 'timeout' must be a duration of whole milliseconds from 1ms to 1h, got '0ms'` },
  { class: 'duration', what: 'the timeout is half a millisecond', build: (c) => fn(c, { timeout: Duration.millis(0.5) }), message: "'timeout' must be a duration of whole milliseconds from 1ms to 1h, got '0.5ms'" },
  { class: 'duration', what: 'the timeout is a number (JavaScript caller)', build: (c) => fn(c, { timeout: 10 }), message: "'timeout' must be a" },
  { class: 'size', what: 'the body limit is over 1 GiB', build: (c) => fn(c, { maxBodySize: Size.gibibytes(2) }), message: "'maxBodySize' must be" },

  // engine choices
  { class: 'choice', what: 'an unknown engine', build: (c) => fn(c, { engine: 'kubeless' }), message: "'engine' must be one of 'deployment', 'knative', got 'kubeless'" },
  { class: 'choice', what: 'Knative options on the plain rendering', build: (c) => fn(c, { knative: { concurrencyTarget: 10 } }), message: `${AT}: 'knative' must be unset unless 'engine' is FunctionEngine.KNATIVE` },
  { class: 'choice', what: 'cpuUtilization on Knative', build: (c) => fn(c, { engine: FunctionEngine.KNATIVE, cpuUtilization: 50 }), message: "'cpuUtilization' must be unset with FunctionEngine.KNATIVE" },
  { class: 'policy', what: 'networkPolicy on Knative', build: (c) => fn(c, { engine: FunctionEngine.KNATIVE, networkPolicy: { enabled: true } }), message: "'networkPolicy' must be unset with FunctionEngine.KNATIVE" },
  { class: 'policy', what: 'networkPolicy on a Knative pipeline', build: (c) => new FunctionPipeline(c, 'p', { engine: FunctionEngine.KNATIVE, networkPolicy: { clients: [NetworkPeer.anywhere()] } }), message: `${PAT}: 'networkPolicy' must be unset with FunctionEngine.KNATIVE` },

  // env
  { class: 'env', what: 'env sets a successor URL variable', build: (c) => fn(c, { env: { FUNCTION_URL_X: kplus.EnvValue.fromValue('http://x') } }), message: "'env' must be free of names starting with 'FUNCTION_URL_'" },
  { class: 'env', what: 'env sets PORT', build: (c) => fn(c, { env: { PORT: kplus.EnvValue.fromValue('1') } }), message: "'env' must be free of 'PORT'" },
  { class: 'secret', what: 'an env value is a plain string (JavaScript caller)', build: (c) => fn(c, { env: { TOKEN: 'hunter2' } }), message: "'env.TOKEN' must be a kplus.EnvValue" },

  // the decorator
  { class: 'untyped', what: 'the decorator has no target', build: (c) => new FunctionDecorator(c, 'fn', { code: PY } as any), message: "FunctionDecorator 'test/fn': 'target' must be a kplus.Service" },
  { class: 'untyped', what: 'the decorator target is a URL string', build: (c) => new FunctionDecorator(c, 'fn', { code: PY, target: 'http://orders' as any }), message: "'target' must be a kplus.Service (the existing Service the decorator calls), got 'http://orders'" },
  { class: 'port', what: 'the decorator targetPort is not a port of the target', build: (c) => new FunctionDecorator(c, 'fn', { code: PY, target: orders(c), targetPort: 81 }), message: "'targetPort' must be a port of the target Service (80), got 81" },

  // the pipeline graph (checked at synthesis)
  { class: 'graph', what: 'an unknown successor', build: (c) => pipeline(c, (p) => p.addFunction('a', { code: PY, successors: [{ target: 'b' }] })), message: `${PAT}: 'a.successors' must be names of the pipeline's functions (a), got 'b'` },
  {
    class: 'graph',
    what: 'a cycle',
    build: (c) => pipeline(c, (p) => {
      p.addFunction('a', { code: PY, successors: [{ target: 'b' }] });
      p.addFunction('b', { code: JS, successors: [{ target: 'a' }] });
    }),
    message: `${PAT}: 'successors' must be acyclic (or 'allowCycles: true' to declare the loop), got 'a → b → a'`,
  },
  { class: 'graph', what: 'a self-loop', build: (c) => pipeline(c, (p) => p.addFunction('a', { code: PY, successors: [{ target: 'a' }] })), message: "'successors' must be acyclic (or 'allowCycles: true' to declare the loop), got 'a → a'" },
  {
    class: 'graph',
    what: 'an unreachable function',
    build: (c) => pipeline(c, (p) => {
      p.addFunction('a', { code: PY });
      p.addFunction('b', { code: JS });
    }),
    message: "'successors' must be to reach every function from the entry 'a', got 'b'",
  },
  { class: 'graph', what: 'the entry is not a function', build: (c) => pipeline(c, (p) => p.addFunction('a', { code: PY }), { entry: 'start' }), message: "'entry' must be one of the pipeline's functions (a), got 'start'" },
  { class: 'graph', what: 'the dead-letter sink is not a function', build: (c) => pipeline(c, (p) => p.addFunction('a', { code: PY }), { deadLetter: 'dlq' }), message: "'deadLetter' must be one of the pipeline's functions (a), got 'dlq'" },
  {
    class: 'graph',
    what: 'a successor is the dead-letter sink',
    build: (c) => pipeline(c, (p) => {
      p.addFunction('a', { code: PY, successors: [{ target: 'dlq' }] });
      p.addFunction('dlq', { code: JS });
    }, { deadLetter: 'dlq' }),
    message: "'a.successors' must be free of the dead-letter sink",
  },
  {
    class: 'graph',
    what: 'the dead-letter sink has successors',
    build: (c) => pipeline(c, (p) => {
      p.addFunction('a', { code: PY, successors: [{ target: 'b' }] });
      p.addFunction('b', { code: JS });
      p.addFunction('dlq', { code: JS, successors: [{ target: 'b' }] });
    }, { deadLetter: 'dlq' }),
    message: "'dlq.successors' must be empty: the dead-letter sink has no successors",
  },
  { class: 'graph', what: 'a pipeline without functions', build: (c) => pipeline(c, () => undefined), message: "'addFunction()' must be called at least once" },
  {
    class: 'graph',
    what: 'a function added twice',
    build: (c) => pipeline(c, (p) => {
      p.addFunction('a', { code: PY });
      p.addFunction('a', { code: PY });
    }),
    message: "'addFunction(name)' must be a name not added yet, got 'a'",
  },
  { class: 'graph', what: 'a successor named twice', build: (c) => pipeline(c, (p) => p.addFunction('a', { code: PY, successors: [{ target: 'b' }, { target: 'b' }] })), message: "'a.successors[1].target' must be named once, got 'b'" },
  { class: 'path', what: 'an optional successor whose field is not a dot path', build: (c) => pipeline(c, (p) => p.addFunction('a', { code: PY, successors: [{ target: 'b', when: 'user..phone' }] })), message: "'a.successors[0].when' must be a dot path of field names" },
  { class: 'untyped', what: 'a successor given as a string (JavaScript caller)', build: (c) => pipeline(c, (p) => p.addFunction('a', { code: PY, successors: ['b' as any] })), message: "'a.successors[0]' must be a FunctionSuccessor ({ target, when? }), got 'b'" },
  { class: 'name', what: 'a function name is not a DNS label', build: (c) => pipeline(c, (p) => p.addFunction('Create_User', { code: PY })), message: "'addFunction(name)' must be a DNS-1123 label" },
  { class: 'count', what: 'deliveryAttempts is 0', build: (c) => new FunctionPipeline(c, 'p', { deliveryAttempts: 0 }), message: `${PAT}: 'deliveryAttempts' must be an integer from 1 to 100, got 0` },
  { class: 'duration', what: 'the delivery timeout is 0', build: (c) => new FunctionPipeline(c, 'p', { deliveryTimeout: Duration.millis(0) }), message: "'deliveryTimeout' must be a duration of whole milliseconds from 1ms to 1h, got '0ms'" },

  // the delivery (PipelineDelivery.kafka(): a KafkaWorkflow stage per function)
  { class: 'untyped', what: 'delivery is a string (JavaScript caller)', build: (c) => new FunctionPipeline(c, 'p', { delivery: 'kafka' as any }), message: `${PAT}: 'delivery' must be a PipelineDelivery (PipelineDelivery.http(), PipelineDelivery.kafka({ … })), got 'kafka'` },
  { class: 'kafka', what: 'Kafka stage options on the HTTP delivery', build: (c) => pipeline(c, (p) => p.addFunction('a', { code: PY, kafkaStage: { replicas: 2 } })), message: `${PAT}: 'a.kafkaStage' must be unset unless 'delivery' is PipelineDelivery.kafka(), got {"replicas":2}` },
  { class: 'kafka', what: 'Kafka stage options on an explicit HTTP delivery', build: (c) => pipeline(c, (p) => p.addFunction('a', { code: PY, kafkaStage: {} }), { delivery: PipelineDelivery.http() }), message: `${PAT}: 'a.kafkaStage' must be unset unless 'delivery' is PipelineDelivery.kafka(), got {}` },
  { class: 'kafka', what: 'a dead-letter function with the Kafka delivery', build: (c) => pipeline(c, (p) => p.addFunction('a', { code: PY }), { delivery: kafka(), deadLetter: 'dead' }), message: `${PAT}: 'deadLetter' must be unset with PipelineDelivery.kafka() (events a function cannot take go to the workflow's dead-letter topic), got 'dead'` },
  { class: 'kafka', what: 'a workflow without a dead-letter topic', build: (c) => pipeline(c, (p) => p.addFunction('a', { code: PY }), { delivery: kafka({ workflow: userWorkflow(c, false) }) }), message: `${PAT}: 'delivery.workflow' must be a KafkaWorkflow with a deadLetterTopic (events a function cannot take go there), got 'test/wf'` },
  { class: 'kafka', what: 'a workflow and a cluster', build: (c) => pipeline(c, () => undefined, { delivery: kafka({ workflow: userWorkflow(c), cluster: KafkaCluster.embedded() }) }), message: `${PAT}: 'delivery.cluster' must be unset with delivery.workflow (the workflow has its cluster)` },
  { class: 'untyped', what: 'the workflow is not a KafkaWorkflow (JavaScript caller)', build: (c) => pipeline(c, () => undefined, { delivery: kafka({ workflow: 'wf' }) }), message: `${PAT}: 'delivery.workflow' must be a KafkaWorkflow, got 'wf'` },
  { class: 'count', what: 'topics of 0 partitions', build: (c) => pipeline(c, () => undefined, { delivery: kafka({ partitions: 0 }) }), message: `${PAT}: 'delivery.partitions' must be an integer from 1 to 10000, got 0` },
  { class: 'count', what: 'a stage with more replicas than its topic has partitions', build: (c) => pipeline(c, (p) => p.addFunction('a', { code: PY, kafkaStage: { replicas: 3 } }), { delivery: kafka({ partitions: 2 }) }), message: "KafkaStage 'test/p/Kafka/a-stage': 'replicas' must be an integer from 1 to 2 (the partitions of its input), got 3" },
  { class: 'untyped', what: 'Kafka stage options are a number (JavaScript caller)', build: (c) => pipeline(c, (p) => p.addFunction('a', { code: PY, kafkaStage: 2 as any }), { delivery: kafka() }), message: `${PAT}: 'a.kafkaStage' must be KafkaStageOptions ({ replicas, autoscaling }), got 2` },
  {
    class: 'graph',
    what: 'a function no event reaches (its topic is no source and no stage writes it)',
    build: (c) => pipeline(c, (p) => {
      p.addFunction('a', { code: PY });
      p.addFunction('b', { code: PY });
    }, { delivery: kafka() }),
    message: "'successors' must be to reach every function from the entry 'a', got 'b'",
  },
  {
    class: 'name',
    what: "a function whose stage name is taken in the user's workflow",
    build: (c) => {
      const w = userWorkflow(c);
      w.addTopic('out', { sink: true });
      w.addFilter('a-stage', { input: 'in', output: 'out', condition: 'true' });
      pipeline(c, (p) => p.addFunction('a', { code: PY }), { delivery: kafka({ workflow: w }) });
    },
    message: `${WF}: 'stage name' must be unique in the workflow, got 'a-stage'`,
  },
  // KafkaWorkflow.addHttpCall, the stage a function is delivered by
  { class: 'path', what: 'an HTTP-call stage without a URL', build: (c) => userWorkflow(c).addHttpCall('h', { input: 'in', url: js(undefined) }), message: `${WF}: 'url' of stage 'h' must be an http:// or https:// URL (no spaces, no \${…}), got undefined` },
  { class: 'path', what: 'an HTTP-call URL with an env interpolation', build: (c) => userWorkflow(c).addHttpCall('h', { input: 'in', url: 'http://${HOST}/' }), message: `${WF}: 'url' of stage 'h' must be an http:// or https:// URL (no spaces, no \${…}), got 'http://\${HOST}/'` },
  { class: 'count', what: 'an HTTP-call stage with 0 attempts', build: (c) => userWorkflow(c).addHttpCall('h', { input: 'in', url: 'http://x', attempts: 0 }), message: `${WF}: 'attempts' of stage 'h' must be an integer from 1 to 100, got 0` },
  { class: 'duration', what: 'an HTTP-call attempt bound of 0', build: (c) => userWorkflow(c).addHttpCall('h', { input: 'in', url: 'http://x', timeout: Duration.millis(0) }), message: `${WF}: 'timeout' of stage 'h' must be a duration of whole milliseconds from 1ms to 1h, got '0ms'` },
  { class: 'kafka', what: 'an HTTP-call route to an undeclared topic', build: (c) => userWorkflow(c).addHttpCall('h', { input: 'in', url: 'http://x', routes: [{ condition: 'true', output: 'nowhere' }] }), message: `${WF}: 'routes[0].output' of stage 'h' must be a topic declared with addTopic (declared: dlq, in), got 'nowhere'` },
  { class: 'untyped', what: 'an HTTP-call callTarget given as a string (JavaScript caller)', build: (c) => userWorkflow(c).addHttpCall('h', { input: 'in', url: 'http://x', callTarget: js('web') }), message: `${WF}: 'callTarget' of stage 'h' must be a NetworkRule ({ peer: NetworkPeer.pods(…), ports: [{ port }] }), got 'web'` },
  { class: 'policy', what: 'an HTTP-call callTarget on port 0', build: (c) => userWorkflow(c).addHttpCall('h', { input: 'in', url: 'http://x', callTarget: { peer: NetworkPeer.anywhere(), ports: [{ port: 0 }] } }), message: `${WF}: 'callTarget.ports[0].port' of stage 'h' must be an integer from 1 to 65535, got 0` },
  { class: 'policy', what: 'an HTTP-call callTarget port with protocol HTTP', build: (c) => userWorkflow(c).addHttpCall('h', { input: 'in', url: 'http://x', callTarget: { peer: NetworkPeer.anywhere(), ports: [{ port: 80, protocol: 'HTTP' }] } }), message: `${WF}: 'callTarget.ports[0].protocol' of stage 'h' must be one of 'TCP', 'UDP', 'SCTP', got 'HTTP'` },
  { class: 'untyped', what: 'an HTTP-call route given as a string (JavaScript caller)', build: (c) => userWorkflow(c).addHttpCall('h', { input: 'in', url: 'http://x', routes: [js('out')] }), message: `${WF}: 'routes[0]' of stage 'h' must be a route ({ condition, output }), got 'out'` },
  {
    class: 'mutation',
    what: 'addFunction() after synthesis',
    build: (c) => {
      const p = pipeline(c, (x) => x.addFunction('a', { code: PY }));
      (c.node.root as App).synthYaml();
      p.addFunction('b', { code: PY });
    },
    message: `${PAT}: addFunction() was called after the app was synthesized`,
  },
];

badInputs('FunctionService, FunctionDecorator, FunctionPipeline', cases);
