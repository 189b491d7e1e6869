package netnstest

import (
	"bytes"
	"crypto/sha256"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/gorump/gorump/internal/peer"
	"github.com/gorump/gorump/net/inet/tcp"
	"github.com/gorump/gorump/rump"
)

// testData returns n reproducible random bytes.
func testData(n int) []byte {
	b := make([]byte, n)
	rand.NewChaCha8([32]byte{'g', 'o', 'r', 'u', 'm', 'p'}).Read(b)
	return b
}

// writeTemp writes data to a file in the test's temporary folder.
func writeTemp(t *testing.T, name string, data []byte) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(path, data, 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

// bulkSize is how much the bulk tests move each way.
func bulkSize() int {
	if testing.Short() {
		return 4 << 20
	}
	return 64 << 20
}

func rate(n int64, d time.Duration) string {
	return fmt.Sprintf("%d MiB in %v: %.1f MB/s", n>>20, d.Round(time.Millisecond), float64(n)/d.Seconds()/1e6)
}

func TestHTTP(t *testing.T) {
	Require(t)
	peer.Require(t, "curl", "curl")
	r := setup(t, 1500)
	ln, err := r.k.Listen("tcp", ":8080")
	if err != nil {
		t.Fatal(err)
	}
	body := testData(10 << 20)
	mux := http.NewServeMux()
	mux.HandleFunc("GET /", func(w http.ResponseWriter, _ *http.Request) {
		io.WriteString(w, "hello from gorump\n")
	})
	mux.HandleFunc("GET /big", func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "application/octet-stream")
		w.Write(body)
	})
	mux.HandleFunc("POST /upload", func(w http.ResponseWriter, req *http.Request) {
		h := sha256.New()
		n, err := io.Copy(h, req.Body)
		if err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		fmt.Fprintf(w, "%d %x", n, h.Sum(nil))
	})
	srv := &http.Server{Handler: mux, ErrorLog: nil}
	served := make(chan error, 1)
	go func() { served <- srv.Serve(ln) }()
	t.Cleanup(func() {
		srv.Close()
		if err := <-served; !errors.Is(err, http.ErrServerClosed) {
			t.Errorf("Serve: %v", err)
		}
	})
	url := "http://" + gorumpAddr.Addr().String() + ":8080"

	if out := r.ns.Run("curl", "-sS", "--max-time", "20", url+"/"); string(out) != "hello from gorump\n" {
		t.Errorf("GET /: %q", out)
	}

	file := filepath.Join(t.TempDir(), "big")
	out := r.ns.Run("curl", "-sS", "--max-time", "120", "-o", file, "-w", "%{size_download} %{time_total}", url+"/big")
	got, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	if sha256.Sum256(got) != sha256.Sum256(body) {
		t.Errorf("GET /big: %d bytes that differ from the %d served", len(got), len(body))
	}
	var size int64
	var secs float64
	fmt.Sscan(string(out), &size, &secs)
	t.Logf("curl GET 10 MiB from gorump: %s", rate(size, time.Duration(secs*float64(time.Second))))

	// Four downloads at once, on four connections.
	dir := t.TempDir()
	args := []string{"curl", "-sS", "--max-time", "120", "--parallel", "--parallel-max", "4"}
	for i := range 4 {
		args = append(args, "-o", filepath.Join(dir, fmt.Sprint(i)), url+"/big")
	}
	start := time.Now()
	r.ns.Run(args...)
	d := time.Since(start)
	for i := range 4 {
		got, err := os.ReadFile(filepath.Join(dir, fmt.Sprint(i)))
		if err != nil {
			t.Fatal(err)
		}
		if sha256.Sum256(got) != sha256.Sum256(body) {
			t.Errorf("parallel GET /big %d: %d bytes that differ from the %d served", i, len(got), len(body))
		}
	}
	t.Logf("curl GET 4 x 10 MiB from gorump in parallel: %s", rate(4*int64(len(body)), d))

	up := writeTemp(t, "up", body)
	out = r.ns.Run("curl", "-sS", "--max-time", "120", "--data-binary", "@"+up, "-w", " %{time_total}", url+"/upload")
	want := fmt.Sprintf("%d %x", len(body), sha256.Sum256(body))
	if !strings.HasPrefix(string(out), want+" ") {
		t.Errorf("POST /upload: server saw %q, want %q", out, want)
	}
	fmt.Sscan(strings.TrimPrefix(string(out), want), &secs)
	t.Logf("curl POST 10 MiB to gorump: %s", rate(int64(len(body)), time.Duration(secs*float64(time.Second))))
}

// bulkMTUs are the MTUs the bulk tests run at: Ethernet's, and the
// largest a Linux TAP device takes.
var bulkMTUs = []int{1500, 65521}

// TestTCPLinuxToGorump sends a file with socat into a gorump listener that
// hashes what it reads.
func TestTCPLinuxToGorump(t *testing.T) {
	Require(t)
	peer.Require(t, "socat", "socat")
	for _, mtu := range bulkMTUs {
		t.Run(fmt.Sprintf("mtu%d", mtu), func(t *testing.T) { tcpLinuxToGorump(t, mtu) })
	}
}

