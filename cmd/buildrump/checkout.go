package main

import (
	"bufio"
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"time"
)

// modulePath is the module buildrump builds.
const modulePath = "github.com/gorump/gorump"

// pinsName is the file at the root of a checkout that pins it.
const pinsName = "buildrump.pins"

// findModuleRoot returns the root of the gorump module that holds dir,
// or "" if dir is not inside it.
func findModuleRoot(dir string) string {
	for {
		if data, err := os.ReadFile(filepath.Join(dir, "go.mod")); err == nil {
			if moduleLine(data) == modulePath {
				return dir
			}
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return ""
		}
		dir = parent
	}
}

// moduleLine returns the path in go.mod's module line.
func moduleLine(gomod []byte) string {
	for line := range strings.SplitSeq(string(gomod), "\n") {
		if rest, ok := strings.CutPrefix(strings.TrimSpace(line), "module "); ok {
			return strings.Trim(strings.TrimSpace(rest), `"`)
		}
	}
	return ""
}

// pins is what a checkout was made from, and a hash of each of its
// files, so that a build can refuse a tree that has changed since.
type pins struct {
	module   string
	origin   string   // the directory it was copied from
	commit   string   // the origin's git HEAD, "" outside git
	date     string   // the commit's date, RFC 3339 in UTC
	dirty    bool     // the origin's working tree differed from HEAD
	requires []string // vendored modules: "golang.org/x/net v0.62.0"
	files    map[string]string
}

// version is the pinned source as a Go pseudo-version names a commit.
func (p *pins) version() string {
	if p.commit == "" {
		return "(not from git)"
	}
	v := "v0.0.0-"
	if t, err := time.Parse(time.RFC3339, p.date); err == nil {
		v += t.UTC().Format("20060102150405") + "-"
	}
	v += p.commit[:min(12, len(p.commit))]
	if p.dirty {
		v += "+dirty"
	}
	return v
}

// treeHash is one hash over every file's.
func (p *pins) treeHash() string {
	h := sha256.New()
	for _, name := range slices.Sorted(mapKeys(p.files)) {
		fmt.Fprintf(h, "%s  %s\n", p.files[name], name)
	}
	return "sha256:" + hex.EncodeToString(h.Sum(nil))
}

func mapKeys[V any](m map[string]V) func(func(string) bool) {
	return func(yield func(string) bool) {
		for k := range m {
			if !yield(k) {
				return
			}
		}
	}
}

// write writes the pins into dir.
func (p *pins) write(dir string) error {
	var b bytes.Buffer
	fmt.Fprintf(&b, "# Written by buildrump checkout. buildrump build refuses this tree\n")
	fmt.Fprintf(&b, "# if any file differs from the hash below.\n")
	fmt.Fprintf(&b, "module %s\n", p.module)
	fmt.Fprintf(&b, "origin %s\n", p.origin)
	if p.commit != "" {
		fmt.Fprintf(&b, "commit %s\ndate %s\n", p.commit, p.date)
	}
	fmt.Fprintf(&b, "dirty %v\n", p.dirty)
	for _, r := range p.requires {
		fmt.Fprintf(&b, "require %s\n", r)
	}
	fmt.Fprintf(&b, "tree %s\n", p.treeHash())
	for _, name := range slices.Sorted(mapKeys(p.files)) {
		fmt.Fprintf(&b, "file %s %s\n", p.files[name], name)
	}
	return os.WriteFile(filepath.Join(dir, pinsName), b.Bytes(), 0o644)
}

// readPins reads the pins of the checkout in dir.
func readPins(dir string) (*pins, error) {
	f, err := os.Open(filepath.Join(dir, pinsName))
	if err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			return nil, fmt.Errorf("%s is not a checkout (no %s): run buildrump checkout", dir, pinsName)
		}
		return nil, err
	}
	defer f.Close()
	p := &pins{files: map[string]string{}}
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		key, value, _ := strings.Cut(sc.Text(), " ")
		switch key {
		case "module":
			p.module = value
		case "origin":
			p.origin = value
		case "commit":
			p.commit = value
		case "date":
			p.date = value
		case "dirty":
			p.dirty = value == "true"
		case "require":
			p.requires = append(p.requires, value)
		case "file":
			sum, name, ok := strings.Cut(value, " ")
			if !ok {
				return nil, fmt.Errorf("%s: bad line %q", pinsName, sc.Text())
			}
			p.files[name] = sum
		}
	}
	if err := sc.Err(); err != nil {
		return nil, err
	}
	if p.module != modulePath {
		return nil, fmt.Errorf("%s: pins module %q, not %s", filepath.Join(dir, pinsName), p.module, modulePath)
	}
	return p, nil
}

