package main

import (
	"bytes"
	"context"
	"crypto/sha256"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/netip"
	"strings"
	"time"

	"github.com/gorump/gorump/kern/errno"
	"github.com/gorump/gorump/net/wire"
	"github.com/gorump/gorump/rump"
)

// network boots a second kernel, joins it to k by an in-process Ethernet
// wire that loses and reorders frames, and checks TCP, UDP and HTTP
// between the two kernels' own TCP/IP stacks.
func (d *demo) network(server *rump.Kernel) error {
	w := wire.New(wire.Config{Seed: 7, Impairments: wire.Impairments{Loss: 0.01, Reorder: 0.01}})
	defer w.Close()
	client, err := rump.Init(rump.Options{})
	if err != nil {
		return fmt.Errorf("boot a second kernel: %w", err)
	}
	defer client.Halt()
	for _, c := range []struct {
		k    *rump.Kernel
		end  *wire.End
		addr string
	}{{server, w.A(), "10.0.0.1/24"}, {client, w.B(), "10.0.0.2/24"}} {
		name, err := c.k.AttachLink(c.end)
		if err != nil {
			return err
		}
		if err := c.k.ConfigureInterface(name, netip.MustParsePrefix(c.addr)); err != nil {
			return err
		}
	}
	var ifs []string
	for _, i := range server.Interfaces() {
		ifs = append(ifs, fmt.Sprintf("%s %v mtu %d", i.Name, i.Addrs, i.MTU))
	}
	d.say("a second kernel on a wire losing and reordering 1%% of frames; the first has %s", strings.Join(ifs, ", "))

	body := bytes.Repeat([]byte("rump kernels speak TCP\n"), 200_000) // 4.6 MB
	ln, err := server.Listen("tcp", "10.0.0.1:80")
	if err != nil {
		return err
	}
	srv := &http.Server{Handler: http.HandlerFunc(func(rw http.ResponseWriter, r *http.Request) {
		rw.Write(body)
	})}
	go srv.Serve(ln)
	defer srv.Close()
	hc := &http.Client{Transport: &http.Transport{DialContext: func(ctx context.Context, network, addr string) (net.Conn, error) {
		return client.DialContext(ctx, network, addr)
	}}}
	start := time.Now()
	resp, err := hc.Get("http://10.0.0.1/")
	if err != nil {
		return err
	}
	got, err := io.ReadAll(resp.Body)
	resp.Body.Close()
	if err != nil {
		return err
	}
	if sha256.Sum256(got) != sha256.Sum256(body) {
		return fmt.Errorf("HTTP body: %d bytes, not the %d sent", len(got), len(body))
	}
	hc.CloseIdleConnections()
	d.say("net/http over the kernels' TCP: GET of %d bytes arrived intact in %v", len(got), time.Since(start).Round(time.Millisecond))

	pc, err := server.ListenPacket("udp", "10.0.0.1:53")
	if err != nil {
		return err
	}
	defer pc.Close()
	go func() { // echo in upper case until closed
		buf := make([]byte, 2048)
		for {
			n, from, err := pc.ReadFrom(buf)
			if err != nil {
				return
			}
			pc.WriteTo(bytes.ToUpper(buf[:n]), from)
		}
	}()
	uc, err := client.Dial("udp", "10.0.0.1:53")
	if err != nil {
		return err
	}
	defer uc.Close()
	reply := make([]byte, 64)
	n := 0
	for try := 0; try < 5 && n == 0; try++ { // the wire may lose a datagram
		uc.Write([]byte("datagram"))
		uc.SetReadDeadline(time.Now().Add(200 * time.Millisecond))
		n, _ = uc.Read(reply)
	}
	if string(reply[:n]) != "DATAGRAM" {
		return fmt.Errorf("UDP echo: got %q", reply[:n])
	}
	d.say("UDP datagram to 10.0.0.1:53 came back as %q", reply[:n])

	_, err = client.Dial("tcp", "10.0.0.1:81")
	if err := expect(err, errno.ECONNREFUSED); err != nil {
		return fmt.Errorf("dial a closed port: %w", err)
	}
	st := w.A().Stats()
	d.say("a closed port refuses the connection (ECONNREFUSED); the wire lost %d of %d frames one way", st.Lost, st.Sent)
	return nil
}
