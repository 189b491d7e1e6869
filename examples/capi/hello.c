/*
 * hello: a C program on gorump's librump. It boots a rump kernel, writes
 * and reads a file, and sends a line over TCP to itself on 127.0.0.1,
 * saying what it did.
 *
 *	go build -buildmode=c-shared -o librump.so ./capi
 *	cc -Icapi/include examples/capi/hello.c -L. -lrump -Wl,-rpath,.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include <rump/rump.h>
#include <rump/rump_syscalls.h>

static int
fail(const char *what)
{
	fprintf(stderr, "hello: %s: NetBSD errno %d\n", what, errno);
	return 1;
}

int
main(void)
{
	struct rump_sockaddr_in sin;
	struct rump_stat st;
	unsigned int len = sizeof sin;
	const char *msg = "hello from C\n";
	char buf[64];
	int fd, ls, cs, as;
	ssize_t n;

	if (rump_init() != 0)
		return fail("rump_init");
	printf("booted NetBSD %d ABI kernel, pid %d\n", rump_getversion(), (int)rump_sys_getpid());

	if ((fd = rump_sys_open("/hello.txt", RUMP_O_CREAT | RUMP_O_RDWR, 0644)) == -1)
		return fail("open");
	rump_sys_write(fd, msg, strlen(msg));
	n = rump_sys_pread(fd, buf, sizeof buf - 1, 0);
	buf[n > 0 ? n : 0] = '\0';
	rump_sys_fstat(fd, &st);
	rump_sys_close(fd);
	printf("file /hello.txt: %lld bytes, mode %o: %s", (long long)st.st_size,
	    (unsigned)st.st_mode & 0777, buf);
	if (rump_sys_open("/missing", RUMP_O_RDONLY) == -1)
		printf("open /missing: errno %d (RUMP_ENOENT is %d)\n", errno, RUMP_ENOENT);

	ls = rump_sys_socket(RUMP_AF_INET, RUMP_SOCK_STREAM, 0);
	memset(&sin, 0, sizeof sin);
	sin.sin_len = sizeof sin;
	sin.sin_family = RUMP_AF_INET;
	sin.sin_addr.s_addr = htonl(RUMP_INADDR_LOOPBACK);
	if (rump_sys_bind(ls, (struct rump_sockaddr *)&sin, sizeof sin) == -1 ||
	    rump_sys_listen(ls, 1) == -1 ||
	    rump_sys_getsockname(ls, (struct rump_sockaddr *)&sin, &len) == -1)
		return fail("listen");
	cs = rump_sys_socket(RUMP_AF_INET, RUMP_SOCK_STREAM, 0);
	if (rump_sys_connect(cs, (struct rump_sockaddr *)&sin, sizeof sin) == -1)
		return fail("connect");
	if ((as = rump_sys_accept(ls, NULL, NULL)) == -1)
		return fail("accept");
	rump_sys_write(cs, msg, strlen(msg));
	n = rump_sys_read(as, buf, sizeof buf - 1);
	buf[n > 0 ? n : 0] = '\0';
	printf("tcp 127.0.0.1:%d: received %zd bytes: %s", ntohs(sin.sin_port), n, buf);
	rump_sys_close(as);
	rump_sys_close(cs);
	rump_sys_close(ls);
	return 0;
}
