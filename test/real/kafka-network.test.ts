/**
 * Tier 2: the KafkaWorkflow example's NetworkPolicies, their meaning computed by cyclonus (an engine nobody here
 * wrote, `test/harness/netpol`): one pod per workload of the example (the brokers, the topics Job, every stage),
 * the cluster DNS, KEDA's operator, the upload API (the producers of `networkPolicy.clients`), Prometheus in
 * the monitoring namespace, the photo store (the stages' `extraEgress`) and a stranger; every pod to every port any
 * pod declares. The allowed connections must be the intended graph exactly.
 */
import { buildApp as buildPhotoApp } from '../../examples/kafka-photo-pipeline';
import { cyclonusVersion, ExtraPod, netpolTruthTable } from '../harness/netpol';

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
