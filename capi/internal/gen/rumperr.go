package gen

import (
	"bytes"
	"fmt"

	"github.com/gorump/gorump/kern/errno"
)

// rumperr renders include/rump/rumperr.h: rump_strerror, the message of
// a NetBSD errno whatever the host's numbering.
func rumperr() []byte {
	var b bytes.Buffer
	b.WriteString(generated)
	b.WriteString(`/*
 * rump_strerror returns the message of a NetBSD error number, the kind
 * a failed rump_sys_ call leaves in errno: the host's strerror would
 * read it in the host's numbering.
 */
#ifndef _RUMP_RUMPERR_H_
#define _RUMP_RUMPERR_H_

static __inline const char *
rump_strerror(int error)
{
	switch (error) {
	case 0:
		return "Undefined error: 0";
`)
	for e := errno.Errno(1); e <= errno.ELAST; e++ {
		fmt.Fprintf(&b, "\tcase %d:\n\t\treturn %q;\n", int(e), e.Error())
	}
	b.WriteString(`	}
	return "Unknown error";
}

#endif /* _RUMP_RUMPERR_H_ */
`)
	return b.Bytes()
}

// rumperrno2host renders include/rump/rumperrno2host.h: rump_errno2host,
// a NetBSD error number in the host's numbering, for the host errors a
// program compares against or hands to the host's strerror.
func rumperrno2host() []byte {
	var b bytes.Buffer
	b.WriteString(generated)
	b.WriteString(`/*
 * rump_errno2host maps a NetBSD error number (RUMP_E*) to the host's
 * value of the same name; one the host has no name for becomes EINVAL.
 */
#ifndef _RUMP_RUMPERRNO2HOST_H_
#define _RUMP_RUMPERRNO2HOST_H_

#include <errno.h>

static __inline int
rump_errno2host(int rumperrno)
{
	switch (rumperrno) {
	case 0:
		return 0;
`)
	for e := errno.Errno(1); e <= errno.ELAST; e++ {
		fmt.Fprintf(&b, "#ifdef %[1]s\n\tcase %[2]d:\n\t\treturn %[1]s;\n#endif\n", e.Name(), int(e))
	}
	b.WriteString(`	}
	return EINVAL;
}

#endif /* _RUMP_RUMPERRNO2HOST_H_ */
`)
	return b.Bytes()
}
