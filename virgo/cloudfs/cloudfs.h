/* SPDX-License-Identifier: GPL-2.0 */
/*
 * VIRGO cloudfs - file I/O on another node's disk: each node exports one
 * directory, peers open files beneath it and read and write them through
 * descriptors that name the node.
 */
#ifndef _VIRGO_CLOUDFS_H
#define _VIRGO_CLOUDFS_H

#include <linux/types.h>
#include "../core/core.h"

#define VIRGO_FS_EXPORT_DEFAULT	"/srv/virgo"
#define VIRGO_FS_PATH_MAX	1024	/* longest path a peer may send */
#define VIRGO_FS_IO_MAX		VIRGO_PAYLOAD_MAX	/* bytes per read or write */
#define VIRGO_FS_PART		(128 << 10)	/* a write is taken in parts */
#define VIRGO_FS_FDS_DEFAULT	64	/* open files per peer */
#define VIRGO_FS_FDS_MAX	4096
#define VIRGO_FS_ID_DEFAULT	65534	/* nobody: files are opened as */
#define VIRGO_FS_GRACE_DEFAULT	30000	/* ms a gone peer keeps its files */
#define VIRGO_FS_IDLE_DEFAULT	600000	/* ms an unused descriptor is kept */
#define VIRGO_FS_TIMEOUT_MS	10000	/* for a node's reply to a call */

/*
 * A descriptor is a positive 64-bit number: the node that holds the file
 * (6 bits, id - 1), a slot in that node's table for the peer (16 bits)
 * and a random tag (41 bits) the slot must match.
 */
#define VIRGO_FD_NODE_SHIFT	57
#define VIRGO_FD_SLOT_SHIFT	41
#define VIRGO_FD_SLOTS		BIT(16)
#define VIRGO_FD_TAG_MASK	((1ULL << VIRGO_FD_SLOT_SHIFT) - 1)

struct virgo_fd {
	u32 node;	/* 1..VIRGO_MAX_NODES */
	u32 slot;
	u64 tag;	/* non-zero */
};

s64 virgo_fd_encode(const struct virgo_fd *fd);
int virgo_fd_decode(s64 raw, struct virgo_fd *fd);

/* The export and the identity files are opened as, from configfs. */
struct virgo_cloudfs_settings {
	struct mutex lock;	/* protects export */
	char export[256];
	u32 uid;
	u32 gid;
	u32 max_fds;
	u32 grace_ms;
	u32 idle_ms;
	u32 caller_gid;
};

extern struct virgo_cloudfs_settings virgo_cloudfs;

struct file *virgo_fs_open(const char *path, int flags, umode_t mode);
void virgo_fs_export_changed(void);
ssize_t virgo_fs_read(struct file *f, void *buf, size_t count, loff_t pos);
ssize_t virgo_fs_write(struct file *f, const void *buf, size_t count, loff_t pos);
int virgo_fs_flags(u64 wire, int *flags);

struct virgo_fs_open;
struct virgo_fs_open *virgo_fds_reserve(__be32 peer);
s64 virgo_fds_fill(struct virgo_fs_open *o, struct file *f);
void virgo_fds_cancel(struct virgo_fs_open *o);
struct file *virgo_fds_get(__be32 peer, s64 fd);
int virgo_fds_close(__be32 peer, s64 fd);
void virgo_fds_start(void);
size_t virgo_fds_list(char *buf, size_t size);

long virgo_fs_rw(u32 node, s64 rfd, void __user *ubuf, u64 count, s64 pos, bool write);
bool virgo_fs_permitted(void);
int virgo_fs_remote_close(u32 node, s64 rfd);
int virgo_rfile_prepare(int flags, struct file **file);
void virgo_rfile_install(int fd, struct file *file, u32 node, s64 rfd);
void virgo_rfile_abandon(int fd, struct file *file, u32 node, s64 rfd);
int virgo_rfile_init(void);
long virgo_rfile_rw(int fd, void __user *ubuf, u64 count, s64 pos, bool write);
bool virgo_rfile_is(int fd);

int virgo_cloudfs_config_init(void);
void virgo_cloudfs_config_exit(void);

#endif /* _VIRGO_CLOUDFS_H */