func tcpLinuxToGorump(t *testing.T, mtu int) {
	r := setup(t, mtu)
	d := sendFromLinux(t, r.ns, r.k, gorumpAddr.Addr().String())
	t.Logf("TCP Linux -> gorump (socat), MTU %d: %s", mtu, d)
}

// sendFromLinux has socat in ns send a file to a listener on port 9000
// of k, which it reaches at addr, checks that k read it whole, and
// returns the rate k read it at.
func sendFromLinux(t *testing.T, ns *NS, k *rump.Kernel, addr string) string {
	t.Helper()
	data := testData(bulkSize())
	file := writeTemp(t, "big", data)
	ln, err := k.Listen("tcp", ":9000")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	type result struct {
		n   int64
		sum []byte
		d   time.Duration
		err error
	}
	res := make(chan result, 1)
	go func() {
		c, err := ln.Accept()
		if err != nil {
			res <- result{err: err}
			return
		}
		defer c.Close()
		start := time.Now()
		h := sha256.New()
		n, err := io.Copy(h, c)
		res <- result{n, h.Sum(nil), time.Since(start), err}
	}()
	p := ns.Start("socat", "-u", "FILE:"+file, "TCP:"+addr+":9000")
	if out, err := p.Wait(3 * time.Minute); err != nil {
		t.Fatalf("socat: %v\n%s", err, out)
	}
	select {
	case got := <-res:
		if got.err != nil {
			t.Fatalf("gorump side: %v after %d bytes", got.err, got.n)
		}
		want := sha256.Sum256(data)
		if got.n != int64(len(data)) || !bytes.Equal(got.sum, want[:]) {
			t.Fatalf("gorump read %d bytes, hash %x; sent %d, hash %x", got.n, got.sum, len(data), want)
		}
		return rate(got.n, got.d)
	case <-time.After(time.Minute):
		t.Fatal("the gorump side did not see the end of the stream")
	}
	return ""
}

// dialRetry dials address from gorump until the peer listens.
func dialRetry(t *testing.T, r *rig, network, address string) net.Conn {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		c, err := r.k.Dial(network, address)
		if err == nil {
			return c
		}
		if !errors.Is(err, syscall.ECONNREFUSED) || time.Now().After(deadline) {
			t.Fatalf("dial %s: %v", address, err)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// TestTCPGorumpToLinux sends from gorump into socat, which writes a file.
func TestTCPGorumpToLinux(t *testing.T) {
	Require(t)
	peer.Require(t, "socat", "socat")
	for _, mtu := range bulkMTUs {
		t.Run(fmt.Sprintf("mtu%d", mtu), func(t *testing.T) { tcpGorumpToLinux(t, mtu, true) })
	}
	t.Run("mtu1500-tso-off", func(t *testing.T) { tcpGorumpToLinux(t, 1500, false) })
}

func tcpGorumpToLinux(t *testing.T, mtu int, tso bool) {
	r := setup(t, mtu)
	if err := r.k.SetInterfaceTSO(r.ifn, tso); err != nil {
		t.Fatal(err)
	}
	data := testData(bulkSize())
	out := filepath.Join(t.TempDir(), "out")
	p := r.ns.Start("socat", "-u", "TCP-LISTEN:9001,reuseaddr", "OPEN:"+out+",creat,trunc")
	c := dialRetry(t, r, "tcp", linuxAddr.Addr().String()+":9001")
	start := time.Now()
	for rest := data; len(rest) > 0; {
		n, err := c.Write(rest[:min(len(rest), 256<<10)])
		if err != nil {
			t.Fatalf("write after %d bytes: %v", len(data)-len(rest), err)
		}
		rest = rest[n:]
	}
	if err := c.Close(); err != nil {
		t.Fatal(err)
	}
	if msg, err := p.Wait(3 * time.Minute); err != nil {
		t.Fatalf("socat: %v\n%s", err, msg)
	}
	d := time.Since(start)
	got, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	if sha256.Sum256(got) != sha256.Sum256(data) {
		t.Fatalf("Linux got %d bytes that differ from the %d sent", len(got), len(data))
	}
	supers := tcp.StackOf(r.k.Kern()).Stats().SndSuper.Load()
	t.Logf("TCP gorump -> Linux (socat), MTU %d, TSO %v: %s, %d super-segments", mtu, tso, rate(int64(len(data)), d), supers)
	// At MTU 1500 the TAP device takes TCP segmentation offload: most
	// data goes as 64 KiB super-segments, which Linux cut and checked.
	switch {
	case tso && mtu == 1500 && supers < uint64(len(data))/(128<<10):
		t.Errorf("only %d super-segments for %d bytes", supers, len(data))
	case !tso && supers != 0:
		t.Errorf("%d super-segments with TSO off", supers)
	}
}
