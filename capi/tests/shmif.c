/* buildrump-link: -lrumpnet_shmif -lrumpnet_config -lrumpnet_netinet -lrumpnet_net -lrumpnet -lrump -lrumpuser -lpthread */
/*
 * shmif: two rump kernels in two processes exchange TCP and UDP over a
 * shmif bus file, as NetBSD's nettest_simple. The program is the client;
 * it starts itself again as the server ("-server BUS FD": a process may
 * not fork once librump's Go runtime runs in it, so the child execs).
 * The bus file is the first argument, or a new file in $TMPDIR.
 *
 * Server: shmif0 made with ifcreate and given its bus with ifsetlinkstr,
 * 1.0.0.1/24, TCP port 135 (it writes NetBSD's greeting, NUL included),
 * UDP port 7 (it answers "ping" with "pong"). Client: shmif0 made with
 * rump_pub_shmif_create, 1.0.0.2/24; it reads the greeting, pings,
 * connects to a port nobody listens on (ECONNREFUSED, 61), closes, and
 * both exit 0. On a host with no bus files (a kernel-only librump's:
 * ifsetlinkstr gives EOPNOTSUPP) the test skips.
 */
#include "check.h"

#include <arpa/inet.h>
#include <sys/wait.h>
#include <unistd.h>

#define SKIP 37 /* buildrump's exit status for a test that cannot run here */

static const char greeting[] = "You feel like you've been here before --More--\n";

static struct rump_sockaddr_in
sin4(const char *addr, int port)
{
	struct rump_sockaddr_in sin;

	memset(&sin, 0, sizeof sin);
	sin.sin_len = sizeof sin;
	sin.sin_family = RUMP_AF_INET;
	sin.sin_port = htons(port);
	sin.sin_addr.s_addr = inet_addr(addr);
	return sin;
}

#define SA(p) ((struct rump_sockaddr *)(p))

static int
server(const char *bus, int ready)
{
	struct rump_sockaddr_in sin, from;
	unsigned int len;
	char buf[64];
	int ls, us, s, error;
	ssize_t n;

	alarm(50); /* never outlive a client that died */
	CHECK(rump_init() == 0);
	CHECK(rump_pub_netconfig_ifcreate("shmif0") == 0);
	CHECK(rump_pub_netconfig_ifup("shmif0") == RUMP_ENXIO); /* no bus yet */
	error = rump_pub_netconfig_ifsetlinkstr("shmif0", bus);
	if (error == RUMP_EOPNOTSUPP) {
		/* A host with no bus files: a kernel-only librump's. */
		CHECK(write(ready, "S", 1) == 1);
		return 0;
	}
	CHECK(error == 0);
	CHECK(rump_pub_netconfig_ifsetlinkstr("shmif0", bus) == RUMP_EBUSY);
	CHECK(rump_pub_netconfig_ipv4_ifaddr("shmif0", "1.0.0.1", "255.255.255.0") == 0);

	ls = OK(rump_sys_socket(RUMP_AF_INET, RUMP_SOCK_STREAM, 0));
	sin = sin4("1.0.0.1", 135);
	OK(rump_sys_bind(ls, SA(&sin), sizeof sin));
	OK(rump_sys_listen(ls, 5));
	us = OK(rump_sys_socket(RUMP_AF_INET, RUMP_SOCK_DGRAM, 0));
	sin = sin4("1.0.0.1", 7);
	OK(rump_sys_bind(us, SA(&sin), sizeof sin));
	printf("shmif: server pid %d: shmif0 1.0.0.1/24 on %s, TCP port 135, UDP port 7\n",
	    (int)getpid(), bus);
	fflush(stdout);
	CHECK(write(ready, "R", 1) == 1);
	close(ready);

	s = OK(rump_sys_accept(ls, NULL, NULL));
	CHECK(OK(rump_sys_write(s, greeting, sizeof greeting)) == sizeof greeting);
	len = sizeof from;
	n = OK(rump_sys_recvfrom(us, buf, sizeof buf, 0, SA(&from), &len));
	CHECK(n == 4 && memcmp(buf, "ping", 4) == 0);
	CHECK(from.sin_addr.s_addr == inet_addr("1.0.0.2"));
	CHECK(OK(rump_sys_sendto(us, "pong", 4, 0, SA(&from), len)) == 4);
	/* The client closes the connection when it is done. */
	while ((n = OK(rump_sys_read(s, buf, sizeof buf))) > 0)
		continue;
	OK(rump_sys_close(s));
	OK(rump_sys_close(us));
	OK(rump_sys_close(ls));
	return 0;
}

