package main

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"strconv"
	"strings"

	"github.com/gorump/gorump/rump"
)

// rssChildEnv, set in the environment, makes the runner a child that
// boots one kernel and reports its resident memory.
const rssChildEnv = "GORUMP_BENCH_RSS_CHILD"

// rssStats is the resident memory of a fresh runner process (everything
// linked in, nothing run) before and after it boots one kernel: the
// figure to hold against a C program that called rump_init.
type rssStats struct {
	Before int64 `json:"before_boot_bytes"`
	After  int64 `json:"after_boot_bytes"`
}

// measureRSS runs the runner again as an RSS child.
func measureRSS() (rssStats, error) {
	exe, err := os.Executable()
	if err != nil {
		return rssStats{}, err
	}
	cmd := exec.Command(exe)
	cmd.Env = append(os.Environ(), rssChildEnv+"=1")
	cmd.Stderr = os.Stderr
	out, err := cmd.Output()
	if err != nil {
		return rssStats{}, err
	}
	var st rssStats
	if err := json.Unmarshal(out, &st); err != nil {
		return rssStats{}, fmt.Errorf("child said %q: %v", out, err)
	}
	return st, nil
}

func rssChild() {
	var st rssStats
	var err error
	if st.Before, err = vmRSS(); err != nil {
		fatalf("%v", err)
	}
	k, err := rump.Init(rump.Options{})
	if err != nil {
		fatalf("boot: %v", err)
	}
	if st.After, err = vmRSS(); err != nil {
		fatalf("%v", err)
	}
	if err := k.Halt(); err != nil {
		fatalf("halt: %v", err)
	}
	if err := json.NewEncoder(os.Stdout).Encode(st); err != nil {
		fatalf("%v", err)
	}
}

// vmRSS returns the process's resident set size from /proc/self/status.
func vmRSS() (int64, error) {
	b, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return 0, err
	}
	sc := bufio.NewScanner(bytes.NewReader(b))
	for sc.Scan() {
		rest, ok := strings.CutPrefix(sc.Text(), "VmRSS:")
		if !ok {
			continue
		}
		kb, err := strconv.ParseInt(strings.TrimSuffix(strings.TrimSpace(rest), " kB"), 10, 64)
		if err != nil {
			return 0, fmt.Errorf("VmRSS %q: %v", rest, err)
		}
		return kb << 10, nil
	}
	return 0, fmt.Errorf("no VmRSS in /proc/self/status")
}
