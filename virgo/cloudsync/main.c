// SPDX-License-Identifier: GPL-2.0
/*
 * VIRGO cloudsync - start: settings, then the lock service
 */

#include <linux/init.h>
#include "lock.h"

static int __init virgo_cloudsync_init(void)
{
	int ret;

	if (!virgo_wq)
		return -ENODEV;	/* the core did not start */
	ret = virgo_lock_config_init();
	if (ret)
		return ret;
	ret = virgo_lock_master_init();
	if (ret)
		virgo_lock_config_exit();
	return ret;
}
/* After the core's late_initcall: virgo/Makefile links core/ first. */
late_initcall(virgo_cloudsync_init);
