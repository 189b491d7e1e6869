package main

import (
	"bufio"
	"bytes"
	"cmp"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"runtime/debug"
	"slices"
	"strconv"
	"strings"
)

// rssRuns is how many times each probe program is weighed; the report
// keeps the run with the median total.
const rssRuns = 3

// The probe programs (package bench/rssprobe), built for each run.
const (
	probeEmpty = "github.com/gorump/gorump/bench/rssprobe/empty"
	probeBoot  = "github.com/gorump/gorump/bench/rssprobe/boot"
)

// rssStats is the resident memory of small programs built for the
// purpose: an empty Go program (the Go runtime's floor), and a program
// that links package rump, before and after it boots one kernel. The
// runner itself is not weighed: it links the testing package, the FFS
// tools and the benchmarks, which a program using gorump does not.
type rssStats struct {
	// Build is how the probes were built: the runner's own cgo setting,
	// tags and linker flags.
	Build  string   `json:"build"`
	Empty  rssPoint `json:"empty_go_program"`
	Linked rssPoint `json:"rump_linked"`
	Booted rssPoint `json:"rump_booted"`
	// Libs names the shared libraries mapped in the booted program.
	Libs []string `json:"shared_libraries,omitempty"`
	// NoCgo is the booted program built again with CGO_ENABLED=0,
	// weighed when the one built as the runner maps shared libraries.
	NoCgo *rssPoint `json:"rump_booted_cgo_disabled,omitempty"`
	Runs  int       `json:"runs"`
}

// rssPoint is a process's resident memory at one moment, split by what
// the pages hold, from /proc/PID/smaps.
type rssPoint struct {
	Total int64 `json:"total_bytes"`
	// Program is the pages of the executable: code, read-only data and
	// initialised data.
	Program int64 `json:"program_bytes"`
	// Libs is the pages of other files: the C library and the dynamic
	// linker, when the program is linked with cgo.
	Libs int64 `json:"shared_libraries_bytes"`
	// Other is the rest: memory the process made (Go heap, goroutine
	// and thread stacks, bss) and the vDSO.
	Other int64 `json:"other_bytes"`
}

// measureRSS builds the probe programs in a temporary folder and weighs
// them rssRuns times.
func measureRSS() (rssStats, error) {
	dir, err := os.MkdirTemp("", "gorump-bench-rss-")
	if err != nil {
		return rssStats{}, err
	}
	defer os.RemoveAll(dir)
	st := rssStats{Runs: rssRuns}
	if st.Build, err = buildProbes(dir, false); err != nil {
		return rssStats{}, err
	}
	var empty, linked, booted []rssPoint
	for range rssRuns {
		pts, _, err := weigh(filepath.Join(dir, "empty"), 1)
		if err != nil {
			return rssStats{}, fmt.Errorf("empty program: %v", err)
		}
		empty = append(empty, pts[0])
		pts, libs, err := weigh(filepath.Join(dir, "boot"), 2)
		if err != nil {
			return rssStats{}, fmt.Errorf("booting program: %v", err)
		}
		linked = append(linked, pts[0])
		booted = append(booted, pts[1])
		st.Libs = libs
	}
	st.Empty, st.Linked, st.Booted = medianPoint(empty), medianPoint(linked), medianPoint(booted)
	if st.Booted.Libs == 0 {
		return st, nil
	}
	nocgo := filepath.Join(dir, "nocgo")
	if _, err := buildProbes(nocgo, true); err != nil {
		return rssStats{}, err
	}
	booted = booted[:0]
	for range rssRuns {
		pts, _, err := weigh(filepath.Join(nocgo, "boot"), 2)
		if err != nil {
			return rssStats{}, fmt.Errorf("booting program without cgo: %v", err)
		}
		booted = append(booted, pts[1])
	}
	pt := medianPoint(booted)
	st.NoCgo = &pt
	return st, nil
}

