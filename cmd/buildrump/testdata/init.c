/* buildrump-link: -lrump -lrumpuser -lpthread */
/*
 * init: boot a rump kernel and ask it for a process id, as buildrump.sh's
 * init test does, linked with NetBSD's minimal line.
 */
#include <stdio.h>

#include <rump/rump.h>
#include <rump/rump_syscalls.h>

int
main(void)
{
	int rv, pid;

	rv = rump_init();
	printf("rump kernel init complete, rv %d\n", rv);
	if (rv != 0)
		return 1;
	pid = (int)rump_sys_getpid();
	printf("rump_sys_getpid: %d\n", pid);
	if (pid < 1)
		return 1;
	return 0;
}
