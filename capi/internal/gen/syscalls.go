package gen

import (
	"bytes"
	"fmt"
	"strings"
)

// noerrStatus are the NOERR syscalls whose result is an error number
// (0 on success), not a value with errno beside it.
var noerrStatus = map[string]bool{
	"__posix_fadvise50": true,
	"posix_fallocate":   true,
	"clock_nanosleep":   true,
}

// renameName is the RUMP_SYS_RENAME_ suffix of a syscall: its user name
// upper-cased, with NetBSD's three exceptions.
func renameName(c call) string {
	switch c.name {
	case "getpid":
		return "GETPID_WITH_PPID"
	case "getuid":
		return "GETUID_WITH_EUID"
	case "getgid":
		return "GETGID_WITH_EGID"
	}
	return strings.ToUpper(strings.TrimPrefix(c.user, "rump_sys_"))
}

// publicType spells a NetBSD C type with the header's host-independent
// names: struct stat is struct rump_stat, fd_set rump_fd_set, and the
// BSD shorthands are spelled out.
func publicType(t string) string {
	t = strings.ReplaceAll(t, "struct ", "struct rump_")
	fields := strings.Fields(t)
	for i, f := range fields {
		switch strings.TrimRight(f, "*") {
		case "fd_set", "sigset_t":
			fields[i] = "rump_" + f
		case "u_long":
			fields[i] = "unsigned long" + f[len("u_long"):]
		case "u_int", "socklen_t":
			fields[i] = "unsigned int" + strings.TrimLeft(f, "u_intsocklen_t")
		case "timer_t", "clockid_t":
			fields[i] = "int" + strings.TrimLeft(f, "timerclockid_")
		}
	}
	return strings.Join(fields, " ")
}

// params renders a parameter list; names false gives a prototype's.
func params(c call, names bool) string {
	var ps []string
	for _, a := range c.args {
		if a.pad {
			continue
		}
		if a.variadic {
			ps = append(ps, "...")
			break
		}
		p := publicType(a.typ)
		if names {
			if strings.HasSuffix(p, "*") {
				p += a.name
			} else {
				p += " " + a.name
			}
		}
		ps = append(ps, p)
	}
	if c.name == "pipe" {
		ps = []string{"int *fildes"}
		if !names {
			ps = []string{"int *"}
		}
	}
	if len(ps) == 0 {
		return "void"
	}
	return strings.Join(ps, ", ")
}

// syscallsHeader renders include/rump/rump_syscalls.h.
func syscallsHeader(calls []call) []byte {
	var b bytes.Buffer
	b.WriteString(generated)
	b.WriteString(`/*
 * rump_sys_* prototypes: NetBSD's rump_syscalls.h for gorump's librump.
 * As in NetBSD, each rump_sys_X is renamed to its implementation symbol
 * rump___sysimpl_X<version> with an asm label (rump_sys_stat calls
 * rump___sysimpl_stat50); define RUMP_SYS_RENAME_<NAME> first to pick
 * another, or RUMP_SYS_NORENAME to call the rump_sys_ names, which the
 * library exports too.
 *
 * A call returns -1 and sets the calling thread's errno to a NetBSD
 * error number (RUMP_E* of rumpdefs.h) on failure. Structs are the
 * rump_ ones of rumpdefs.h: NetBSD's layouts whatever the host's are.
 */
#ifndef _RUMP_RUMP_SYSCALLS_H_
#define _RUMP_RUMP_SYSCALLS_H_

#include <sys/types.h>
#include <stdint.h>
#include <rump/rumpdefs.h>

#define __RUMP_SYS_STRING2(x) #x
#define __RUMP_SYS_STRING(x) __RUMP_SYS_STRING2(x)
#ifdef RUMP_SYS_NORENAME
#define __RUMP_SYS_RENAME(x)
#else
#define __RUMP_SYS_RENAME(x) __asm__(__RUMP_SYS_STRING(x))
#endif

/* NetBSD's syscall numbers, for rump_syscall(). */
`)
	for _, c := range calls {
		fmt.Fprintf(&b, "#define RUMP_SYS_%s %d\n", c.name, c.num)
	}
	b.WriteString("\n")
	for _, c := range calls {
		if c.user == "" || c.user == c.symbol {
			continue
		}
		n := renameName(c)
		fmt.Fprintf(&b, "#ifndef RUMP_SYS_RENAME_%s\n#define RUMP_SYS_RENAME_%s %s\n#endif\n", n, n, c.symbol)
	}
	b.WriteString("\n#ifdef __cplusplus\nextern \"C\" {\n#endif\n\n")
	for _, c := range calls {
		if c.user == "" {
			continue
		}
		fmt.Fprintf(&b, "%s %s(%s)", c.ret, c.user, params(c, false))
		if c.user != c.symbol {
			fmt.Fprintf(&b, " __RUMP_SYS_RENAME(RUMP_SYS_RENAME_%s)", renameName(c))
		}
		b.WriteString(";\n")
	}
	b.WriteString("\n#ifdef __cplusplus\n}\n#endif\n\n#endif /* _RUMP_RUMP_SYSCALLS_H_ */\n")
	return b.Bytes()
}

