#!/usr/bin/env bash
# Tier-2 tool: an Apache Kafka broker (KRaft, combined broker+controller) and its command-line tools, from the
# jars on Maven Central (tools/kafka/pom.xml pins the version), run on the Java 17 runtime.
#   $CDK8S_DP_TOOLS/kafka/libs/*.jar            the runtime closure of kafka_2.13 + kafka-tools + log4j2
#   $CDK8S_DP_TOOLS/kafka/config/log4j2.properties  quiet logging to stderr (level: $KAFKA_LOG_LEVEL, default WARN)
#   $BIN/kafka-run-class CLASS ARGS…             java -cp "libs/*" CLASS ARGS…
#   $BIN/kafka-server-start, kafka-storage, kafka-topics, kafka-console-producer, kafka-console-consumer,
#   kafka-consumer-groups                         the same main classes the Kafka distribution's scripts run
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

POM="$REPO_ROOT/tools/kafka/pom.xml"
KAFKA_DIR="$CDK8S_DP_TOOLS/kafka"
KAFKA_VERSION="$(sed -n 's|.*<kafka.version>\(.*\)</kafka.version>.*|\1|p' "$POM")"
# The stamp covers the pom and this script (the wrappers are written from it).
STAMP="$(cat "$POM" "${BASH_SOURCE[0]}" | sha256sum | cut -c1-16)"

if stamp_ok kafka "$STAMP" && [ -x "$BIN/kafka-server-start" ] && [ -f "$KAFKA_DIR/libs/kafka_2.13-$KAFKA_VERSION.jar" ]; then
  say "kafka $KAFKA_VERSION: already installed in $KAFKA_DIR"
  exit 0
fi

ensure_java_maven

say "kafka $KAFKA_VERSION: resolving jars from Maven Central ($POM)"
rm -rf "$KAFKA_DIR/libs.new"
mvn -B -q -Dstyle.color=never -f "$POM" dependency:copy-dependencies -DincludeScope=runtime -DoutputDirectory="$KAFKA_DIR/libs.new"
rm -rf "$KAFKA_DIR/libs"
mv "$KAFKA_DIR/libs.new" "$KAFKA_DIR/libs"

mkdir -p "$KAFKA_DIR/config"
cat > "$KAFKA_DIR/config/log4j2.properties" <<'EOF'
# Written by scripts/install/30-kafka.sh: everything to stderr, quiet unless KAFKA_LOG_LEVEL says otherwise.
status = warn
appender.stderr.type = Console
appender.stderr.name = STDERR
appender.stderr.target = SYSTEM_ERR
appender.stderr.layout.type = PatternLayout
appender.stderr.layout.pattern = [%d{HH:mm:ss,SSS}] %p %m (%c{1})%n
rootLogger.level = ${env:KAFKA_LOG_LEVEL:-WARN}
rootLogger.appenderRef.stderr.ref = STDERR
EOF

cat > "$BIN/kafka-run-class" <<EOF
#!/usr/bin/env bash
# Written by scripts/install/30-kafka.sh (Kafka $KAFKA_VERSION): run a Kafka main class on the Maven Central jars.
# KAFKA_HEAP_OPTS (default -Xmx512m) and KAFKA_OPTS add JVM options; KAFKA_LOG_LEVEL sets the log level.
set -euo pipefail
dir="$KAFKA_DIR"
[ \$# -ge 1 ] || { echo "usage: kafka-run-class CLASS [ARGS…]" >&2; exit 2; }
cls="\$1"; shift
exec java \${KAFKA_HEAP_OPTS:--Xmx512m} -XX:+UseSerialGC -Djava.awt.headless=true \\
  -Dlog4j2.configurationFile="\$dir/config/log4j2.properties" \${KAFKA_OPTS:-} \\
  -cp "\$dir/libs/*" "\$cls" "\$@"
EOF
chmod +x "$BIN/kafka-run-class"

wrapper() { # wrapper NAME CLASS [JVM options for short-lived tools]
  local opts=""
  [ -z "${3:-}" ] || opts="export KAFKA_OPTS=\"$3 \${KAFKA_OPTS:-}\""
  cat > "$BIN/$1" <<EOF
#!/usr/bin/env bash
# Written by scripts/install/30-kafka.sh (Kafka $KAFKA_VERSION).
$opts
exec "$BIN/kafka-run-class" $2 "\$@"
EOF
  chmod +x "$BIN/$1"
}
CLI_OPTS='-XX:TieredStopAtLevel=1 -Xshare:auto'
wrapper kafka-server-start kafka.Kafka
wrapper kafka-storage kafka.tools.StorageTool "$CLI_OPTS"
wrapper kafka-topics org.apache.kafka.tools.TopicCommand "$CLI_OPTS"
wrapper kafka-console-producer org.apache.kafka.tools.ConsoleProducer "$CLI_OPTS"
wrapper kafka-console-consumer org.apache.kafka.tools.consumer.ConsoleConsumer "$CLI_OPTS"
wrapper kafka-consumer-groups org.apache.kafka.tools.consumer.group.ConsumerGroupCommand "$CLI_OPTS"

# Smoke check: the storage tool prints a cluster id.
id="$("$BIN/kafka-storage" random-uuid)"
[ -n "$id" ] || { echo "kafka-storage random-uuid printed nothing" >&2; exit 1; }

stamp_set kafka "$STAMP"
say "kafka $KAFKA_VERSION: installed $(ls "$KAFKA_DIR/libs" | wc -l) jars in $KAFKA_DIR/libs; wrappers in $BIN:"
say "  kafka-run-class kafka-server-start kafka-storage kafka-topics kafka-console-producer kafka-console-consumer kafka-consumer-groups"
