// Package errno defines NetBSD's error numbers as a Go error type.
//
// Every syscall boundary in gorump returns these values, numbered as NetBSD
// numbers them, so that remote clients and C callers see the errno a NetBSD
// kernel would give. Go callers can also test them against the io/fs
// sentinels: errors.Is(err, fs.ErrNotExist) holds for ENOENT.
package errno

import (
	"errors"
	"io/fs"
	"strconv"
)

// Errno is a NetBSD error number. The zero value is not an error.
type Errno int32

// NetBSD error numbers, from sys/errno.h.
const (
	EPERM           Errno = 1
	ENOENT          Errno = 2
	ESRCH           Errno = 3
	EINTR           Errno = 4
	EIO             Errno = 5
	ENXIO           Errno = 6
	E2BIG           Errno = 7
	ENOEXEC         Errno = 8
	EBADF           Errno = 9
	ECHILD          Errno = 10
	EDEADLK         Errno = 11
	ENOMEM          Errno = 12
	EACCES          Errno = 13
	EFAULT          Errno = 14
	ENOTBLK         Errno = 15
	EBUSY           Errno = 16
	EEXIST          Errno = 17
	EXDEV           Errno = 18
	ENODEV          Errno = 19
	ENOTDIR         Errno = 20
	EISDIR          Errno = 21
	EINVAL          Errno = 22
	ENFILE          Errno = 23
	EMFILE          Errno = 24
	ENOTTY          Errno = 25
	ETXTBSY         Errno = 26
	EFBIG           Errno = 27
	ENOSPC          Errno = 28
	ESPIPE          Errno = 29
	EROFS           Errno = 30
	EMLINK          Errno = 31
	EPIPE           Errno = 32
	EDOM            Errno = 33
	ERANGE          Errno = 34
	EAGAIN          Errno = 35
	EINPROGRESS     Errno = 36
	EALREADY        Errno = 37
	ENOTSOCK        Errno = 38
	EDESTADDRREQ    Errno = 39
	EMSGSIZE        Errno = 40
	EPROTOTYPE      Errno = 41
	ENOPROTOOPT     Errno = 42
	EPROTONOSUPPORT Errno = 43
	ESOCKTNOSUPPORT Errno = 44
	EOPNOTSUPP      Errno = 45
	EPFNOSUPPORT    Errno = 46
	EAFNOSUPPORT    Errno = 47
	EADDRINUSE      Errno = 48
	EADDRNOTAVAIL   Errno = 49
	ENETDOWN        Errno = 50
	ENETUNREACH     Errno = 51
	ENETRESET       Errno = 52
	ECONNABORTED    Errno = 53
	ECONNRESET      Errno = 54
	ENOBUFS         Errno = 55
	EISCONN         Errno = 56
	ENOTCONN        Errno = 57
	ESHUTDOWN       Errno = 58
	ETOOMANYREFS    Errno = 59
	ETIMEDOUT       Errno = 60
	ECONNREFUSED    Errno = 61
	ELOOP           Errno = 62
	ENAMETOOLONG    Errno = 63
	EHOSTDOWN       Errno = 64
	EHOSTUNREACH    Errno = 65
	ENOTEMPTY       Errno = 66
	EPROCLIM        Errno = 67
	EUSERS          Errno = 68
	EDQUOT          Errno = 69
	ESTALE          Errno = 70
	EREMOTE         Errno = 71
	EBADRPC         Errno = 72
	ERPCMISMATCH    Errno = 73
	EPROGUNAVAIL    Errno = 74
	EPROGMISMATCH   Errno = 75
	EPROCUNAVAIL    Errno = 76
	ENOLCK          Errno = 77
	ENOSYS          Errno = 78
	EFTYPE          Errno = 79
	EAUTH           Errno = 80
	ENEEDAUTH       Errno = 81
	EIDRM           Errno = 82
	ENOMSG          Errno = 83
	EOVERFLOW       Errno = 84
	EILSEQ          Errno = 85
	ENOTSUP         Errno = 86
	ECANCELED       Errno = 87
	EBADMSG         Errno = 88
	ENODATA         Errno = 89
	ENOSR           Errno = 90
	ENOSTR          Errno = 91
	ETIME           Errno = 92
	ENOATTR         Errno = 93
	EMULTIHOP       Errno = 94
	ENOLINK         Errno = 95
	EPROTO          Errno = 96
	EOWNERDEAD      Errno = 97
	ENOTRECOVERABLE Errno = 98

	// ELAST is the largest error number.
	ELAST = ENOTRECOVERABLE

	// EWOULDBLOCK is EAGAIN under its socket name.
	EWOULDBLOCK = EAGAIN
)

type info struct{ name, text string }