// hashTree hashes every file under dir but the pins and what is under
// the directories of skip: build output inside a tarup tree.
func hashTree(dir string, skip ...string) (map[string]string, error) {
	files := map[string]string{}
	err := filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() {
			if path != dir && slices.Contains(skip, path) {
				return filepath.SkipDir
			}
			return nil
		}
		rel, _ := filepath.Rel(dir, path)
		rel = filepath.ToSlash(rel)
		if rel == pinsName {
			return nil
		}
		sum, err := hashFile(path, d)
		if err != nil {
			return err
		}
		files[rel] = sum
		return nil
	})
	return files, err
}

// hashFile hashes a file's contents, or a symlink's target.
func hashFile(path string, d fs.DirEntry) (string, error) {
	h := sha256.New()
	if d.Type()&fs.ModeSymlink != 0 {
		target, err := os.Readlink(path)
		if err != nil {
			return "", err
		}
		io.WriteString(h, "symlink "+target)
		return hex.EncodeToString(h.Sum(nil)), nil
	}
	f, err := os.Open(path)
	if err != nil {
		return "", err
	}
	defer f.Close()
	if _, err := io.Copy(h, f); err != nil {
		return "", err
	}
	return hex.EncodeToString(h.Sum(nil)), nil
}

// verifyPins checks that the tree in dir is the one its pins hash,
// leaving out the directories of skip.
func verifyPins(dir string, skip ...string) (*pins, error) {
	p, err := readPins(dir)
	if err != nil {
		return nil, err
	}
	files, err := hashTree(dir, skip...)
	if err != nil {
		return nil, err
	}
	var diffs []string
	for _, name := range slices.Sorted(mapKeys(p.files)) {
		switch sum, ok := files[name]; {
		case !ok:
			diffs = append(diffs, name+" is missing")
		case sum != p.files[name]:
			diffs = append(diffs, name+" changed")
		}
	}
	for _, name := range slices.Sorted(mapKeys(files)) {
		if _, ok := p.files[name]; !ok {
			diffs = append(diffs, name+" was added")
		}
	}
	if len(diffs) > 0 {
		more := ""
		if len(diffs) > 3 {
			more = fmt.Sprintf(" (and %d more)", len(diffs)-3)
			diffs = diffs[:3]
		}
		return nil, fmt.Errorf("%s does not match its pins: %s%s; run buildrump checkout again", dir, strings.Join(diffs, ", "), more)
	}
	return p, nil
}

// originFiles lists the files of the module at origin that a checkout
// copies: with git, the tracked files present in the working tree and
// the untracked ones git does not ignore; otherwise every file but .git.
// Paths under skip (absolute) are left out, as is any other output of
// buildrump (isBuildOutput).
func originFiles(origin string, skip []string) ([]string, bool, error) {
	inGit := exec.Command("git", "-C", origin, "rev-parse", "--is-inside-work-tree").Run() == nil
	var names []string
	if inGit {
		out, err := exec.Command("git", "-C", origin, "ls-files", "-z", "--cached", "--others", "--exclude-standard").Output()
		if err != nil {
			return nil, true, fmt.Errorf("git ls-files in %s: %v", origin, err)
		}
		for name := range strings.SplitSeq(strings.TrimRight(string(out), "\x00"), "\x00") {
			if name == "" {
				continue
			}
			if _, err := os.Lstat(filepath.Join(origin, name)); err != nil {
				continue // deleted in the working tree
			}
			names = append(names, name)
		}
	} else {
		err := filepath.WalkDir(origin, func(path string, d fs.DirEntry, err error) error {
			if err != nil {
				return err
			}
			if d.IsDir() && d.Name() == ".git" {
				return filepath.SkipDir
			}
			if !d.IsDir() {
				rel, _ := filepath.Rel(origin, path)
				names = append(names, filepath.ToSlash(rel))
			}
			return nil
		})
		if err != nil {
			return nil, false, err
		}
	}
	output := map[string]bool{} // by directory: is it buildrump's output?
	kept := names[:0]
	for _, name := range names {
		path := filepath.Join(origin, name)
		if name == pinsName || slices.ContainsFunc(skip, func(s string) bool { return within(path, s) }) {
			continue
		}
		inOutput := false
		for dir := filepath.Dir(name); dir != "." && !inOutput; dir = filepath.Dir(dir) {
			is, ok := output[dir]
			if !ok {
				is = isBuildOutput(filepath.Join(origin, dir))
				output[dir] = is
			}
			inOutput = is
		}
		if !inOutput {
			kept = append(kept, name)
		}
	}
	slices.Sort(kept)
	return kept, inGit, nil
}

