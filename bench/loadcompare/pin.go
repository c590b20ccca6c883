package main

import (
	"fmt"
	"os"
	"os/exec"
	"strconv"
)

// serverCPU, when set (-pin), is the CPU every server runs on; the load
// generator then runs on generatorCPU. With two cores that gives a server
// one of its own: its CPU per request is not what the generator's work
// costs it in cache and scheduling, and its GOMAXPROCS (1) is what its
// core allows.
var serverCPU string

const (
	pinnedServerCPU = "1"
	generatorCPU    = "0"
)

// pinSelf moves every thread of this process, the load generator, to
// generatorCPU, and makes servers start on pinnedServerCPU.
func pinSelf() error {
	out, err := exec.Command("taskset", "-a", "-p", "-c", generatorCPU, strconv.Itoa(os.Getpid())).CombinedOutput()
	if err != nil {
		return fmt.Errorf("-pin: taskset: %v: %s", err, out)
	}
	serverCPU = pinnedServerCPU
	return nil
}

// serverCommand runs a server, on serverCPU if one is set: taskset sets
// the affinity and execs the server, which keeps its process id.
func serverCommand(exe string, args ...string) *exec.Cmd {
	if serverCPU == "" {
		return exec.Command(exe, args...)
	}
	return exec.Command("taskset", append([]string{"-c", serverCPU, exe}, args...)...)
}
