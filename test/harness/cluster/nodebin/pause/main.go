// The pod sandbox ("pause") process of the test cluster: it holds the pod's namespaces and does
// nothing else until it is told to stop. No registry serves the upstream image here, so the
// harness builds this one and imports it into containerd.
package main

import (
	"os"
	"os/signal"
	"syscall"
)

func main() {
	stop := make(chan os.Signal, 1)
	signal.Notify(stop, syscall.SIGTERM, syscall.SIGINT)
	// As PID 1 of the sandbox it also reaps children that are re-parented to it.
	signal.Ignore(syscall.SIGCHLD)
	<-stop
}
