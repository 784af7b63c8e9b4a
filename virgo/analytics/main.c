// SPDX-License-Identifier: GPL-2.0
/*
 * VIRGO analytics - machine-learnt key=value settings, read kernel-wide
 *
 * See Documentation/virgo/analytics.rst.
 */

#include <linux/init.h>
#include "analytics.h"

static int __init virgo_analytics_init(void)
{
	if (!virgo_wq)
		return -ENODEV;		/* the core did not start */
	return virgo_analytics_config_init();
}

/* After the core's late_initcall: virgo/Makefile links core/ first. */
late_initcall(virgo_analytics_init);
