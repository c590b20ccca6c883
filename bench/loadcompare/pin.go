package main

import (
	"fmt"
	"os"
	"os/exec"
	"strconv"
)

// With -pin every server runs on pinnedServerCPU (config.serverCPU) and
// the load generator on generatorCPU. With two cores that gives a server
// one of its own: its CPU per request is not what the generator's work
// costs it in cache and scheduling, and its GOMAXPROCS (1) is what its
// core allows.
const (
	pinnedServerCPU = "1"
	generatorCPU    = "0"
)

// pinSelf moves every thread of this process, the load generator, to
// generatorCPU.
func pinSelf() error {
	out, err := exec.Command("taskset", "-a", "-p", "-c", generatorCPU, strconv.Itoa(os.Getpid())).CombinedOutput()
	if err != nil {
		return fmt.Errorf("-pin: taskset: %v: %s", err, out)
	}
	return nil
}

// serverCommand runs a server, on cpu if one is given: taskset sets the
// affinity and execs the server, which keeps its process id.
func serverCommand(cpu, exe string, args ...string) *exec.Cmd {
	if cpu == "" {
		return exec.Command(exe, args...)
	}
	return exec.Command("taskset", append([]string{"-c", cpu, exe}, args...)...)
}