int
main(int argc, char *argv[])
{
	struct rump_sockaddr_in sin, from;
	char dir[256], busbuf[300], buf[128], fdarg[16];
	const char *bus, *tmp;
	unsigned int len;
	size_t got;
	int p[2], s, us, ifnum, status;
	ssize_t n;
	pid_t pid;
	char c;

	if (argc == 4 && strcmp(argv[1], "-server") == 0)
		return server(argv[2], atoi(argv[3]));

	if (getenv("RUMPTEST_EMULATED") != NULL) {
		printf("shmif: skipped: under an emulator, the server cannot run itself again\n");
		return SKIP;
	}
	alarm(55);
	if (argc > 1) {
		bus = argv[1];
		unlink(bus); /* a bus of an earlier run holds its frames */
		dir[0] = '\0';
	} else {
		if ((tmp = getenv("TMPDIR")) == NULL || *tmp == '\0')
			tmp = "/tmp";
		snprintf(dir, sizeof dir, "%s/shmifXXXXXX", tmp);
		CHECK(mkdtemp(dir) != NULL);
		snprintf(busbuf, sizeof busbuf, "%s/busmem", dir);
		bus = busbuf;
	}

	/* The server, this program again in a process of its own. */
	CHECK(pipe(p) == 0);
	snprintf(fdarg, sizeof fdarg, "%d", p[1]);
	CHECK((pid = fork()) != -1);
	if (pid == 0) {
		close(p[0]);
		execl(argv[0], argv[0], "-server", bus, fdarg, (char *)NULL);
		if (write(p[1], "E", 1) != 1)
			_exit(126);
		_exit(127);
	}
	close(p[1]);
	if (read(p[0], &c, 1) != 1 || c != 'R') {
		waitpid(pid, &status, 0);
		if (c == 'S') {
			printf("shmif: skipped: this librump's host has no bus files"
			    " (EOPNOTSUPP; a kernel-only librump has no hypercalls for them)\n");
			return SKIP;
		}
		if (c == 'E') {
			printf("shmif: cannot start %s again as the server (an emulator"
			    " without binfmt_misc?)\n", argv[0]);
			return SKIP;
		}
		fprintf(stderr, "shmif: the server did not start (status %#x)\n", status);
		return 1;
	}
	close(p[0]);

	CHECK(rump_init() == 0);
	CHECK(rump_pub_shmif_create(bus, &ifnum) == 0);
	CHECK(ifnum == 0);
	CHECK(rump_pub_netconfig_ipv4_ifaddr("shmif0", "1.0.0.2", "255.255.255.0") == 0);
	printf("shmif: client pid %d: shmif%d 1.0.0.2/24 on the same bus\n", (int)getpid(), ifnum);

	/* TCP: the greeting, NUL and all. */
	s = OK(rump_sys_socket(RUMP_AF_INET, RUMP_SOCK_STREAM, 0));
	sin = sin4("1.0.0.1", 135);
	OK(rump_sys_connect(s, SA(&sin), sizeof sin));
	for (got = 0; got < sizeof greeting; got += n) {
		n = OK(rump_sys_read(s, buf + got, sizeof buf - got));
		CHECK(n > 0);
	}
	CHECK(got == sizeof greeting && memcmp(buf, greeting, sizeof greeting) == 0);
	printf("shmif: TCP 1.0.0.1:135 says: %s", buf);

	/* UDP both ways. */
	us = OK(rump_sys_socket(RUMP_AF_INET, RUMP_SOCK_DGRAM, 0));
	sin = sin4("1.0.0.1", 7);
	CHECK(OK(rump_sys_sendto(us, "ping", 4, 0, SA(&sin), sizeof sin)) == 4);
	len = sizeof from;
	n = OK(rump_sys_recvfrom(us, buf, sizeof buf, 0, SA(&from), &len));
	CHECK(n == 4 && memcmp(buf, "pong", 4) == 0);
	CHECK(from.sin_addr.s_addr == inet_addr("1.0.0.1") && ntohs(from.sin_port) == 7);
	printf("shmif: UDP: sent \"ping\" to 1.0.0.1:7, got \"pong\" back\n");

	/* Nobody listens on port 136: the server's kernel refuses. */
	CHECK(RUMP_ECONNREFUSED == 61);
	{
		int r = OK(rump_sys_socket(RUMP_AF_INET, RUMP_SOCK_STREAM, 0));

		sin = sin4("1.0.0.1", 136);
		FAILS(rump_sys_connect(r, SA(&sin), sizeof sin), RUMP_ECONNREFUSED);
		OK(rump_sys_close(r));
	}
	printf("shmif: TCP 1.0.0.1:136: connection refused, errno %d\n", RUMP_ECONNREFUSED);

	OK(rump_sys_close(us));
	OK(rump_sys_close(s));
	CHECK(waitpid(pid, &status, 0) == pid);
	CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	printf("shmif: server exited 0\n");
	if (dir[0] != '\0') {
		unlink(bus);
		rmdir(dir);
	}
	printf("shmif: ok\n");
	return 0;
}
