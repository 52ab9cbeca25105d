// RequestSplitter: bad input fails at synthesis with the construct path, the prop and the value (issue 18) — typed
// mistakes and the same props as a JavaScript or Python caller may pass them.
import { Chart } from 'cdk8s';
import { RequestSplitter, RequestSplitterProps, StickyKey } from '../../src';
import { BadInput, badInputs } from '../harness/bad-input';

const SIDES = [
  { name: 'web', host: 'web', port: 80, weight: 9 },
  { name: 'experiment', host: 'experiment', port: 80, weight: 1 },
];
const AT = "RequestSplitter 'test/split'";

function split(chart: Chart, props: Partial<RequestSplitterProps> | any = {}): RequestSplitter {
  return new RequestSplitter(chart, 'split', { backends: SIDES, ...props });
}
const side = (i: number, change: any) => SIDES.map((s, j) => (i === j ? { ...s, ...change } : s));

const cases: BadInput[] = [
  // weights
  { class: 'count', what: 'a weight of 0 beside a positive one', build: (c) => split(c, { backends: side(1, { weight: 0 }) }), message: `${AT}: 'backends[1].weight' must be an integer from 1 to 10000, got 0` },
  { class: 'count', what: 'every weight 0', build: (c) => split(c, { backends: side(0, { weight: 0 }).map((s) => ({ ...s, weight: 0 })) }), message: `${AT}: 'backends[*].weight' must be at least one weight above zero, got 0` },
  { class: 'count', what: 'a fractional weight', build: (c) => split(c, { backends: side(0, { weight: 0.9 }) }), message: "'backends[0].weight' must be an integer from 1 to 10000, got 0.9" },
  { class: 'count', what: 'a negative weight', build: (c) => split(c, { backends: side(1, { weight: -1 }) }), message: "'backends[1].weight' must be an integer from 1 to 10000, got -1" },
  { class: 'untyped', what: 'a weight as a string (JavaScript/Python)', build: (c) => split(c, { backends: side(1, { weight: '1' }) }), message: "'backends[1].weight' must be an integer from 1 to 10000, got '1'" },
  { class: 'count', what: 'a share below 0.01 %', build: (c) => split(c, { backends: [...side(0, { weight: 10000 }).map((s) => ({ ...s, weight: 10000 })), { name: 'tiny', host: 'tiny', port: 80, weight: 1 }] }), message: "'backends[*].weight' must be weights whose every share is at least 0.01 % (split_clients' resolution), got [10000,10000,1]" },
  // sides
  { class: 'count', what: 'a split with one side', build: (c) => split(c, { backends: [SIDES[0]] }), message: `${AT}: 'backends' must be a list of at least two sides (a split with one side is a plain proxy)` },
  { class: 'untyped', what: 'backends not a list', build: (c) => split(c, { backends: 'web,experiment' }), message: "'backends' must be a list of at least two sides (a split with one side is a plain proxy), got 'web,experiment'" },
  { class: 'name', what: 'two sides with one name', build: (c) => split(c, { backends: side(1, { name: 'web' }) }), message: "'backends' must be sides with distinct names, got 'web'" },
  { class: 'name', what: 'a side name nginx cannot use in an upstream name', build: (c) => split(c, { backends: side(1, { name: 'Exp-1' }) }), message: "'backends[1].name' must be a name of lowercase letters, digits and '_', starting with a letter (at most 40), got 'Exp-1'" },
  { class: 'name', what: 'a host that is no DNS name', build: (c) => split(c, { backends: side(0, { host: 'web_1' }) }), message: "'backends[0].host' must be a DNS name or IPv4 address, got 'web_1'" },
  { class: 'port', what: 'a side port 0', build: (c) => split(c, { backends: side(0, { port: 0 }) }), message: "'backends[0].port' must be an integer from 1 to 65535, got 0" },
  // stickiness
  { class: 'choice', what: 'a cookie name nginx cannot expose', build: (c) => split(c, { stickiness: StickyKey.cookie('my-session') }), message: `${AT}: 'stickiness' must be StickyKey.cookie(name) with a name of letters, digits and '_' (nginx exposes only those as $cookie_…), got 'my-session'` },
  { class: 'choice', what: 'a header name nginx cannot expose', build: (c) => split(c, { stickiness: StickyKey.header('X_User') }), message: "'stickiness' must be StickyKey.header(name) with a name of letters, digits and '-' (nginx exposes only those as $http_…), got 'X_User'" },
  { class: 'untyped', what: 'stickiness as a string', build: (c) => split(c, { stickiness: '$remote_addr' }), message: "'stickiness' must be a StickyKey (StickyKey.clientIp(), .cookie(name), .header(name)), got '$remote_addr'" },
  { class: 'choice', what: 'an in-pod ambassador sticky by client address', build: (c) => split(c, { app: { image: 'example/app:1.0.0' }, stickiness: StickyKey.clientIp() }), message: "'stickiness' must be StickyKey.cookie(name) or StickyKey.header(name) with 'app' (in the pod every request comes from 127.0.0.1, so the client address would put every user on one side), got 'StickyKey.clientIp()'" },
  { class: 'choice', what: 'an in-pod ambassador without a key', build: (c) => split(c, { app: { image: 'example/app:1.0.0' } }), message: "'stickiness' must be StickyKey.cookie(name) or StickyKey.header(name) with 'app' (in the pod every request comes from 127.0.0.1), got undefined" },
  // ports, counts, names
  { class: 'port', what: 'a privileged port', build: (c) => split(c, { port: 80 }), message: "'port' must be an integer from 1024 to 65535, got 80" },
  { class: 'port', what: 'the app on the splitter port', build: (c) => split(c, { app: { image: 'example/app:1.0.0', port: 8080 }, stickiness: StickyKey.cookie('u') }), message: "'port' must be a port no other container of the pod listens on" },
  { class: 'port', what: 'healthPort without app', build: (c) => split(c, { healthPort: 9000 }), message: "'healthPort' must be unset without 'app'" },
  { class: 'port', what: 'healthPort equal to port', build: (c) => split(c, { app: { image: 'example/app:1.0.0' }, stickiness: StickyKey.cookie('u'), healthPort: 8080 }), message: "'healthPort' must be a port other than 'port' (8080), got 8080" },
  { class: 'count', what: 'replicas 0', build: (c) => split(c, { replicas: 0 }), message: "'replicas' must be an integer from 1 to 1000, got 0" },
  { class: 'name', what: 'a backend header with a space', build: (c) => split(c, { backendHeader: 'X Split' }), message: "'backendHeader' must be a header name of letters, digits and '-', got 'X Split'" },
  { class: 'name', what: 'a name with an underscore', build: (c) => split(c, { name: 'my_split' }), message: "'name' must be a DNS-1123 label of at most 52 characters" },
  { class: 'image', what: 'an unpinned app image', build: (c) => split(c, { app: { image: 'example/app' }, stickiness: StickyKey.cookie('u') }), message: "'app.image'" },
  // the HTTPRoute
  { class: 'name', what: 'a route over a backend that is an IP address', build: (c) => split(c, { backends: side(1, { host: '10.0.0.7' }) }).addHttpRoute('R', { parentRefs: [{ name: 'gw' }] }), message: "'backends[1].host' must be a Service name ('name' or 'name.namespace[.svc[.cluster.local]]'): an HTTPRoute refers to Services, got '10.0.0.7'" },
  { class: 'count', what: 'a route without a Gateway', build: (c) => split(c).addHttpRoute('R', { parentRefs: [] }), message: "'addHttpRoute.parentRefs' must be a list of at least one Gateway ({ name, namespace?, sectionName? }), got []" },
  { class: 'name', what: 'a route host name with a port', build: (c) => split(c).addHttpRoute('R', { parentRefs: [{ name: 'gw' }], hostnames: ['shop.example.com:443'] }), message: "'addHttpRoute.hostnames[0]' must be a host name (lowercase DNS name, optionally starting with '*.'), got 'shop.example.com:443'" },
  { class: 'path', what: 'a relative route path', build: (c) => split(c).addHttpRoute('R', { parentRefs: [{ name: 'gw' }], pathPrefix: 'shop' }), message: "'addHttpRoute.pathPrefix' must be an absolute path, got 'shop'" },
  { class: 'name', what: 'two routes with one name', build: (c) => { const s = split(c); s.addHttpRoute('R', { parentRefs: [{ name: 'gw' }] }); s.addHttpRoute('R2', { parentRefs: [{ name: 'gw2' }] }); }, message: "'addHttpRoute.name' must be a route name not used yet by this splitter, got 'split'" },
];

badInputs('RequestSplitter', cases);
