// SPDX-License-Identifier: GPL-2.0
/*
 * VIRGO cpupool - CPU pooling: virgo_clone(2) and the service on port 10000
 *
 * Every node runs, for the cluster, kernel functions from an explicit
 * registry and programs from one allow-listed directory. See
 * Documentation/virgo/cpupool.rst.
 */

#include <linux/init.h>
#include "cpupool.h"

static int __init virgo_cpupool_init(void)
{
	int ret;

	if (!virgo_wq)
		return -ENODEV;		/* the core did not start */
	ret = virgo_jobs_init();
	if (ret)
		return ret;
	ret = virgo_functions_init();
	if (ret)
		goto err_jobs;
	ret = virgo_cpupool_config_init();
	if (ret)
		goto err_functions;
	ret = virgo_cpupool_service_init();
	if (ret)
		goto err_config;
	return 0;

err_config:
	virgo_cpupool_config_exit();
err_functions:
	virgo_functions_exit();
err_jobs:
	virgo_jobs_exit();
	return ret;
}

/* After the core's late_initcall: virgo/Makefile links core/ first. */
late_initcall(virgo_cpupool_init);
