#!/usr/bin/env bash
# Tier-2 test data: the CustomResourceDefinitions the library targets, for the test kube-apiserver. Test-time
# files only, never committed. One directory per source under $CDK8S_DP_TOOLS/crds/:
#   keda/                 ScaledObject, ScaledJob, TriggerAuthentication, ClusterTriggerAuthentication
#                         (Go module github.com/kedacore/keda/v2, config/crd/bases/)
#   prometheus-operator/  ServiceMonitor, PodMonitor, PrometheusRule
#                         (Go module github.com/prometheus-operator/prometheus-operator, example/prometheus-operator-crd/)
#   strimzi/              Kafka, KafkaNodePool, KafkaTopic — generated the way Strimzi's own build does, by its
#                         CRD generator (io.strimzi:crd-generator) from the annotated model classes (io.strimzi:api),
#                         both from Maven Central: no Strimzi jar carries the CRD YAML itself.
#
# The Go modules are checked against the h1: hashes pinned below (only the module proxy is reachable).
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

# The versions of the 27 line (Kubernetes 1.27): the newest obtainable here that support 1.27, or the closest.
# KEDA supports three Kubernetes minors per release (2.13 and 2.14: 1.27–1.29); the module proxy serves v2.15.1,
# v2.16.1, v2.20.2 and v2.21.0 and no 2.13/2.14. v2.15.1's ScaledJob CRD has no properties under the pod
# template's metadata, so the API server prunes its labels and annotations (the dry run with --validate=strict
# rejects them: "unknown field spec.jobTargetRef.template.metadata.labels") — the Jobs' pods would lose the labels
# their NetworkPolicy and PodDisruptionBudget select. v2.16.1 (1.29–1.31) is the oldest that keeps them: the 27
# line's KEDA, and the README says KEDA ≥ 2.16 (the 34 line: v2.21.0).
KEDA_VERSION=v2.16.1
KEDA_SUM="h1:LfYsxfSX8DjetLW8q9qnriImH936POrQJvE+caRoScI="
PROMOP_VERSION=v0.94.0
PROMOP_SUM="h1:VxMKzqr8Xqw5/QInNT7a3B5XInPnHqE7SD2UIdwKpRM="
# Strimzi 0.50 is the last release for Kubernetes 1.27 (0.48–0.50 support 1.27+; from 0.51 on only 1.30+) and
# serves kafka.strimzi.io v1beta2 (storage) and v1, the version the library writes; 1.x serves v1 only and its jars
# need Java 21 (the 34 line's). Maven Central has the crd-generator for 0.45.0 and 1.2.0 only; 0.45.0's runs on
# Java 17 and reads 0.50's model.
STRIMZI_API_VERSION=0.50.1
STRIMZI_CRDGEN_VERSION=0.45.0

CRDS="$CDK8S_DP_TOOLS/crds"
GO="${GO:-$(command -v go || echo /usr/local/go/bin/go)}"
stamp="$(cat "${BASH_SOURCE[0]}" | sha256sum | cut -c1-16)"
expected=(keda/keda.sh_scaledobjects.yaml keda/keda.sh_scaledjobs.yaml keda/keda.sh_triggerauthentications.yaml
  keda/keda.sh_clustertriggerauthentications.yaml
  prometheus-operator/monitoring.coreos.com_servicemonitors.yaml prometheus-operator/monitoring.coreos.com_podmonitors.yaml
  prometheus-operator/monitoring.coreos.com_prometheusrules.yaml
  strimzi/040-Crd-kafka.yaml strimzi/043-Crd-kafkatopic.yaml strimzi/045-Crd-kafkanodepool.yaml)
all_there() { for f in "${expected[@]}"; do [ -s "$CRDS/$f" ] || return 1; done; }

if stamp_ok crds "$stamp" && all_there; then
  say "CRDs (KEDA $KEDA_VERSION, prometheus-operator $PROMOP_VERSION, Strimzi $STRIMZI_API_VERSION): already in $CRDS"
  exit 0
fi

[ -x "$GO" ] || { echo "Go is needed to fetch the KEDA and prometheus-operator modules; none at $GO" >&2; exit 1; }
rm -rf "$CRDS.new"
mkdir -p "$CRDS.new/keda" "$CRDS.new/prometheus-operator" "$CRDS.new/strimzi"

