/* SPDX-License-Identifier: GPL-2.0 */
/*
 * VIRGO cpupool - run kernel functions and allow-listed programs for the
 * cluster: the service on VIRGO_PORT_CPUPOOL and virgo_clone(2).
 */
#ifndef _VIRGO_CPUPOOL_H
#define _VIRGO_CPUPOOL_H

#include <linux/kref.h>
#include <linux/path.h>
#include <linux/completion.h>
#include <linux/virgo.h>
#include "../core/core.h"

#define VIRGO_EXEC_ARGS_MAX	32	/* arguments of a program */
#define VIRGO_EXEC_DIR_MAX	256	/* longest exec_dir, with the NUL */
#define VIRGO_EXEC_DIR_DEFAULT	"/usr/libexec/virgo/clone"
#define VIRGO_EXEC_ID_DEFAULT	65534	/* nobody, nogroup */
#define VIRGO_JOBS_DEFAULT	16	/* jobs running at once on a node */
#define VIRGO_JOBS_MAX		512	/* WQ_MAX_ACTIVE */
/*
 * Of those, programs: each waits on a worker of the kernel's shared
 * events_unbound workqueue (the usermode helper's), whose max_active is
 * 512; VIRGO takes a small share of it at most.
 */
#define VIRGO_PROGRAMS_DEFAULT	8
#define VIRGO_PROGRAMS_MAX	32

/* ------------------------------------------------------------ protocol */

enum virgo_cpupool_cmd {
	VIRGO_CPUPOOL_CALL,	/* a kernel function */
	VIRGO_CPUPOOL_EXEC,	/* a program */
	VIRGO_CPUPOOL_LIST,	/* the registered functions */
};

/**
 * struct virgo_cpupool_req - a parsed request line
 * @cmd: what to do
 * @name: function or program name (points into the line)
 * @text: the argument text of the one-line forms (into the line), or NULL
 * @len: bytes of @text, or of the payload that follows the line
 * @payload: @len bytes follow the line
 * @timeout_ms: how long the caller waits
 */
struct virgo_cpupool_req {
	enum virgo_cpupool_cmd cmd;
	const char *name;
	const char *text;
	size_t len;
	bool payload;
	u32 timeout_ms;
};

int virgo_cpupool_parse(char *line, struct virgo_cpupool_req *req);
bool virgo_cpupool_name_ok(const char *name);
size_t virgo_cpupool_words_to_args(const char *text, size_t len, char *out);
int virgo_cpupool_split_args(char *buf, size_t len, char **argv, int max);

/* ------------------------------------------------------------ jobs */

/**
 * struct virgo_job - one function or program run on this node
 * @ref: the runner's and the waiter's
 * @work: runs it on the cpupool workqueue
 * @done: completed when it has finished
 * @exec: @name is a program, else a kernel function
 * @fn: the kernel function, while it runs
 * @owner: @fn's module, referenced while it runs
 * @name: function or program name
 * @ctx: argument and result
 * @status: its return value or exit status
 * @err: 0, or why it could not run at all
 * @lock: protects @abandoned and @pid
 * @abandoned: the caller stopped waiting; a program must not start
 * @pid: the program's process (and process group) once it started
 */
struct virgo_job {
	struct kref ref;
	struct work_struct work;
	struct completion done;
	bool exec;
	struct virgo_function *fn;
	struct module *owner;
	char name[VIRGO_FUNC_NAME_MAX];
	struct virgo_fn_ctx ctx;
	long status;
	int err;
	spinlock_t lock;	/* protects abandoned and pid */
	bool abandoned;
	struct pid *pid;
};

struct virgo_job *virgo_job_create(const char *name, bool exec, void *arg,
				   size_t arg_len, u32 timeout_ms);
int virgo_job_run(struct virgo_job *job, struct virgo_conn *conn);
void virgo_job_put(struct virgo_job *job);
unsigned int virgo_jobs_running(void);
int virgo_jobs_init(void);
void virgo_jobs_exit(void);

/* ------------------------------------------------------------ registry */

struct virgo_function *virgo_function_get(const char *name, struct module **owner);
size_t virgo_functions_list(char *buf, size_t len);
int virgo_functions_init(void);
void virgo_functions_exit(void);

/* ------------------------------------------------------------ programs */

long virgo_exec(struct virgo_job *job);

/* ------------------------------------------------------------ settings */

struct virgo_cpupool_settings {
	struct mutex lock;	/* protects exec_dir, exec_cgroup(_path) */
	char exec_dir[VIRGO_EXEC_DIR_MAX];
	char exec_cgroup[VIRGO_EXEC_DIR_MAX];
	struct path exec_cgroup_path;	/* the directory, when exec_cgroup[0] */
	u32 exec_uid;
	u32 exec_gid;
	u32 max_jobs;
	u32 caller_gid;
	u32 exec_lab;
	u32 max_programs;
};

extern struct virgo_cpupool_settings virgo_cpupool;

int virgo_cpupool_config_init(void);
void virgo_cpupool_config_exit(void);

/* ------------------------------------------------------------ service */

int virgo_cpupool_service_init(void);
void virgo_cpupool_service_exit(void);

#endif /* _VIRGO_CPUPOOL_H */
