// The bad-input suite of StatefulShards (issue 15), the public building block: every prop kind, typed and as a
// JavaScript or Python caller would pass it, must fail with a message naming the construct path, the prop and the
// value.
import { Chart, Size } from 'cdk8s';
import * as kplus from 'cdk8s-plus-27';
import { StatefulShards, StatefulShardsProps } from '../../src';
import { badInputs } from '../harness/bad-input';

const at = "StatefulShards 'test/s'";
const BASE: StatefulShardsProps = {
  name: 'kv',
  shards: 3,
  appName: 'redis',
  instance: 'kv',
  container: { name: 'redis', image: 'redis:7.2.5-alpine', ports: [{ number: 6379, name: 'redis' }] },
  uid: 999,
  gid: 1000,
  port: 6379,
  portName: 'redis',
};
const shards = (chart: Chart, props: any) => new StatefulShards(chart, 's', { ...BASE, ...props });
const container = (c: any) => ({ container: { ...BASE.container, ...c } });

badInputs('StatefulShards', [
  // ---- counts
  { class: 'count', what: 'shards is 0', build: (c) => shards(c, { shards: 0 }), message: `${at}: 'shards' must be an integer from 1 to 1024, got 0` },
  { class: 'count', what: 'shards is missing (a JavaScript caller)', build: (c) => shards(c, { shards: undefined }), message: `${at}: 'shards' must be an integer from 1 to 1024, got undefined` },
  { class: 'count', what: 'shards is fractional', build: (c) => shards(c, { shards: 2.5 }), message: `${at}: 'shards' must be an integer from 1 to 1024, got 2.5` },
  // ---- names
  { class: 'name', what: 'name has uppercase letters', build: (c) => shards(c, { name: 'KV' }), message: `${at}: 'name' must be a DNS-1123 label of at most 52 characters, got 'KV'` },
  { class: 'name', what: 'name leaves no room for the ordinal', build: (c) => shards(c, { name: 'k'.repeat(53) }), message: `${at}: 'name' must be a DNS-1123 label of at most 52 characters` },
  { class: 'name', what: 'name is missing', build: (c) => shards(c, { name: undefined }), message: `${at}: 'name' must be a DNS-1123 label of at most 52 characters, got undefined` },
  { class: 'name', what: 'storageClassName has an uppercase letter', build: (c) => shards(c, { dataDir: '/data', storage: Size.gibibytes(1), storageClassName: 'Fast' }), message: `${at}: 'storageClassName' must be a StorageClass name (a DNS-1123 subdomain: lowercase letters, digits, '-' and '.'), got 'Fast'` },
  { class: 'name', what: 'storageClassName has an underscore', build: (c) => shards(c, { dataDir: '/data', storage: Size.gibibytes(1), storageClassName: 'fast_ssd' }), message: `${at}: 'storageClassName' must be a StorageClass name (a DNS-1123 subdomain: lowercase letters, digits, '-' and '.'), got 'fast_ssd'` },
  { class: 'name', what: 'storageClassName is longer than 253 characters', build: (c) => shards(c, { dataDir: '/data', storage: Size.gibibytes(1), storageClassName: 'a'.repeat(254) }), message: `${at}: 'storageClassName' must be a StorageClass name (a DNS-1123 subdomain` },
  // ---- ports
  { class: 'port', what: 'port is 0', build: (c) => shards(c, { port: 0 }), message: `${at}: 'port' must be an integer from 1 to 65535, got 0` },
  { class: 'port', what: 'portName has an underscore', build: (c) => shards(c, { portName: 'redis_port' }), message: `${at}: 'portName' must be an IANA service name (at most 15 characters: lowercase letters, digits and single '-', with a letter), got 'redis_port'` },
  { class: 'port', what: 'portName is longer than 15 characters', build: (c) => shards(c, { portName: 'a-very-long-port-name' }), message: `${at}: 'portName' must be an IANA service name (at most 15 characters: lowercase letters, digits and single '-', with a letter), got 'a-very-long-port-name'` },
  // ---- images, env, resources of the shard container
  { class: 'image', what: 'the container image is unpinned', build: (c) => shards(c, container({ image: 'redis' })), message: `${at}: 'container.image' must be an image pinned to a tag or digest other than 'latest'` },
  { class: 'image', what: 'the container image has an uppercase repository', build: (c) => shards(c, container({ image: 'Redis:7.2.5' })), message: `${at}: 'container.image' must be a valid image reference` },
  { class: 'env', what: 'a container env name with a leading digit', build: (c) => shards(c, container({ envVariables: { '1X': kplus.EnvValue.fromValue('x') } })), message: `${at}: 'container.envVariables' must be variable names of letters, digits, '_', '-' and '.', not starting with a digit, got '1X'` },
  { class: 'resources', what: 'container memory request above limit', build: (c) => shards(c, container({ resources: { memory: { request: Size.gibibytes(2), limit: Size.gibibytes(1) } } })), message: `${at}: 'container.resources.memory.request' must be at most the memory limit (1024Mi), got '2048Mi'` },
  // ---- sizes and paths
  { class: 'size', what: 'storage is not whole MiB', build: (c) => shards(c, { dataDir: '/data', storage: Size.kibibytes(1536) }), message: `${at}: 'storage' must be a whole number of MiB from 1 to 1073741824, got '1.5Mi'` },
  { class: 'size', what: 'storage without a data dir', build: (c) => shards(c, { storage: Size.gibibytes(1) }), message: `${at}: 'storage' must be unset without 'dataDir' (the claim would be mounted nowhere)` },
  { class: 'path', what: 'dataDir is relative', build: (c) => shards(c, { dataDir: 'data' }), message: `${at}: 'dataDir' must be an absolute path without spaces or ':', got 'data'` },
  { class: 'path', what: 'a writable dir with a space', build: (c) => shards(c, { writableDirs: ['/tmp dir'] }), message: `${at}: 'writableDirs' must be an absolute path without spaces or ':', got '/tmp dir'` },
  // ---- labels
  { class: 'label', what: 'appName with a space', build: (c) => shards(c, { appName: 'redis server' }), message: `${at}: 'appName' must be a label value (at most 63 characters: alphanumerics, '-', '_' and '.', starting and ending with an alphanumeric), got 'redis server'` },
  { class: 'label', what: 'instance starting with a dash', build: (c) => shards(c, { instance: '-kv' }), message: `${at}: 'instance' must be a label value (at most 63 characters: alphanumerics, '-', '_' and '.', starting and ending with an alphanumeric), got '-kv'` },
  { class: 'label', what: 'component with a space', build: (c) => shards(c, { component: 'kv shard' }), message: `${at}: 'component' must be a label value (at most 63 characters: alphanumerics, '-', '_' and '.', starting and ending with an alphanumeric), got 'kv shard'` },
  { class: 'label', what: 'version with a plus sign', build: (c) => shards(c, { version: '7.2+build' }), message: `${at}: 'version' must be a label value (at most 63 characters: alphanumerics, '-', '_' and '.', starting and ending with an alphanumeric), got '7.2+build'` },
  { class: 'label', what: 'partOf with a slash', build: (c) => shards(c, { partOf: 'shop/kv' }), message: `${at}: 'partOf' must be a label value (at most 63 characters: alphanumerics, '-', '_' and '.', starting and ending with an alphanumeric), got 'shop/kv'` },
  // ---- security and pod options
  { class: 'policy', what: 'uid 0', build: (c) => shards(c, { uid: 0 }), message: `${at}: 'uid' must be an integer from 1 to 2147483647, got 0` },
  { class: 'policy', what: 'gid -1', build: (c) => shards(c, { gid: -1 }), message: `${at}: 'gid' must be an integer from 0 to 2147483647, got -1` },
  { class: 'policy', what: 'a ServiceAccount with an invalid name', build: (c) => shards(c, { pod: { serviceAccount: kplus.ServiceAccount.fromServiceAccountName(c, 'sa', 'KV') } }), message: `${at}: 'pod.serviceAccount' must be a ServiceAccount (kplus.ServiceAccount.fromServiceAccountName(...)) whose name is a DNS-1123 subdomain, got 'KV'` },
  { class: 'policy', what: 'a toleration with seconds but no NoExecute effect', build: (c) => shards(c, { pod: { tolerations: [{ key: 'k', operator: 'Exists', effect: 'NoSchedule', tolerationSeconds: 30 }] } }), message: `${at}: 'pod.tolerations[0].tolerationSeconds' must be unset unless the effect is 'NoExecute', got 30` },
  { class: 'choice', what: 'a spread constraint with an unknown whenUnsatisfiable', build: (c) => shards(c, { pod: { topologySpreadConstraints: [{ maxSkew: 1, topologyKey: 'kubernetes.io/hostname', whenUnsatisfiable: 'Maybe' }] } }), message: `${at}: 'pod.topologySpreadConstraints[0].whenUnsatisfiable' must be one of 'DoNotSchedule', 'ScheduleAnyway', got 'Maybe'` },
  // ---- untyped
  { class: 'untyped', what: 'shards as a string', build: (c) => shards(c, { shards: '3' }), message: `${at}: 'shards' must be an integer from 1 to 1024, got '3'` },
  { class: 'untyped', what: 'uid as a string', build: (c) => shards(c, { uid: '999' }), message: `${at}: 'uid' must be an integer from 1 to 2147483647, got '999'` },
  { class: 'untyped', what: "storage as '1Gi'", build: (c) => shards(c, { dataDir: '/data', storage: '1Gi' }), message: `${at}: 'storage' must be a Size (e.g. Size.mebibytes(64)), got '1Gi'` },
  { class: 'untyped', what: 'the container as a string', build: (c) => shards(c, { container: 'redis:7.2.5-alpine' }), message: `${at}: 'container' must be a kplus.ContainerProps ({ name, image, … }), got 'redis:7.2.5-alpine'` },
  { class: 'untyped', what: 'port as a string', build: (c) => shards(c, { port: '6379' }), message: `${at}: 'port' must be an integer from 1 to 65535, got '6379'` },
]);