# --- KEDA ---
dir="$(go_module_dir github.com/kedacore/keda/v2 "$KEDA_VERSION" "$KEDA_SUM")"
cp "$dir"/config/crd/bases/keda.sh_*.yaml "$CRDS.new/keda/"
say "KEDA $KEDA_VERSION: $(cd "$CRDS.new/keda" && ls | tr '\n' ' ')"

# --- prometheus-operator ---
dir="$(go_module_dir github.com/prometheus-operator/prometheus-operator "$PROMOP_VERSION" "$PROMOP_SUM")"
for f in servicemonitors podmonitors prometheusrules; do
  cp "$dir/example/prometheus-operator-crd/monitoring.coreos.com_$f.yaml" "$CRDS.new/prometheus-operator/"
done
say "prometheus-operator $PROMOP_VERSION: $(cd "$CRDS.new/prometheus-operator" && ls | tr '\n' ' ')"

# --- Strimzi ---
ensure_java_maven
build="$CRDS.new/.strimzi-build"
mkdir -p "$build"
cat > "$build/pom.xml" <<EOF
<?xml version="1.0" encoding="UTF-8"?>
<!-- Written by scripts/install/60-crds.sh: Strimzi's model classes and CRD generator, to generate its CRDs. -->
<project xmlns="http://maven.apache.org/POM/4.0.0">
  <modelVersion>4.0.0</modelVersion>
  <groupId>cdk8s-distributed-patterns.tools</groupId>
  <artifactId>strimzi-crds</artifactId>
  <version>0</version>
  <packaging>pom</packaging>
  <dependencies>
    <dependency><groupId>io.strimzi</groupId><artifactId>api</artifactId><version>$STRIMZI_API_VERSION</version></dependency>
    <dependency><groupId>io.strimzi</groupId><artifactId>crd-generator</artifactId><version>$STRIMZI_CRDGEN_VERSION</version></dependency>
  </dependencies>
  <build><pluginManagement><plugins><plugin>
    <groupId>org.apache.maven.plugins</groupId><artifactId>maven-dependency-plugin</artifactId><version>3.8.1</version>
  </plugin></plugins></pluginManagement></build>
</project>
EOF
mvn -B -q -Dstyle.color=never -f "$build/pom.xml" dependency:copy-dependencies -DincludeScope=runtime \
  -DoutputDirectory="$build/libs"
# The arguments of Strimzi's api/pom.xml (generate-crd-co-install-v1*): labels, versions, storage version; the
# Kafka CRD without field descriptions, as Strimzi ships it (it is large).
gen() { java -cp "$build/libs/*" io.strimzi.crdgenerator.CrdGenerator --label app:strimzi \
  --label strimzi.io/crd-install:true --target-kube 1.16+ --crd-api-version v1 --yaml "$@" 2>&1 | grep -v '^SLF4J' || true; }
m=io.strimzi.api.kafka.model
out="$CRDS.new/strimzi"
gen --api-versions v1beta2,v1 --storage-version v1beta2 --describe-api-versions v1alpha1 \
  "$m.kafka.Kafka=$out/040-Crd-kafka.yaml"
gen --api-versions v1beta2,v1 --storage-version v1beta2 "$m.nodepool.KafkaNodePool=$out/045-Crd-kafkanodepool.yaml"
gen --api-versions v1alpha1,v1beta1,v1beta2,v1 --storage-version v1beta2 "$m.topic.KafkaTopic=$out/043-Crd-kafkatopic.yaml"
rm -rf "$build"
say "Strimzi $STRIMZI_API_VERSION (generator $STRIMZI_CRDGEN_VERSION): $(cd "$out" && ls | tr '\n' ' ')"

rm -rf "$CRDS"
mv "$CRDS.new" "$CRDS"
all_there || { echo "some CRD files are missing or empty in $CRDS" >&2; exit 1; }
stamp_set crds "$stamp"
say "CRDs installed in $CRDS:"
for f in "${expected[@]}"; do
  say "  $f: $(sed -n 's/^    kind: //p' "$CRDS/$f" | head -1) $(sed -nE 's/^(  - |    )name: (v[0-9a-z]+)$/\2/p' "$CRDS/$f" | tr '\n' ' ')"
done
