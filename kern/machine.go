package kern

import "runtime"

// machine is hw.machine: NetBSD's name for the host architecture.
var machine = map[string]string{"amd64": "amd64", "386": "i386", "arm64": "evbarm", "arm": "evbarm",
	"riscv64": "riscv", "ppc64le": "powerpc", "mips64": "evbmips"}[runtime.GOARCH]
