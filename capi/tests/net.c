/*
 * net: a TCP connection over 127.0.0.1 with NetBSD's sockaddr_in
 * (sin_len set): socket, bind, listen, connect, accept, data both ways.
 */
#include "check.h"

#include <arpa/inet.h>

int
main(void)
{
	struct rump_sockaddr_in sin, peer;
	unsigned int len;
	char buf[64];
	int ls, cs, as;

	CHECK(rump_init() == 0);
	ls = OK(rump_sys_socket(RUMP_AF_INET, RUMP_SOCK_STREAM, 0));
	memset(&sin, 0, sizeof sin);
	sin.sin_len = sizeof sin;
	sin.sin_family = RUMP_AF_INET;
	sin.sin_port = htons(0);
	sin.sin_addr.s_addr = htonl(RUMP_INADDR_LOOPBACK);
	OK(rump_sys_bind(ls, (struct rump_sockaddr *)&sin, sizeof sin));
	OK(rump_sys_listen(ls, 5));
	len = sizeof sin;
	OK(rump_sys_getsockname(ls, (struct rump_sockaddr *)&sin, &len));
	CHECK(len == sizeof sin && sin.sin_len == sizeof sin && sin.sin_family == RUMP_AF_INET);
	CHECK(ntohs(sin.sin_port) != 0);

	cs = OK(rump_sys_socket(RUMP_AF_INET, RUMP_SOCK_STREAM, 0));
	OK(rump_sys_connect(cs, (struct rump_sockaddr *)&sin, sizeof sin));
	len = sizeof peer;
	as = OK(rump_sys_accept(ls, (struct rump_sockaddr *)&peer, &len));
	CHECK(peer.sin_family == RUMP_AF_INET && peer.sin_addr.s_addr == htonl(RUMP_INADDR_LOOPBACK));

	CHECK(OK(rump_sys_write(cs, "ping", 4)) == 4);
	CHECK(OK(rump_sys_read(as, buf, sizeof buf)) == 4 && memcmp(buf, "ping", 4) == 0);
	CHECK(OK(rump_sys_sendto(as, "pong!", 5, 0, NULL, 0)) == 5);
	CHECK(OK(rump_sys_recvfrom(cs, buf, 5, RUMP_MSG_WAITALL, NULL, NULL)) == 5);
	CHECK(memcmp(buf, "pong!", 5) == 0);

	/* Nothing to read: EAGAIN on a non-blocking socket. */
	int on = 1;
	OK(rump_sys_ioctl(cs, RUMP_FIONBIO, &on));
	FAILS(rump_sys_read(cs, buf, sizeof buf), RUMP_EAGAIN);

	OK(rump_sys_shutdown(cs, RUMP_SHUT_WR));
	CHECK(OK(rump_sys_read(as, buf, sizeof buf)) == 0);
	OK(rump_sys_close(as));
	OK(rump_sys_close(cs));
	OK(rump_sys_close(ls));
	FAILS(rump_sys_connect(ls, (struct rump_sockaddr *)&sin, sizeof sin), RUMP_EBADF);

	printf("net: ok\n");
	return 0;
}
