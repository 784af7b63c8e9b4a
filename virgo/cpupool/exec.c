// SPDX-License-Identifier: GPL-2.0
/*
 * VIRGO cpupool - programs: run an allow-listed executable for a caller
 *
 * Only a file directly in exec_dir may run (the name has no '/', see
 * virgo_cpupool_name_ok()). It runs through the usermode helper as
 * exec_uid:exec_gid with no capabilities, no supplementary groups and
 * no_new_privs, in a session of its own; stdin is empty, stdout goes to
 * a kernel tmpfs file capped at VIRGO_CLONE_RESULT_MAX bytes by
 * RLIMIT_FSIZE (beyond, the write fails with EFBIG and SIGXFSZ), stderr is
 * discarded. When it exits, whatever it left in its process group is
 * killed; so is the whole group when the caller stops waiting. A process
 * that leaves the group (setsid, setpgid) escapes that kill, but not the
 * cgroup: with exec_cgroup set, every program joins that cgroup before it
 * execs, so the cgroup's pids.max and memory.max bound all that programs
 * start and take, or it does not run.
 */

#include <linux/cred.h>
#include <linux/fdtable.h>
#include <linux/file.h>
#include <linux/fs.h>
#include <linux/magic.h>
#include <linux/namei.h>
#include <linux/sched/signal.h>
#include <linux/sched/user.h>
#include <linux/shmem_fs.h>
#include <linux/slab.h>
#include <linux/syscalls.h>
#include <linux/umh.h>
#include "cpupool.h"

/**
 * struct virgo_exec_ctx - what the new process needs before it execs
 * @job: the job, for its pid
 * @uid: who it runs as
 * @gid: with which group
 * @files: its stdin, stdout and stderr
 * @cgroup: exec_cgroup's directory; no dentry when there is none
 */
struct virgo_exec_ctx {
	struct virgo_job *job;
	kuid_t uid;
	kgid_t gid;
	struct file *files[3];
	struct path cgroup;
};

/*
 * Move the new process into the programs' cgroup, while it still has the
 * kernel's credentials: "0" in cgroup.procs names the writer. The file is
 * the one in the directory configfs checked, never a link.
 */
static int virgo_exec_join_cgroup(const struct path *dir)
{
	struct file *f;
	loff_t pos = 0;
	ssize_t n;

	f = file_open_root(dir, "cgroup.procs", O_WRONLY | O_NOFOLLOW, 0);
	if (IS_ERR(f)) {
		n = PTR_ERR(f);
	} else {
		n = f->f_path.dentry->d_sb->s_magic == CGROUP2_SUPER_MAGIC ?
		    kernel_write(f, "0", 1, &pos) : -EINVAL;
		filp_close(f, NULL);
	}
	if (n == 1)
		return 0;
	pr_warn_ratelimited("a program cannot join exec_cgroup (%zd): not run\n", n);
	return -EACCES;
}

/* Runs in the new process, before it execs the program. */
static int virgo_exec_init(struct subprocess_info *info, struct cred *new)
{
	struct virgo_exec_ctx *x = info->data;
	struct rlimit *rl;
	int fd, ret;

	if (x->cgroup.dentry) {
		ret = virgo_exec_join_cgroup(&x->cgroup);
		if (ret)
			return ret;
	}
	ret = virgo_cred_unprivileged(new, x->uid, x->gid);
	if (ret)
		return ret;
	task_set_no_new_privs(current);

	task_lock(current->group_leader);
	rl = current->signal->rlim + RLIMIT_FSIZE;
	rl->rlim_cur = VIRGO_CLONE_RESULT_MAX;
	rl->rlim_max = VIRGO_CLONE_RESULT_MAX;
	task_unlock(current->group_leader);

	for (fd = 0; fd < ARRAY_SIZE(x->files); fd++) {
		ret = replace_fd(fd, x->files[fd], 0);
		if (ret < 0)
			return ret;
	}

	ret = ksys_setsid();
	if (ret < 0)
		return ret;
	/* From here on the waiter can kill it, or it must not run at all. */
	ret = 0;
	spin_lock(&x->job->lock);
	if (x->job->abandoned)
		ret = -ETIMEDOUT;
	else
		x->job->pid = get_pid(task_pid(current));
	spin_unlock(&x->job->lock);
	return ret;
}

/* May exec_dir/@name run? */
static int virgo_exec_check(const char *path)
{
	struct path p;
	umode_t mode;
	int ret;

	ret = kern_path(path, LOOKUP_FOLLOW, &p);
	if (ret)
		return ret;
	mode = d_inode(p.dentry)->i_mode;
	if (!S_ISREG(mode) || !(mode & 0111) || path_noexec(&p))
		ret = -EACCES;
	path_put(&p);
	return ret;
}