var table = [...]info{
	EPERM:           {"EPERM", "Operation not permitted"},
	ENOENT:          {"ENOENT", "No such file or directory"},
	ESRCH:           {"ESRCH", "No such process"},
	EINTR:           {"EINTR", "Interrupted system call"},
	EIO:             {"EIO", "Input/output error"},
	ENXIO:           {"ENXIO", "Device not configured"},
	E2BIG:           {"E2BIG", "Argument list too long"},
	ENOEXEC:         {"ENOEXEC", "Exec format error"},
	EBADF:           {"EBADF", "Bad file descriptor"},
	ECHILD:          {"ECHILD", "No child processes"},
	EDEADLK:         {"EDEADLK", "Resource deadlock avoided"},
	ENOMEM:          {"ENOMEM", "Cannot allocate memory"},
	EACCES:          {"EACCES", "Permission denied"},
	EFAULT:          {"EFAULT", "Bad address"},
	ENOTBLK:         {"ENOTBLK", "Block device required"},
	EBUSY:           {"EBUSY", "Device busy"},
	EEXIST:          {"EEXIST", "File exists"},
	EXDEV:           {"EXDEV", "Cross-device link"},
	ENODEV:          {"ENODEV", "Operation not supported by device"},
	ENOTDIR:         {"ENOTDIR", "Not a directory"},
	EISDIR:          {"EISDIR", "Is a directory"},
	EINVAL:          {"EINVAL", "Invalid argument"},
	ENFILE:          {"ENFILE", "Too many open files in system"},
	EMFILE:          {"EMFILE", "Too many open files"},
	ENOTTY:          {"ENOTTY", "Inappropriate ioctl for device"},
	ETXTBSY:         {"ETXTBSY", "Text file busy"},
	EFBIG:           {"EFBIG", "File too large"},
	ENOSPC:          {"ENOSPC", "No space left on device"},
	ESPIPE:          {"ESPIPE", "Illegal seek"},
	EROFS:           {"EROFS", "Read-only file system"},
	EMLINK:          {"EMLINK", "Too many links"},
	EPIPE:           {"EPIPE", "Broken pipe"},
	EDOM:            {"EDOM", "Numerical argument out of domain"},
	ERANGE:          {"ERANGE", "Result too large or too small"},
	EAGAIN:          {"EAGAIN", "Resource temporarily unavailable"},
	EINPROGRESS:     {"EINPROGRESS", "Operation now in progress"},
	EALREADY:        {"EALREADY", "Operation already in progress"},
	ENOTSOCK:        {"ENOTSOCK", "Socket operation on non-socket"},
	EDESTADDRREQ:    {"EDESTADDRREQ", "Destination address required"},
	EMSGSIZE:        {"EMSGSIZE", "Message too long"},
	EPROTOTYPE:      {"EPROTOTYPE", "Protocol wrong type for socket"},
	ENOPROTOOPT:     {"ENOPROTOOPT", "Protocol option not available"},
	EPROTONOSUPPORT: {"EPROTONOSUPPORT", "Protocol not supported"},
	ESOCKTNOSUPPORT: {"ESOCKTNOSUPPORT", "Socket type not supported"},
	EOPNOTSUPP:      {"EOPNOTSUPP", "Operation not supported"},
	EPFNOSUPPORT:    {"EPFNOSUPPORT", "Protocol family not supported"},
	EAFNOSUPPORT:    {"EAFNOSUPPORT", "Address family not supported by protocol family"},
	EADDRINUSE:      {"EADDRINUSE", "Address already in use"},
	EADDRNOTAVAIL:   {"EADDRNOTAVAIL", "Can't assign requested address"},
	ENETDOWN:        {"ENETDOWN", "Network is down"},
	ENETUNREACH:     {"ENETUNREACH", "Network is unreachable"},
	ENETRESET:       {"ENETRESET", "Network dropped connection on reset"},
	ECONNABORTED:    {"ECONNABORTED", "Software caused connection abort"},
	ECONNRESET:      {"ECONNRESET", "Connection reset by peer"},
	ENOBUFS:         {"ENOBUFS", "No buffer space available"},
	EISCONN:         {"EISCONN", "Socket is already connected"},
	ENOTCONN:        {"ENOTCONN", "Socket is not connected"},
	ESHUTDOWN:       {"ESHUTDOWN", "Can't send after socket shutdown"},
	ETOOMANYREFS:    {"ETOOMANYREFS", "Too many references: can't splice"},
	ETIMEDOUT:       {"ETIMEDOUT", "Connection timed out"},
	ECONNREFUSED:    {"ECONNREFUSED", "Connection refused"},
	ELOOP:           {"ELOOP", "Too many levels of symbolic links"},
	ENAMETOOLONG:    {"ENAMETOOLONG", "File name too long"},
	EHOSTDOWN:       {"EHOSTDOWN", "Host is down"},
	EHOSTUNREACH:    {"EHOSTUNREACH", "No route to host"},
	ENOTEMPTY:       {"ENOTEMPTY", "Directory not empty"},
	EPROCLIM:        {"EPROCLIM", "Too many processes"},
	EUSERS:          {"EUSERS", "Too many users"},
	EDQUOT:          {"EDQUOT", "Disc quota exceeded"},
	ESTALE:          {"ESTALE", "Stale NFS file handle"},
	EREMOTE:         {"EREMOTE", "Too many levels of remote in path"},
	EBADRPC:         {"EBADRPC", "RPC struct is bad"},
	ERPCMISMATCH:    {"ERPCMISMATCH", "RPC version wrong"},
	EPROGUNAVAIL:    {"EPROGUNAVAIL", "RPC prog. not avail"},
	EPROGMISMATCH:   {"EPROGMISMATCH", "Program version wrong"},
	EPROCUNAVAIL:    {"EPROCUNAVAIL", "Bad procedure for program"},
	ENOLCK:          {"ENOLCK", "No locks available"},
	ENOSYS:          {"ENOSYS", "Function not implemented"},
	EFTYPE:          {"EFTYPE", "Inappropriate file type or format"},
	EAUTH:           {"EAUTH", "Authentication error"},
	ENEEDAUTH:       {"ENEEDAUTH", "Need authenticator"},
	EIDRM:           {"EIDRM", "Identifier removed"},
	ENOMSG:          {"ENOMSG", "No message of desired type"},
	EOVERFLOW:       {"EOVERFLOW", "Value too large to be stored in data type"},
	EILSEQ:          {"EILSEQ", "Illegal byte sequence"},
	ENOTSUP:         {"ENOTSUP", "Not supported"},
	ECANCELED:       {"ECANCELED", "Operation canceled"},
	EBADMSG:         {"EBADMSG", "Bad or corrupt message"},
	ENODATA:         {"ENODATA", "No message available"},
	ENOSR:           {"ENOSR", "No STREAM resources"},
	ENOSTR:          {"ENOSTR", "Not a STREAM"},
	ETIME:           {"ETIME", "STREAM ioctl timeout"},
	ENOATTR:         {"ENOATTR", "Attribute not found"},
	EMULTIHOP:       {"EMULTIHOP", "Multihop attempted"},
	ENOLINK:         {"ENOLINK", "Link has been severed"},
	EPROTO:          {"EPROTO", "Protocol error"},
	EOWNERDEAD:      {"EOWNERDEAD", "Previous owner died"},
	ENOTRECOVERABLE: {"ENOTRECOVERABLE", "State not recoverable"},
}

