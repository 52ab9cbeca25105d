/**
 * Tier 2: the KafkaWorkflow example's NetworkPolicies, their meaning computed by cyclonus (an engine nobody here
 * wrote, `test/harness/netpol`): one pod per workload of the example (the brokers, the topics Job, every stage),
 * the cluster DNS, KEDA's operator, the upload API (the producers of `networkPolicy.clients`), Prometheus in
 * the monitoring namespace, the photo store (the stages' `extraEgress`) and a stranger; every pod to every port any
 * pod declares. The allowed connections must be the intended graph exactly. And the policies of every cluster kind
 * are accepted by the real kube-apiserver.
 */
import { Chart, Testing } from 'cdk8s';
import { buildApp as buildPhotoApp } from '../../examples/kafka-photo-pipeline';
import { KafkaCluster, KafkaWorkflow, NetworkPeer } from '../../src';
import { assertValid } from '../harness';
import { serverDryRun, startApiServer } from '../harness/apiserver';
import { cyclonusVersion, ExtraPod, netpolTruthTable } from '../harness/netpol';
import { stopAll } from '../harness/proc';

afterAll(() => stopAll());

describe('the NetworkPolicies of the Kafka example, computed by cyclonus', () => {
  test('every pod to every declared port: the allowed connections are exactly the intended graph', () => {
    // GIVEN the example's objects and the pods around it
    const objs = buildPhotoApp().charts.flatMap((c) => c.toJson());
    const extraPods: ExtraPod[] = [
      { namespace: 'kube-system', name: 'coredns', labels: { 'k8s-app': 'kube-dns' }, ports: [{ port: 53, protocol: 'UDP' }, { port: 53 }] },
      { namespace: 'keda', name: 'keda-operator', labels: { 'app.kubernetes.io/name': 'keda-operator' } },
      { namespace: 'photos', name: 'upload-api', labels: { 'app.kubernetes.io/name': 'upload-api' } },
      { namespace: 'monitoring', name: 'prometheus', labels: { 'app.kubernetes.io/name': 'prometheus' } },
      { namespace: 'media', name: 'photo-store', labels: { 'app.kubernetes.io/name': 'photo-store' }, ports: [{ port: 9000 }] },
      { namespace: 'photos', name: 'stranger', labels: { app: 'stranger' } },
    ];
    // WHEN cyclonus computes the truth table
    const t = netpolTruthTable(objs, undefined, { extraPods });
    const topics = t.pods.find((p) => /^photos-topics-[0-9a-f]{8}$/.test(p.name))!.id;
    const bento = ['uploads', 'validate', 'fan-out', 'assemble', 'route', 'by-user', 'label-counts'].map((s) => `photos/photos-${s}`);
    const custom = ['thumbnailer', 'face-detector', 'object-detector'].map((s) => `photos/photos-${s}`);
    const stages = [...bento, ...custom];
    expect(t.pods.map((p) => p.id)).toEqual(expect.arrayContaining(['photos/photos-kafka', topics, ...stages]));
    // THEN the brokers accept each other (client and controller ports), the topics Job, every stage, the upload API
    // and KEDA on 9092; Prometheus scrapes the stream processor's 4195; the stages reach the photo store; the
    // workflow's pods reach DNS; nothing else (no stage accepts anything but the scrape, the custom stages' 8080 is
    // closed, the stranger reaches nothing of the workflow)
    const dns = (from: string) => [`${from} → kube-system/coredns 53/TCP`, `${from} → kube-system/coredns 53/UDP`];
    const open = ['kube-system/coredns', 'keda/keda-operator', 'photos/upload-api', 'monitoring/prometheus', 'media/photo-store', 'photos/stranger'];
    const intended = [
      'photos/photos-kafka → photos/photos-kafka 9092/TCP',
      'photos/photos-kafka → photos/photos-kafka 9093/TCP',
      ...[topics, ...stages, 'photos/upload-api', 'keda/keda-operator'].map((f) => `${f} → photos/photos-kafka 9092/TCP`),
      ...bento.map((s) => `monitoring/prometheus → ${s} 4195/TCP`),
      ...stages.map((s) => `${s} → media/photo-store 9000/TCP`),
      ...['photos/photos-kafka', topics, ...stages].flatMap(dns),
      // the pods without a policy among themselves (only DNS and the store declare ports)
      ...open.flatMap((f) => [...dns(f), `${f} → media/photo-store 9000/TCP`]),
    ].sort();
    expect(t.allowed).toEqual(intended);
    // eslint-disable-next-line no-console
    console.log(`kafka example, cyclonus ${cyclonusVersion()}: ${t.pods.length} pods, ${t.results.length} probes, ${t.allowed.length} allowed (the intended graph exactly)`);
  }, 120_000);
});

describe('the NetworkPolicies of every cluster kind, accepted by the real kube-apiserver', () => {
  test('embedded (the example), Strimzi and external: every policy accepted strictly, without warnings', async () => {
    const api = await startApiServer();
    const example = buildPhotoApp().charts.flatMap((c) => c.toJson()).filter((o) => o.kind === 'NetworkPolicy');
    const app = Testing.app();
    const chart = new Chart(app, 'kinds', { namespace: api.namespace });
    const kinds = [
      ['strimzi', KafkaCluster.strimzi()],
      ['external', KafkaCluster.external({ bootstrapServers: ['kafka.data.svc:9092', '10.0.0.7:9094'] })],
    ] as const;
    for (const [id, cluster] of kinds) {
      const wf = new KafkaWorkflow(chart, id, { cluster, networkPolicy: { monitoring: NetworkPeer.namespace('monitoring') } });
      wf.addTopic('in', { partitions: 3, source: true });
      wf.addTopic('out', { partitions: 3, sink: true });
      wf.addFilter('keep', { input: 'in', output: 'out', condition: 'this.ok', autoscaling: { maxReplicas: 3 } });
    }
    app.synth();
    const policies = [...example, ...chart.toJson().filter((o) => o.kind === 'NetworkPolicy')];
    assertValid(policies);
    const verdicts = await serverDryRun(api, policies);
    expect(verdicts.map((v) => `${v.kind}/${v.name}`)).toEqual(policies.map((o) => `${o.kind}/${o.metadata.name}`));
    expect(verdicts.filter((v) => !v.accepted || v.warnings.length > 0)).toEqual([]);
    expect(policies.length).toBe(12 + 1 + 2); // the example's brokers, topics Job and 10 stages; Strimzi's stage; external's topics Job and stage
    await api.stop();
  }, 300_000);
});
