-- hello.lua: LuaJIT on gorump's librump through the FFI. It boots a rump
-- kernel, writes and reads a file, and sends a line over TCP to itself
-- on 127.0.0.1, saying what it did.
--
--   go build -buildmode=c-shared -o librump.so ./capi
--   luajit examples/capi/hello.lua ./librump.so
local ffi = require("ffi")
local bit = require("bit")

ffi.cdef[[
int rump_init(void);
int rump_getversion(void);
int rump_sys_getpid(void);
int rump_sys_open(const char *, int, ...);
long rump_sys_read(int, void *, size_t);
long rump_sys_write(int, const void *, size_t);
long rump_sys_pread(int, void *, size_t, int64_t);
int rump_sys_close(int);
int rump_sys_socket(int, int, int);
int rump_sys_bind(int, const void *, unsigned int);
int rump_sys_listen(int, int);
int rump_sys_getsockname(int, void *, unsigned int *);
int rump_sys_connect(int, const void *, unsigned int);
int rump_sys_accept(int, void *, unsigned int *);
struct rump_sockaddr_in {
	uint8_t sin_len;
	uint8_t sin_family;
	uint16_t sin_port;
	uint32_t sin_addr;
	int8_t sin_zero[8];
};
]]

-- NetBSD's values (rump/rumpdefs.h).
local O_RDONLY, O_RDWR, O_CREAT = 0, 2, 0x200
local AF_INET, SOCK_STREAM, ENOENT = 2, 1, 2

local rump = ffi.load(arg[1] or "./librump.so")

local function check(r, what)
	if r == -1 then
		error(what .. ": NetBSD errno " .. ffi.errno())
	end
	return r
end

local function htons(v) return bit.rshift(bit.bswap(v), 16) end

assert(rump.rump_init() == 0, "rump_init")
print(string.format("booted NetBSD %d ABI kernel, pid %d", rump.rump_getversion(), rump.rump_sys_getpid()))

local msg = "hello from LuaJIT\n"
local fd = check(rump.rump_sys_open("/hello.txt", bit.bor(O_CREAT, O_RDWR), ffi.new("int", 420)), "open")
check(rump.rump_sys_write(fd, msg, #msg), "write")
local buf = ffi.new("char[64]")
local n = check(rump.rump_sys_pread(fd, buf, 64, 0), "pread")
rump.rump_sys_close(fd)
io.write(string.format("file /hello.txt: %d bytes: %s", tonumber(n), ffi.string(buf, n)))
if rump.rump_sys_open("/missing", O_RDONLY) == -1 then
	print(string.format("open /missing: errno %d (RUMP_ENOENT is %d)", ffi.errno(), ENOENT))
end

local sin = ffi.new("struct rump_sockaddr_in")
local size = ffi.sizeof(sin)
sin.sin_len, sin.sin_family = size, AF_INET
sin.sin_addr = bit.bswap(0x7f000001)
local len = ffi.new("unsigned int[1]", size)
local ls = check(rump.rump_sys_socket(AF_INET, SOCK_STREAM, 0), "socket")
check(rump.rump_sys_bind(ls, sin, size), "bind")
check(rump.rump_sys_listen(ls, 1), "listen")
check(rump.rump_sys_getsockname(ls, sin, len), "getsockname")
local cs = check(rump.rump_sys_socket(AF_INET, SOCK_STREAM, 0), "socket")
check(rump.rump_sys_connect(cs, sin, size), "connect")
local as = check(rump.rump_sys_accept(ls, nil, nil), "accept")
check(rump.rump_sys_write(cs, msg, #msg), "write")
n = check(rump.rump_sys_read(as, buf, 64), "read")
io.write(string.format("tcp 127.0.0.1:%d: received %d bytes: %s", htons(sin.sin_port), tonumber(n), ffi.string(buf, n)))
rump.rump_sys_close(as)
rump.rump_sys_close(cs)
rump.rump_sys_close(ls)