// buildProbes builds the probe programs into dir as the runner itself was
// built (cgo on or off, tags, linker flags), or with cgo off if noCgo,
// and says how.
func buildProbes(dir string, noCgo bool) (string, error) {
	gocmd, err := exec.LookPath("go")
	if err != nil {
		return "", fmt.Errorf("the go command builds the probe programs: %v", err)
	}
	args := []string{"build", "-o", dir + string(filepath.Separator)}
	env := os.Environ()
	how := []string{}
	if bi, ok := debug.ReadBuildInfo(); ok {
		for _, s := range bi.Settings {
			switch s.Key {
			case "CGO_ENABLED":
				if !noCgo {
					env = append(env, "CGO_ENABLED="+s.Value)
					how = append(how, "CGO_ENABLED="+s.Value)
				}
			case "-tags", "-ldflags":
				args = append(args, s.Key+"="+s.Value)
				how = append(how, s.Key+"="+s.Value)
			}
		}
	}
	if noCgo {
		env = append(env, "CGO_ENABLED=0")
		how = append(how, "CGO_ENABLED=0")
	}
	cmd := exec.Command(gocmd, append(args, probeEmpty, probeBoot)...)
	cmd.Env = env
	if out, err := cmd.CombinedOutput(); err != nil {
		return "", fmt.Errorf("go build of the probe programs (run the runner inside the gorump module): %v\n%s", err, out)
	}
	return strings.Join(how, " "), nil
}

// weigh runs a probe program and weighs it at each of its stops, and
// returns the shared libraries it maps at the last.
func weigh(exe string, stops int) ([]rssPoint, []string, error) {
	cmd := exec.Command(exe)
	stdin, err := cmd.StdinPipe()
	if err != nil {
		return nil, nil, err
	}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		return nil, nil, err
	}
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		return nil, nil, err
	}
	var pts []rssPoint
	var libs []string
	var b [1]byte
	for range stops {
		if _, err = io.ReadFull(stdout, b[:]); err != nil {
			break
		}
		var pt rssPoint
		if pt, libs, err = smaps(cmd.Process.Pid); err != nil {
			break
		}
		pts = append(pts, pt)
		if _, err = stdin.Write(b[:]); err != nil {
			break
		}
	}
	stdin.Close()
	if werr := cmd.Wait(); err == nil && werr != nil {
		err = fmt.Errorf("%v: %s", werr, bytes.TrimSpace(stderr.Bytes()))
	}
	return pts, libs, err
}

// smaps weighs process pid from /proc/PID/smaps and names the other files
// it maps pages of.
func smaps(pid int) (rssPoint, []string, error) {
	proc := "/proc/" + strconv.Itoa(pid)
	exe, err := os.Readlink(proc + "/exe")
	if err != nil {
		return rssPoint{}, nil, err
	}
	b, err := os.ReadFile(proc + "/smaps")
	if err != nil {
		return rssPoint{}, nil, err
	}
	var pt rssPoint
	var libs []string
	file := ""
	sc := bufio.NewScanner(bytes.NewReader(b))
	for sc.Scan() {
		f := strings.Fields(sc.Text())
		if len(f) == 0 {
			continue
		}
		if !strings.HasSuffix(f[0], ":") {
			// A mapping's first line: range, perms, offset, dev, inode,
			// then the path if it maps a file.
			file = ""
			if len(f) >= 6 {
				file = strings.Join(f[5:], " ")
			}
			continue
		}
		if f[0] != "Rss:" || len(f) < 2 {
			continue
		}
		kb, err := strconv.ParseInt(f[1], 10, 64)
		if err != nil {
			return rssPoint{}, nil, fmt.Errorf("%s/smaps: %q: %v", proc, sc.Text(), err)
		}
		rss := kb << 10
		pt.Total += rss
		switch {
		case file == exe:
			pt.Program += rss
		case strings.HasPrefix(file, "/"):
			pt.Libs += rss
			if rss > 0 && !slices.Contains(libs, filepath.Base(file)) {
				libs = append(libs, filepath.Base(file))
			}
		default:
			pt.Other += rss
		}
	}
	if pt.Total == 0 {
		return rssPoint{}, nil, errors.New(proc + "/smaps: no resident pages")
	}
	return pt, libs, sc.Err()
}

// medianPoint returns the point with the median total.
func medianPoint(pts []rssPoint) rssPoint {
	pts = slices.Clone(pts)
	slices.SortFunc(pts, func(a, b rssPoint) int { return cmp.Compare(a.Total, b.Total) })
	return pts[len(pts)/2]
}

func (pt rssPoint) String() string {
	return fmt.Sprintf("%s (program %s, shared libraries %s, other %s)",
		fmtBytes(float64(pt.Total)), fmtBytes(float64(pt.Program)), fmtBytes(float64(pt.Libs)), fmtBytes(float64(pt.Other)))
}
