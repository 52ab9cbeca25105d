// Command kube-apiserver is the upstream Kubernetes API server (k8s.io/kubernetes/cmd/kube-apiserver/app),
// built at the version pinned in ../../go.mod (1.34) for the tier-2 tests.
package main

import (
	"os"
	_ "time/tzdata" // the server's CronJob time zones, as in the upstream binary

	"k8s.io/component-base/cli"
	_ "k8s.io/component-base/logs/json/register"
	_ "k8s.io/component-base/metrics/prometheus/clientgo"
	_ "k8s.io/component-base/metrics/prometheus/version"
	"k8s.io/kubernetes/cmd/kube-apiserver/app"
)

func main() {
	os.Exit(cli.Run(app.NewAPIServerCommand()))
}
