// SPDX-License-Identifier: GPL-2.0
/*
 * VIRGO queue - durable request/reply messages between nodes (KingCobra)
 *
 * See Documentation/virgo/queue.rst.
 */

#include <linux/init.h>
#include "queue.h"

static int __init virgo_queue_main_init(void)
{
	int ret;

	if (!virgo_wq)
		return -ENODEV;		/* the core did not start */
	ret = virgo_queue_init() ?: virgo_kingcobra_init();
	if (ret)
		return ret;
	ret = virgo_queue_config_init();
	if (ret)
		return ret;
	ret = virgo_queue_service_init();
	if (ret)
		virgo_queue_config_exit();
	return ret;
}

/* After the core's late_initcall: virgo/Makefile links core/ first. */
late_initcall(virgo_queue_main_init);
