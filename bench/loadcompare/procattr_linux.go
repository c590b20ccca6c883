package main

import "syscall"

// childAttr makes a server process get SIGTERM when loadcompare dies, so
// that examples/server (which does not watch its stdin) does not outlive
// an interrupted run.
func childAttr() *syscall.SysProcAttr { return &syscall.SysProcAttr{Pdeathsig: syscall.SIGTERM} }
