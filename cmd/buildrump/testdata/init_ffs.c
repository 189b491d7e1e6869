/* buildrump-link: -lrumpfs_ffs -lrumpdev_disk -lrumpdev -lrumpvfs -lrump -lrumpuser -lpthread */
/*
 * init_ffs: the init test linked with NetBSD's usual line for FFS,
 * unchanged, to show that the component library names resolve to librump.
 */
#include "init.c"
