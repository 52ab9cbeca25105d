// Command kubectl is the upstream kubectl (k8s.io/kubectl/pkg/cmd), built at the version pinned in ../../go.mod
// so that the client matches the tier-2 API server.
package main

import (
	"k8s.io/component-base/cli"
	"k8s.io/kubectl/pkg/cmd"
	"k8s.io/kubectl/pkg/cmd/util"
)

func main() {
	if err := cli.RunNoErrOutput(cmd.NewDefaultKubectlCommand()); err != nil {
		util.CheckErr(err)
	}
}
