"""hello.py: Python on gorump's librump through ctypes.

It boots a rump kernel, writes and reads a file, and sends a line over
TCP to itself on 127.0.0.1, saying what it did.

    go build -buildmode=c-shared -o librump.so ./capi
    python3 examples/capi/hello.py ./librump.so
"""
import ctypes
import struct
import sys

# NetBSD's values (rump/rumpdefs.h).
O_RDONLY, O_RDWR, O_CREAT = 0, 2, 0x200
AF_INET, SOCK_STREAM, ENOENT = 2, 1, 2


class SockaddrIn(ctypes.Structure):
    """NetBSD's struct sockaddr_in: sin_len comes first."""
    _fields_ = [("sin_len", ctypes.c_uint8), ("sin_family", ctypes.c_uint8),
                ("sin_port", ctypes.c_uint16), ("sin_addr", ctypes.c_uint32),
                ("sin_zero", ctypes.c_uint8 * 8)]


rump = ctypes.CDLL(sys.argv[1] if len(sys.argv) > 1 else "./librump.so", use_errno=True)
rump.rump_sys_pread.argtypes = [ctypes.c_int, ctypes.c_void_p, ctypes.c_size_t, ctypes.c_int64]
for name in ("rump_sys_read", "rump_sys_write", "rump_sys_pread"):
    getattr(rump, name).restype = ctypes.c_ssize_t


def check(r, what):
    if r == -1:
        raise OSError(ctypes.get_errno(), what + ": NetBSD errno %d" % ctypes.get_errno())
    return r


if rump.rump_init() != 0:
    sys.exit("rump_init failed")
print("booted NetBSD %d ABI kernel, pid %d" % (rump.rump_getversion(), rump.rump_sys_getpid()))

msg = b"hello from Python\n"
fd = check(rump.rump_sys_open(b"/hello.txt", O_CREAT | O_RDWR, 0o644), "open")
check(rump.rump_sys_write(fd, msg, len(msg)), "write")
buf = ctypes.create_string_buffer(64)
n = check(rump.rump_sys_pread(fd, buf, 64, 0), "pread")
rump.rump_sys_close(fd)
print("file /hello.txt: %d bytes: %s" % (n, buf.raw[:n].decode()), end="")
if rump.rump_sys_open(b"/missing", O_RDONLY) == -1:
    print("open /missing: errno %d (RUMP_ENOENT is %d)" % (ctypes.get_errno(), ENOENT))

sin = SockaddrIn(sin_len=ctypes.sizeof(SockaddrIn), sin_family=AF_INET,
                 sin_addr=struct.unpack("=I", bytes([127, 0, 0, 1]))[0])
size = ctypes.c_uint(ctypes.sizeof(sin))
ls = check(rump.rump_sys_socket(AF_INET, SOCK_STREAM, 0), "socket")
check(rump.rump_sys_bind(ls, ctypes.byref(sin), size), "bind")
check(rump.rump_sys_listen(ls, 1), "listen")
check(rump.rump_sys_getsockname(ls, ctypes.byref(sin), ctypes.byref(size)), "getsockname")
cs = check(rump.rump_sys_socket(AF_INET, SOCK_STREAM, 0), "socket")
check(rump.rump_sys_connect(cs, ctypes.byref(sin), size), "connect")
acc = check(rump.rump_sys_accept(ls, None, None), "accept")
check(rump.rump_sys_write(cs, msg, len(msg)), "write")
n = check(rump.rump_sys_read(acc, buf, 64), "read")
port = struct.unpack("!H", struct.pack("=H", sin.sin_port))[0]
print("tcp 127.0.0.1:%d: received %d bytes: %s" % (port, n, buf.raw[:n].decode()), end="")
for s in (acc, cs, ls):
    rump.rump_sys_close(s)