/* Exit status as a shell reports it: the code, or 128 + the signal. */
static long virgo_exec_status(int wstatus)
{
	if (wstatus & 0x7f)
		return 128 + (wstatus & 0x7f);
	return (wstatus >> 8) & 0xff;
}

/**
 * virgo_exec() - run @job's program and wait for it
 * @job: the job; its argument holds the program's arguments, NUL-ended
 *
 * Return: the exit status, with @job->ctx.result holding standard output;
 * on failure @job->err is set: -EACCES when programs are disabled
 * (exec_dir empty, or lab mode without exec_lab), the file may not run or
 * the program cannot join exec_cgroup, -ENOENT when there is none,
 * -E2BIG for too many arguments, -EINVAL for malformed ones, -ETIMEDOUT
 * when the caller stopped waiting before it started, or execve's errno
 * (-ENOEXEC: not a format the kernel runs).
 */
long virgo_exec(struct virgo_job *job)
{
	/* Not const: call_usermodehelper_setup() takes char **. */
	static char *envp[] = { "HOME=/", "PATH=/usr/sbin:/usr/bin:/sbin:/bin", NULL };
	char *argv[VIRGO_EXEC_ARGS_MAX + 2];
	struct virgo_exec_ctx x = { .job = job };
	struct subprocess_info *info;
	char *path = NULL;
	loff_t pos = 0;
	int i, n, ret;
	ssize_t got;

	/* Unauthenticated callers run no program unless an admin says so. */
	if (!virgo_auth_enabled() && !READ_ONCE(virgo_cpupool.exec_lab)) {
		ret = -EACCES;
		goto out;
	}
	mutex_lock(&virgo_cpupool.lock);
	if (virgo_cpupool.exec_dir[0])
		path = kasprintf(GFP_KERNEL, "%s/%s", virgo_cpupool.exec_dir, job->name);
	x.cgroup = virgo_cpupool.exec_cgroup_path;
	path_get(&x.cgroup);
	x.uid = make_kuid(&init_user_ns, READ_ONCE(virgo_cpupool.exec_uid));
	x.gid = make_kgid(&init_user_ns, READ_ONCE(virgo_cpupool.exec_gid));
	ret = virgo_cpupool.exec_dir[0] ? (path ? 0 : -ENOMEM) : -EACCES;
	mutex_unlock(&virgo_cpupool.lock);
	if (ret)
		goto out;
	ret = virgo_exec_check(path);
	if (ret)
		goto out;
	if (virgo_fn_expired(&job->ctx)) {
		ret = -ETIMEDOUT;
		goto out;
	}

	argv[0] = job->name;
	n = virgo_cpupool_split_args((char *)job->ctx.arg, job->ctx.arg_len,
				     argv + 1, VIRGO_EXEC_ARGS_MAX);
	if (n < 0) {
		ret = n;
		goto out;
	}
	argv[n + 1] = NULL;

	for (i = 0; i < ARRAY_SIZE(x.files); i++) {
		x.files[i] = shmem_kernel_file_setup("virgo-exec", 0, VM_NORESERVE);
		if (IS_ERR(x.files[i])) {
			ret = PTR_ERR(x.files[i]);
			x.files[i] = NULL;
			goto out_files;
		}
	}

	info = call_usermodehelper_setup(path, argv, envp, GFP_KERNEL,
					 virgo_exec_init, NULL, &x);
	if (!info) {
		ret = -ENOMEM;
		goto out_files;
	}
	/*
	 * Killable only so that the hung-task detector leaves a long program
	 * alone: a kworker never receives the fatal signal that would end
	 * this wait early (and leave @x on a finished stack).
	 */
	ret = call_usermodehelper_exec(info, UMH_WAIT_PROC | UMH_KILLABLE);

	/* Nothing of it outlives it. */
	spin_lock(&job->lock);
	if (job->pid)
		kill_pgrp(job->pid, SIGKILL, 1);
	spin_unlock(&job->lock);
	/*
	 * A failure before or in execve comes back as its errno; those that
	 * virgo_clone(2) does not name mean the file could not be run.
	 */
	if (ret < 0) {
		if (ret != -ENOENT && ret != -EACCES && ret != -E2BIG &&
		    ret != -EINVAL && ret != -ETIMEDOUT && ret != -ENOMEM)
			ret = -ENOEXEC;
		goto out_files;
	}

	got = kernel_read(x.files[1], job->ctx.result, VIRGO_CLONE_RESULT_MAX, &pos);
	job->ctx.result_len = max_t(ssize_t, got, 0);
	ret = virgo_exec_status(ret);

out_files:
	for (i = 0; i < ARRAY_SIZE(x.files); i++)
		if (x.files[i])
			fput(x.files[i]);
out:
	path_put(&x.cgroup);
	kfree(path);
	if (ret < 0)
		job->err = ret;
	return ret;
}
