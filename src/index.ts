// The package's public API: `export *` lines only, one group per floor (see docs/ARCHITECTURE.md).

// core: names, labels, images, security, availability, checksums, errors
export * from './core';
// hashing: twemproxy-exact hashes and the ketama ring
export * from './hashing';
// config: renderers of daemon config text
export * from './config/twemproxy';
export * from './config/nginx';
export * from './config/nginx-router';
export * from './config/nginx-split';
export * from './config/nginx-broker';
export * from './config/varnish';
export * from './config/fluent-bit';
export * from './config/work-queue';
export * from './config/kafka';
export * from './config/stream-processor-options';
export * from './config/stream-processor';
// runtime: programs that run in pods
export * from './runtime/health-adapter';
// crds: typed wrappers over the CRDs the library emits
export * from './crds/prometheus-operator';
export * from './crds/keda';
export * from './crds/strimzi';
export * from './crds/gateway-api';
export * from './crds/knative';
// blocks: what two or more patterns share
export * from './blocks';
// the patterns
export * from './single-node/sidecar-pod';
export * from './single-node/sidecar-pod/sidecar';
export * from './single-node/sidecar-pod/options';
export * from './single-node/sidecar-pod/git-credentials';
export * from './single-node/ambassador-sharded-redis';
export * from './single-node/adapter-monitoring';
export * from './single-node/adapter-monitoring/monitoring-adapter';
export * from './single-node/adapter-monitoring/options';
export * from './single-node/adapter-monitoring/health-check';
export * from './single-node/adapter-monitoring/mysql-options';
export * from './single-node/adapter-monitoring/mysql-exporter-options';
export * from './single-node/request-splitter';
export * from './single-node/service-broker';
export * from './single-node/service-broker/endpoint';
export * from './serving/replicated-service';
export * from './serving/replicated-service/tier-options';
export * from './serving/sharded-cache';
export * from './serving/sharded-cache/proxy';
export * from './serving/sharded-cache/options';
export * from './serving/sharded-service';
export * from './serving/scatter-gather';
export * from './serving/scatter-gather/merge-strategy';
export * from './serving/scatter-gather/hedge-policy';
export * from './serving/scatter-gather/request-partition';
export * from './serving/ownership-election';
export * from './serving/ownership-election/loss-action';
export * from './serving/functions';
export * from './serving/functions/code';
export * from './serving/functions/delivery';
export * from './batch/work-queue-jobs';
export * from './batch/work-queue-jobs/worker-mode';
export * from './batch/work-queue-jobs/work-items';
export * from './batch/work-queue-jobs/pod-failure-rule';
export * from './batch/work-queue-jobs/queue-engine';
export * from './batch/work-queue-jobs/queue-persistence';
export * from './batch/work-queue-jobs/worker-stage';
export * from './batch/kafka-workflow';
export * from './batch/kafka-workflow/cluster';
export * from './batch/kafka-workflow/security';
export * from './batch/kafka-workflow/topic';
export * from './batch/kafka-workflow/stage-options';
export * from './batch/kafka-workflow/stage';