// Error returns NetBSD's strerror text for e.
func (e Errno) Error() string {
	if e > 0 && int(e) < len(table) {
		return table[e].text
	}
	return "Unknown error: " + strconv.Itoa(int(e))
}

// Name returns the symbolic name of e, such as "ENOENT".
func (e Errno) Name() string {
	if e > 0 && int(e) < len(table) {
		return table[e].name
	}
	return "E" + strconv.Itoa(int(e))
}

// Is reports whether e matches one of the io/fs sentinels (and
// errors.ErrUnsupported), so callers need not know NetBSD numbers.
func (e Errno) Is(target error) bool {
	switch target {
	case fs.ErrNotExist:
		return e == ENOENT
	case fs.ErrExist:
		return e == EEXIST || e == ENOTEMPTY
	case fs.ErrPermission:
		return e == EACCES || e == EPERM
	case fs.ErrInvalid:
		return e == EINVAL
	case fs.ErrClosed:
		return e == EBADF
	case errors.ErrUnsupported:
		return e == ENOSYS || e == ENOTSUP || e == EOPNOTSUPP
	}
	return false
}

// Timeout reports whether e says an operation timed out or would block,
// as net.Error asks.
func (e Errno) Timeout() bool {
	return e == EAGAIN || e == ETIMEDOUT || e == ETIME
}

// Temporary reports whether retrying the operation may succeed.
func (e Errno) Temporary() bool {
	return e == EINTR || e == EMFILE || e == ENFILE || e == ECONNRESET ||
		e == ECONNABORTED || e.Timeout()
}

// ByName returns the error number called name, such as "ENOENT".
func ByName(name string) (Errno, bool) {
	if name == "EWOULDBLOCK" {
		return EAGAIN, true
	}
	for i := range table {
		if table[i].name == name {
			return Errno(i), true
		}
	}
	return 0, false
}

// From returns err as an Errno: the Errno inside err when there is one,
// EIO for any other error, and nil for nil. Drivers use it where a helper
// may return a plain Go error that must not leak past a syscall boundary.
func From(err error) error {
	if err == nil {
		return nil
	}
	if e, ok := err.(Errno); ok {
		// The common case, checked first: errors.As would allocate.
		return e
	}
	var e Errno
	if errors.As(err, &e) {
		return e
	}
	return EIO
}
