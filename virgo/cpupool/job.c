// SPDX-License-Identifier: GPL-2.0
/*
 * VIRGO cpupool - jobs: one function or program run for a caller
 *
 * A job runs on the cpupool workqueue while the connection that asked for
 * it waits, at most until the caller's timeout. At most max_jobs run at
 * once on a node; one more is refused with -EBUSY, never queued. A job
 * whose caller stopped waiting (its deadline passed, it closed the
 * connection, its node went down) still counts until it ends: a function
 * is told through virgo_fn_expired(), a program is killed at once.
 */

#include <linux/module.h>
#include <linux/sched/signal.h>
#include <linux/slab.h>
#include "cpupool.h"

static struct workqueue_struct *virgo_cpupool_wq;
static atomic_t virgo_jobs = ATOMIC_INIT(0);
static atomic_t virgo_programs = ATOMIC_INIT(0);

unsigned int virgo_jobs_running(void)
{
	return atomic_read(&virgo_jobs);
}

static void virgo_job_release(struct kref *ref)
{
	struct virgo_job *job = container_of(ref, struct virgo_job, ref);

	put_pid(job->pid);
	kvfree(job->ctx.arg);
	kvfree(job->ctx.result);
	kfree(job);
}

void virgo_job_put(struct virgo_job *job)
{
	kref_put(&job->ref, virgo_job_release);
}

static void virgo_job_work(struct work_struct *work)
{
	struct virgo_job *job = container_of(work, struct virgo_job, work);

	if (!job->exec) {
		job->status = job->fn->fn(&job->ctx);
		module_put(job->owner);
	} else {
		job->status = virgo_exec(job);
		atomic_dec(&virgo_programs);
	}
	atomic_dec(&virgo_jobs);
	complete(&job->done);
	virgo_job_put(job);
}

/**
 * virgo_job_create() - a job, not started
 * @name: a valid function or program name
 * @exec: @name is a program
 * @arg: argument bytes, kvmalloc()ed; the job owns them, even on error
 * @arg_len: how many
 * @timeout_ms: how long the caller waits
 *
 * Return: the job or NULL.
 */
struct virgo_job *virgo_job_create(const char *name, bool exec, void *arg,
				   size_t arg_len, u32 timeout_ms)
{
	struct virgo_job *job;

	job = kzalloc(sizeof(*job), GFP_KERNEL);
	if (!job) {
		kvfree(arg);
		return NULL;
	}
	kref_init(&job->ref);
	INIT_WORK(&job->work, virgo_job_work);
	init_completion(&job->done);
	spin_lock_init(&job->lock);
	strscpy(job->name, name, sizeof(job->name));
	job->ctx.arg = arg;
	job->ctx.arg_len = arg_len;
	job->ctx.deadline = jiffies + msecs_to_jiffies(timeout_ms);
	job->ctx.result = kvmalloc(VIRGO_CLONE_RESULT_MAX, GFP_KERNEL);
	if (!job->ctx.result) {
		virgo_job_put(job);
		return NULL;
	}
	job->exec = exec;
	return job;
}

/*
 * The caller stops waiting: no program may start, a running one is killed,
 * a function sees its deadline passed.
 */
static void virgo_job_abandon(struct virgo_job *job)
{
	spin_lock(&job->lock);
	job->abandoned = true;
	WRITE_ONCE(job->ctx.deadline, jiffies);
	if (job->pid)
		kill_pgrp(job->pid, SIGKILL, 1);
	spin_unlock(&job->lock);
}

/**
 * virgo_job_run() - run a job and wait for it, until its deadline
 * @job: from virgo_job_create()
 * @conn: the connection that asked; its service stopping ends the wait
 *
 * Return: 0 with @job->status and @job->ctx.result set; -EBUSY when the
 * node runs max_jobs already (or max_programs, for a program); -ENOENT for an unknown function or program;
 * -ETIMEDOUT when the deadline passed first; -ESHUTDOWN when the service
 * stopped; -ECONNRESET when the caller went away (closed the connection,
 * or its node is down); another errno when a program could not be started.
 */
int virgo_job_run(struct virgo_job *job, struct virgo_conn *conn)
{
	bool done = false;
	long left;

	if (atomic_inc_return(&virgo_jobs) > READ_ONCE(virgo_cpupool.max_jobs)) {
		atomic_dec(&virgo_jobs);
		return -EBUSY;
	}
	if (job->exec &&
	    atomic_inc_return(&virgo_programs) > READ_ONCE(virgo_cpupool.max_programs)) {
		atomic_dec(&virgo_programs);
		atomic_dec(&virgo_jobs);
		return -EBUSY;
	}
	if (!job->exec) {
		job->fn = virgo_function_get(job->name, &job->owner);
		if (!job->fn) {
			atomic_dec(&virgo_jobs);
			return -ENOENT;
		}
	}

	kref_get(&job->ref);		/* the worker's */
	queue_work(virgo_cpupool_wq, &job->work);

	/* In slices, so that stopping the service does not wait for jobs. */
	for (;;) {
		left = (long)(job->ctx.deadline - jiffies);
		if (left <= 0)
			break;
		done = wait_for_completion_killable_timeout(&job->done,
							    min(left, HZ / 10L)) > 0;
		if (done)
			break;
		if (virgo_conn_stopping(conn)) {
			virgo_job_abandon(job);
			return -ESHUTDOWN;
		}
		/* Nobody waits for the result: give its slot back now. */
		if (virgo_conn_peer_gone(conn)) {
			virgo_job_abandon(job);
			return -ECONNRESET;
		}
	}
	/* A result counts if it came before the deadline, however close. */
	if (!done || !time_before(jiffies, job->ctx.deadline)) {
		virgo_job_abandon(job);
		return -ETIMEDOUT;
	}
	return job->err;
}

int virgo_jobs_init(void)
{
	virgo_cpupool_wq = alloc_workqueue("virgo_cpupool", WQ_UNBOUND,
					   VIRGO_JOBS_MAX);	/* <= WQ_MAX_ACTIVE */
	return virgo_cpupool_wq ? 0 : -ENOMEM;
}

void virgo_jobs_exit(void)
{
	destroy_workqueue(virgo_cpupool_wq);
}
