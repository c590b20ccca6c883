//go:build linux || darwin || freebsd || netbsd || openbsd || dragonfly

package sqlstore

import (
	"fmt"
	"os"
	"syscall"
)

// walIndexBytes is how much of the -shm file is mapped: its headers (two
// copies of 48 bytes, then the checkpoint information), within one page.
const walIndexBytes = 136

func mapWALIndex(path string) ([]byte, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("%w: %v", errNoWALIndex, err)
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		return nil, fmt.Errorf("%w: %v", errNoWALIndex, err)
	}
	if fi.Size() < walIndexBytes {
		return nil, fmt.Errorf("%w: %s holds %d bytes", errNoWALIndex, path, fi.Size())
	}
	// A file system that cannot map it leaves the store to read
	// data_version instead.
	mem, err := syscall.Mmap(int(f.Fd()), 0, walIndexBytes, syscall.PROT_READ, syscall.MAP_SHARED)
	if err != nil {
		return nil, fmt.Errorf("%w: mapping %s: %v", errNoWALIndex, path, err)
	}
	return mem, nil
}

func unmapWALIndex(mem []byte) error { return syscall.Munmap(mem) }
