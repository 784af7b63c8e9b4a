// SPDX-License-Identifier: GPL-2.0
/*
 * VIRGO EventNet - the cluster's event graph
 *
 * See Documentation/virgo/eventnet.rst.
 */

#include <linux/init.h>
#include "eventnet.h"

static int __init virgo_eventnet_init(void)
{
	int ret;

	if (!virgo_wq)
		return -ENODEV;		/* the core did not start */
	virgo_enet_graph_init(&virgo_eventnet.graph);
	ret = virgo_enet_log_init();
	if (ret)
		return ret;
	ret = virgo_enet_config_init();
	if (ret)
		return ret;
	ret = virgo_enet_service_init();
	if (ret)
		virgo_enet_config_exit();
	return ret;
}

/* After the core's late_initcall: virgo/Makefile links core/ first. */
late_initcall(virgo_eventnet_init);
