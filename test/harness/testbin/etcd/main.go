// etcd built from the etcd server module that k8s.io/kubernetes pins, for the test harness only.
package main

import (
	"os"

	"go.etcd.io/etcd/server/v3/etcdmain"
)

func main() { etcdmain.Main(os.Args) }
