package posix

import (
	"errors"
	"io/fs"
	"syscall"

	"github.com/gorump/gorump/kern/errno"
)

// hostErrno maps the host's error numbers to NetBSD's, by meaning: the
// numbers differ between Linux and NetBSD past ERANGE.
var hostErrno = map[syscall.Errno]errno.Errno{
	syscall.EPERM: errno.EPERM, syscall.ENOENT: errno.ENOENT, syscall.ESRCH: errno.ESRCH,
	syscall.EINTR: errno.EINTR, syscall.EIO: errno.EIO, syscall.ENXIO: errno.ENXIO,
	syscall.E2BIG: errno.E2BIG, syscall.ENOEXEC: errno.ENOEXEC, syscall.EBADF: errno.EBADF,
	syscall.ECHILD: errno.ECHILD, syscall.EDEADLK: errno.EDEADLK, syscall.ENOMEM: errno.ENOMEM,
	syscall.EACCES: errno.EACCES, syscall.EFAULT: errno.EFAULT, syscall.ENOTBLK: errno.ENOTBLK,
	syscall.EBUSY: errno.EBUSY, syscall.EEXIST: errno.EEXIST, syscall.EXDEV: errno.EXDEV,
	syscall.ENODEV: errno.ENODEV, syscall.ENOTDIR: errno.ENOTDIR, syscall.EISDIR: errno.EISDIR,
	syscall.EINVAL: errno.EINVAL, syscall.ENFILE: errno.ENFILE, syscall.EMFILE: errno.EMFILE,
	syscall.ENOTTY: errno.ENOTTY, syscall.ETXTBSY: errno.ETXTBSY, syscall.EFBIG: errno.EFBIG,
	syscall.ENOSPC: errno.ENOSPC, syscall.ESPIPE: errno.ESPIPE, syscall.EROFS: errno.EROFS,
	syscall.EMLINK: errno.EMLINK, syscall.EPIPE: errno.EPIPE, syscall.EDOM: errno.EDOM,
	syscall.ERANGE: errno.ERANGE, syscall.EAGAIN: errno.EAGAIN, syscall.EINPROGRESS: errno.EINPROGRESS,
	syscall.EALREADY: errno.EALREADY, syscall.ENOTSOCK: errno.ENOTSOCK, syscall.EDESTADDRREQ: errno.EDESTADDRREQ,
	syscall.EMSGSIZE: errno.EMSGSIZE, syscall.EPROTOTYPE: errno.EPROTOTYPE, syscall.ENOPROTOOPT: errno.ENOPROTOOPT,
	syscall.EPROTONOSUPPORT: errno.EPROTONOSUPPORT, syscall.ESOCKTNOSUPPORT: errno.ESOCKTNOSUPPORT,
	syscall.EOPNOTSUPP: errno.EOPNOTSUPP, syscall.EPFNOSUPPORT: errno.EPFNOSUPPORT,
	syscall.EAFNOSUPPORT: errno.EAFNOSUPPORT, syscall.EADDRINUSE: errno.EADDRINUSE,
	syscall.EADDRNOTAVAIL: errno.EADDRNOTAVAIL, syscall.ENETDOWN: errno.ENETDOWN,
	syscall.ENETUNREACH: errno.ENETUNREACH, syscall.ENETRESET: errno.ENETRESET,
	syscall.ECONNABORTED: errno.ECONNABORTED, syscall.ECONNRESET: errno.ECONNRESET,
	syscall.ENOBUFS: errno.ENOBUFS, syscall.EISCONN: errno.EISCONN, syscall.ENOTCONN: errno.ENOTCONN,
	syscall.ESHUTDOWN: errno.ESHUTDOWN, syscall.ETOOMANYREFS: errno.ETOOMANYREFS,
	syscall.ETIMEDOUT: errno.ETIMEDOUT, syscall.ECONNREFUSED: errno.ECONNREFUSED,
	syscall.ELOOP: errno.ELOOP, syscall.ENAMETOOLONG: errno.ENAMETOOLONG, syscall.EHOSTDOWN: errno.EHOSTDOWN,
	syscall.EHOSTUNREACH: errno.EHOSTUNREACH, syscall.ENOTEMPTY: errno.ENOTEMPTY,
	syscall.EUSERS: errno.EUSERS, syscall.EDQUOT: errno.EDQUOT, syscall.ESTALE: errno.ESTALE,
	syscall.EREMOTE: errno.EREMOTE, syscall.ENOLCK: errno.ENOLCK, syscall.ENOSYS: errno.ENOSYS,
	syscall.EIDRM: errno.EIDRM, syscall.ENOMSG: errno.ENOMSG, syscall.EOVERFLOW: errno.EOVERFLOW,
	syscall.EILSEQ: errno.EILSEQ, syscall.ECANCELED: errno.ECANCELED, syscall.EBADMSG: errno.EBADMSG,
	syscall.ENODATA: errno.ENODATA, syscall.ENOSR: errno.ENOSR, syscall.ENOSTR: errno.ENOSTR,
	syscall.ETIME: errno.ETIME, syscall.EMULTIHOP: errno.EMULTIHOP, syscall.ENOLINK: errno.ENOLINK,
	syscall.EPROTO: errno.EPROTO, syscall.EOWNERDEAD: errno.EOWNERDEAD,
	syscall.ENOTRECOVERABLE: errno.ENOTRECOVERABLE,
}

// Errno converts an error from the host into a NetBSD errno. Host errors
// with no NetBSD counterpart become EIO, as do errors that carry no errno
// and match no io/fs sentinel; nil stays nil.
func Errno(err error) error {
	if err == nil {
		return nil
	}
	var se syscall.Errno
	if errors.As(err, &se) {
		if e, ok := hostErrno[se]; ok {
			return e
		}
		return errno.EIO
	}
	var ne errno.Errno
	if errors.As(err, &ne) {
		return ne
	}
	// Errors the os package makes without a host errno.
	switch {
	case errors.Is(err, errors.ErrUnsupported):
		return errno.EOPNOTSUPP
	case errors.Is(err, fs.ErrNotExist):
		return errno.ENOENT
	case errors.Is(err, fs.ErrExist):
		return errno.EEXIST
	case errors.Is(err, fs.ErrPermission):
		return errno.EACCES
	case errors.Is(err, fs.ErrClosed):
		return errno.EBADF
	case errors.Is(err, fs.ErrInvalid):
		return errno.EINVAL
	}
	return errno.EIO
}
