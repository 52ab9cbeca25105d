// Command bento is a trimmed build of Bento (github.com/warpstreamlabs/bento, MIT) for the tier-2 tests:
// only the component packages the KafkaWorkflow stages use, so the build stays small. Installed by
// scripts/install/40-bento.sh into $CDK8S_DP_TOOLS/bin/bento.
package main

import (
	"context"

	"github.com/warpstreamlabs/bento/public/service"

	// Bloblang processors, memory caches, generate/drop/broker/switch, the mapping/branch/workflow processors.
	_ "github.com/warpstreamlabs/bento/public/components/pure"
	// stdin/stdout/file inputs and outputs, the http_server, command processor.
	_ "github.com/warpstreamlabs/bento/public/components/io"
	// kafka (sarama) and kafka_franz (franz-go) inputs and outputs.
	_ "github.com/warpstreamlabs/bento/public/components/kafka"
	// redis caches, inputs, outputs and processors (join/reduce state).
	_ "github.com/warpstreamlabs/bento/public/components/redis"
	// The prometheus metrics exporter.
	_ "github.com/warpstreamlabs/bento/public/components/prometheus"
)

// Version is set at build time with -ldflags "-X main.Version=...".
var Version = "dev"

func main() {
	service.RunCLI(
		context.Background(),
		service.CLIOptSetVersion(Version, ""),
		service.CLIOptSetBinaryName("bento"),
		service.CLIOptSetProductName("Bento"),
	)
}