// syscallsC renders zsyscalls.c: one wrapper a syscall that packs the
// arguments into register_t slots, calls the kernel for the thread's
// current lwp and turns an error into -1 and errno.
func syscallsC(calls []call) []byte {
	var b bytes.Buffer
	b.WriteString(generated)
	b.WriteString(`/* The rump_sys_* and rump___sysimpl_* wrappers over rumpcapi_call. */

#define RUMP_SYS_NORENAME
#include "capi.h"

#include <errno.h>
#include <stdarg.h>
#include <stdint.h>
`)
	for _, c := range calls {
		b.WriteString("\n")
		writeWrapper(&b, c)
	}
	return b.Bytes()
}

func writeWrapper(b *bytes.Buffer, c call) {
	fmt.Fprintf(b, "%s\n%s(%s)\n{\n", c.ret, c.symbol, params(c, true))
	n := max(c.slots, 1)
	fmt.Fprintf(b, "\tuint64_t r_args[%d] = {0};\n\tint64_t r_rv[2] = {0, 0};\n\tint r_error;\n", n)
	var last string
	for i, a := range c.args {
		if a.variadic {
			fmt.Fprintf(b, "\t%s %s;\n\tva_list r_ap;\n\n\tva_start(r_ap, %s);\n\t%s = va_arg(r_ap, %s);\n\tva_end(r_ap);\n",
				publicType(a.typ), a.name, last, a.name, publicType(a.typ))
		}
		if !a.pad {
			last = a.name
		}
		switch {
		case a.pad:
			continue
		case a.width() == wPtr:
			fmt.Fprintf(b, "\tr_args[%d] = (uint64_t)(uintptr_t)%s;\n", i, a.name)
		case a.width() == w32:
			fmt.Fprintf(b, "\tr_args[%d] = (uint32_t)%s;\n", i, a.name)
		default:
			fmt.Fprintf(b, "\tr_args[%d] = (uint64_t)%s;\n", i, a.name)
		}
	}
	fmt.Fprintf(b, "\tr_error = rumpcapi_call(%d, r_args, %d, r_rv);\n", c.num, 8*c.slots)
	switch {
	case c.name == "pipe":
		b.WriteString("\tif (r_error != 0) {\n\t\terrno = r_error;\n\t\treturn -1;\n\t}\n")
		b.WriteString("\tfildes[0] = (int)r_rv[0];\n\tfildes[1] = (int)r_rv[1];\n\treturn 0;\n")
	case c.ret == "void":
		b.WriteString("\t(void)r_error;\n")
	case c.class == "NOERR" && noerrStatus[c.name]:
		b.WriteString("\tif (r_error != 0)\n\t\treturn r_error;\n")
		fmt.Fprintf(b, "\treturn (%s)r_rv[0];\n", c.ret)
	default:
		b.WriteString("\tif (r_error != 0) {\n\t\terrno = r_error;\n\t\treturn -1;\n\t}\n")
		fmt.Fprintf(b, "\treturn (%s)r_rv[0];\n", c.ret)
	}
	b.WriteString("}\n")
	if c.user != "" && c.user != c.symbol {
		fmt.Fprintf(b, "%s %s(%s)\n    __attribute__((alias(\"%s\")));\n", c.ret, c.user, params(c, false), c.symbol)
	}
}
