// SPDX-License-Identifier: GPL-2.0
/*
 * VIRGO cpupool - the service on port 10000 (see protocol.c for requests)
 *
 * Replies:
 *	DATA <len> <status> <node>	then <len> result bytes and "\n"
 *	FUNCTIONS <name>...		for "functions"
 *	ERROR <errno-name> <text>	nothing ran, or the deadline passed
 */

#include <linux/mm.h>
#include <linux/slab.h>
#include "cpupool.h"

static const char *virgo_cpupool_why(int err, bool exec)
{
	switch (err) {
	case -EBUSY:
		return "too many jobs on this node, try later";
	case -ENOENT:
		return exec ? "no such program" : "no such function";
	case -ETIMEDOUT:
		return "no result before the deadline";
	case -EACCES:
		return "programs are disabled here or this one may not run";
	case -ENOEXEC:
		return "the program could not be executed";
	case -E2BIG:
		return "argument too long or too many arguments";
	case -ENOMEM:
		return "out of memory";
	case -ESHUTDOWN:
		return "the service is stopping";
	default:
		return "malformed request";
	}
}

static int virgo_cpupool_list(struct virgo_conn *conn)
{
	char *names = kmalloc(VIRGO_LINE_MAX, GFP_KERNEL);
	int ret;

	if (!names)
		return virgo_conn_error(conn, -ENOMEM, "out of memory");
	virgo_functions_list(names, VIRGO_LINE_MAX - 16);
	ret = virgo_conn_printf(conn, "FUNCTIONS %s\n", names);
	kfree(names);
	return ret;
}

static int virgo_cpupool_line(struct virgo_conn *conn, char *line, size_t len)
{
	char name[VIRGO_FUNC_NAME_MAX];
	struct virgo_cpupool_req req;
	struct virgo_job *job;
	bool exec;
	void *arg;
	int ret;

	ret = virgo_cpupool_parse(line, &req);
	exec = req.cmd == VIRGO_CPUPOOL_EXEC;
	if (ret) {
		virgo_conn_error(conn, ret, virgo_cpupool_why(ret, exec));
		/* A payload may follow that cannot be skipped: hang up. */
		return req.payload ? -EPROTO : 0;
	}
	if (req.cmd == VIRGO_CPUPOOL_LIST)
		return virgo_cpupool_list(conn);
	virgo_conn_trace(conn, "clone");	/* a call, or a program */
	/*
	 * The line lives in the receive buffer, which reading the payload
	 * reuses: keep the checked name, not a pointer into the buffer.
	 */
	strscpy(name, req.name, sizeof(name));

	/* One spare byte: the text of "exec" may gain a final NUL. */
	arg = kvmalloc(req.len + 1, GFP_KERNEL);
	if (!arg) {
		virgo_conn_error(conn, -ENOMEM, "out of memory");
		return req.payload ? -ENOMEM : 0;
	}
	if (req.payload) {
		ret = virgo_conn_read_data(conn, arg, req.len);
		if (ret) {
			kvfree(arg);
			return ret;
		}
	} else if (exec) {
		req.len = virgo_cpupool_words_to_args(req.text, req.len, arg);
	} else {
		memcpy(arg, req.text, req.len);
	}

	job = virgo_job_create(name, exec, arg, req.len, req.timeout_ms);
	if (!job)
		return virgo_conn_error(conn, -ENOMEM, "out of memory");
	ret = virgo_job_run(job, conn);
	if (ret)
		ret = virgo_conn_error(conn, ret, virgo_cpupool_why(ret, exec));
	else
		ret = virgo_conn_send_data(conn, job->ctx.result, job->ctx.result_len,
					   "%ld %u", job->status, virgo_local_id());
	virgo_job_put(job);
	return ret;
}

static const struct virgo_service_ops virgo_cpupool_ops = {
	.line = virgo_cpupool_line,
};

static struct virgo_service virgo_cpupool_service = {
	.name = "cpupool",
	.port = VIRGO_PORT_CPUPOOL,
	.ops = &virgo_cpupool_ops,
};

int virgo_cpupool_service_init(void)
{
	return virgo_service_register(&virgo_cpupool_service);
}

void virgo_cpupool_service_exit(void)
{
	virgo_service_unregister(&virgo_cpupool_service);
}