// isBuildOutput reports whether dir is what buildrump makes: a
// checkout, an obj dir, a tool dir or a destination dir, which a
// checkout of the module it lies in must not copy.
func isBuildOutput(dir string) bool {
	for _, marker := range []string{pinsName, "rumpmake", "stage/lib/librump.so", "lib/librump.so"} {
		if _, err := os.Lstat(filepath.Join(dir, marker)); err == nil {
			return true
		}
	}
	return false
}

// within reports whether path is dir or under it.
func within(path, dir string) bool {
	rel, err := filepath.Rel(dir, path)
	return err == nil && rel != ".." && !strings.HasPrefix(rel, "../") && !filepath.IsAbs(rel)
}

// gitState returns the commit HEAD names, its date and whether the
// working tree differs from it.
func gitState(origin string) (commit, date string, dirty bool, err error) {
	out, err := exec.Command("git", "-C", origin, "log", "-1", "--format=%H %cI").Output()
	if err != nil {
		return "", "", false, fmt.Errorf("git log in %s: %v", origin, err)
	}
	commit, date, _ = strings.Cut(strings.TrimSpace(string(out)), " ")
	if t, err := time.Parse(time.RFC3339, date); err == nil {
		date = t.UTC().Format(time.RFC3339)
	}
	status, err := exec.Command("git", "-C", origin, "status", "--porcelain", "--untracked-files=normal").Output()
	if err != nil {
		return "", "", false, fmt.Errorf("git status in %s: %v", origin, err)
	}
	return commit, date, len(bytes.TrimSpace(status)) > 0, nil
}

// copyFile copies one file or symlink, keeping the execute bits.
func copyFile(from, to string) error {
	if err := os.MkdirAll(filepath.Dir(to), 0o755); err != nil {
		return err
	}
	// A symlink left at to must not be written through.
	if err := os.Remove(to); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return err
	}
	st, err := os.Lstat(from)
	if err != nil {
		return err
	}
	if st.Mode()&fs.ModeSymlink != 0 {
		target, err := os.Readlink(from)
		if err != nil {
			return err
		}
		return os.Symlink(target, to)
	}
	if !st.Mode().IsRegular() {
		return fmt.Errorf("%s: not a regular file", from)
	}
	in, err := os.Open(from)
	if err != nil {
		return err
	}
	defer in.Close()
	out, err := os.OpenFile(to, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, st.Mode().Perm()|0o600)
	if err != nil {
		return err
	}
	if _, err := io.Copy(out, in); err != nil {
		out.Close()
		return err
	}
	return out.Close()
}

// vendoredModules lists the modules of vendor/modules.txt.
func vendoredModules(src string) ([]string, error) {
	data, err := os.ReadFile(filepath.Join(src, "vendor", "modules.txt"))
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil // a module with no requirements has no vendor dir
	}
	if err != nil {
		return nil, err
	}
	var mods []string
	for line := range strings.SplitSeq(string(data), "\n") {
		if rest, ok := strings.CutPrefix(line, "# "); ok {
			mods = append(mods, rest)
		}
	}
	return mods, nil
}
