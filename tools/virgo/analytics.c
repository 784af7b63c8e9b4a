// SPDX-License-Identifier: GPL-2.0
/*
 * libvirgo - kernel analytics: the seed's file format, and the store in
 * configfs (VIRGO_CONFIGFS/analytics/<key>/value)
 *
 * The file, /etc/virgo_kernel_analytics.conf as the original VIRGO read
 * it and AsFer's scripts write it: "key=value" pairs separated by commas,
 * on one line or many; a line may begin with a comma (AsFer appends
 * ",key=value"); blank lines and lines whose first non-blank byte is '#'
 * are skipped; blanks around keys and values are dropped. Keys are 1 to
 * 64 bytes of [A-Za-z0-9_.-]; values at most 256 bytes, no control byte
 * (nor, in a file, a comma). A later pair for a key replaces an earlier.
 */

#include <dirent.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include "libvirgo.h"

bool virgo_analytics_key_ok(const char *key, size_t len)
{
	size_t i;

	if (!len || len > VIRGO_ANALYTICS_KEY_MAX || (len == 1 && key[0] == '.') ||
	    (len == 2 && key[0] == '.' && key[1] == '.'))
		return false;
	for (i = 0; i < len; i++) {
		char c = key[i];

		if (!(c >= 'a' && c <= 'z') && !(c >= 'A' && c <= 'Z') &&
		    !(c >= '0' && c <= '9') && c != '_' && c != '.' && c != '-')
			return false;
	}
	return true;
}

bool virgo_analytics_value_ok(const char *value, size_t len)
{
	size_t i;

	if (len > VIRGO_ANALYTICS_VALUE_MAX)
		return false;
	for (i = 0; i < len; i++)
		if ((unsigned char)value[i] < 0x20 || value[i] == 0x7f)
			return false;
	return true;
}

static void trim(const char **s, size_t *len)
{
	while (*len && (**s == ' ' || **s == '\t')) {
		(*s)++;
		(*len)--;
	}
	while (*len && ((*s)[*len - 1] == ' ' || (*s)[*len - 1] == '\t'))
		(*len)--;
}

/**
 * virgo_analytics_parse_pair() - one "key=value"
 * @s: the text (need not be NUL-terminated)
 * @len: its length
 * @kv: set to the pair (its line left as it was)
 *
 * Return: 0, or -EINVAL (no '=', a bad key or value).
 */
int virgo_analytics_parse_pair(const char *s, size_t len, struct virgo_kv *kv)
{
	const char *eq = memchr(s, '=', len), *v;
	size_t klen, vlen;

	if (!eq)
		return -EINVAL;
	klen = eq - s;
	v = eq + 1;
	vlen = len - klen - 1;
	trim(&s, &klen);
	trim(&v, &vlen);
	if (!virgo_analytics_key_ok(s, klen) || !virgo_analytics_value_ok(v, vlen))
		return -EINVAL;
	memcpy(kv->key, s, klen);
	kv->key[klen] = '\0';
	memcpy(kv->value, v, vlen);
	kv->value[vlen] = '\0';
	return 0;
}

/* Add @kv to @set, replacing an earlier pair of its key. */
int virgo_kv_set_add(struct virgo_kv_set *set, const struct virgo_kv *kv)
{
	struct virgo_kv *more;
	size_t i;

	for (i = 0; i < set->n; i++) {
		if (!strcmp(set->kv[i].key, kv->key)) {
			set->kv[i] = *kv;
			return 0;
		}
	}
	if (set->n == set->size) {
		set->size = set->size ? 2 * set->size : 16;
		more = realloc(set->kv, set->size * sizeof(*more));
		if (!more)
			return -ENOMEM;
		set->kv = more;
	}
	set->kv[set->n++] = *kv;
	return 0;
}

/**
 * virgo_analytics_parse() - pairs of the seed's file format
 * @text: the text (need not be NUL-terminated)
 * @len: its length
 * @first_line: the number of @text's first line
 * @set: the pairs are added to it (virgo_kv_set_free() frees it)
 * @bad: set to the number of a bad line
 *
 * Return: 0; -EINVAL with *@bad set and @set as it was (nothing added
 * from a text with a bad line); -ENOMEM.
 */
int virgo_analytics_parse(const char *text, size_t len, size_t first_line,
			  struct virgo_kv_set *set, size_t *bad)
{
	struct virgo_kv_set add = {};
	const char *line = text, *end = text + len, *nl, *item, *comma;
	size_t line_no = first_line, n, i;
	struct virgo_kv kv;
	int ret = 0;

	for (; line < end && !ret; line = nl + 1, line_no++) {
		nl = memchr(line, '\n', end - line);
		if (!nl)
			nl = end;
		n = nl - line;
		if (n && line[n - 1] == '\r')
			n--;
		trim(&line, &n);
		if (!n || line[0] == '#')
			continue;
		for (item = line; item < line + n && !ret; item = comma + 1) {
			comma = memchr(item, ',', line + n - item);
			if (!comma)
				comma = line + n;
			i = comma - item;
			trim(&item, &i);
			if (!i)
				continue;	/* ",k=v" or "k=v," as scripts append */
			ret = virgo_analytics_parse_pair(item, i, &kv);
			if (!ret) {
				kv.line = line_no;
				ret = virgo_kv_set_add(&add, &kv);
			}
		}
		if (ret == -EINVAL)
			*bad = line_no;
	}
	for (i = 0; i < add.n && !ret; i++)
		ret = virgo_kv_set_add(set, &add.kv[i]);
	virgo_kv_set_free(&add);
	return ret;
}

void virgo_kv_set_free(struct virgo_kv_set *set)
{
	free(set->kv);
	*set = (struct virgo_kv_set){};
}

/* ------------------------------------------------------------ the store */

/**
 * virgo_analytics_get() - a key's value
 * @key: the key
 * @buf: the value, NUL-terminated
 * @len: its size (sizeof(struct virgo_kv.value) holds any value)
 *
 * Return: the value's length; -ENOENT when the key has none; -errno.
 */
int virgo_analytics_get(const char *key, char *buf, size_t len)
{
	char path[64 + VIRGO_ANALYTICS_KEY_MAX];
	int n;

	if (!virgo_analytics_key_ok(key, strlen(key)))
		return -EINVAL;
	snprintf(path, sizeof(path), "%s/analytics/%s/value", VIRGO_CONFIGFS, key);
	/* A value reads with a line end; a key without one reads empty. */
	n = virgo_read_file(path, buf, len);
	if (n == 0)
		return -ENOENT;
	if (n > 0 && buf[n - 1] == '\n')
		buf[--n] = '\0';
	return n;
}

/* Whether @key is in the store, with a value or not. */
bool virgo_analytics_exists(const char *key)
{
	char dir[64 + VIRGO_ANALYTICS_KEY_MAX];
	struct stat st;

	snprintf(dir, sizeof(dir), "%s/analytics/%s", VIRGO_CONFIGFS, key);
	return !stat(dir, &st);
}

/**
 * virgo_analytics_set() - set a key's value, adding the key if new
 * @key: the key
 * @value: the value
 *
 * Return: 0; -EINVAL for a bad key or value (or one the kernel refused:
 * a key a component reads, with a value it cannot take); -ENOSPC past
 * the 500th key; -errno.
 */
int virgo_analytics_set(const char *key, const char *value)
{
	char dir[64 + VIRGO_ANALYTICS_KEY_MAX], rel[32 + VIRGO_ANALYTICS_KEY_MAX];
	size_t len = strlen(value);
	char *line;
	int ret;

	if (!virgo_analytics_key_ok(key, strlen(key)) || !virgo_analytics_value_ok(value, len))
		return -EINVAL;
	snprintf(dir, sizeof(dir), "%s/analytics/%s", VIRGO_CONFIGFS, key);
	if (mkdir(dir, 0755) && errno != EEXIST)
		return -errno;
	line = malloc(len + 2);
	if (!line)
		return -ENOMEM;
	memcpy(line, value, len);
	line[len] = '\n';
	line[len + 1] = '\0';
	snprintf(rel, sizeof(rel), "analytics/%s/value", key);
	ret = virgo_cfs_write(rel, line);
	free(line);
	return ret;
}

/**
 * virgo_analytics_delete() - remove a key
 * @key: the key
 *
 * Return: 0, -ENOENT or -errno.
 */
int virgo_analytics_delete(const char *key)
{
	char dir[64 + VIRGO_ANALYTICS_KEY_MAX];

	if (!virgo_analytics_key_ok(key, strlen(key)))
		return -EINVAL;
	snprintf(dir, sizeof(dir), "%s/analytics/%s", VIRGO_CONFIGFS, key);
	return rmdir(dir) ? -errno : 0;
}

static int kv_cmp(const void *a, const void *b)
{
	return strcmp(((const struct virgo_kv *)a)->key, ((const struct virgo_kv *)b)->key);
}

/**
 * virgo_analytics_list() - every key that has a value, sorted
 * @set: the pairs are added to it
 *
 * Return: 0 or -errno.
 */
int virgo_analytics_list(struct virgo_kv_set *set)
{
	struct virgo_kv kv = {};
	struct dirent *d;
	DIR *dir;
	int ret = 0, n;

	dir = opendir(VIRGO_CONFIGFS "/analytics");
	if (!dir)
		return -errno;
	while (!ret && (d = readdir(dir))) {
		if (!virgo_analytics_key_ok(d->d_name, strlen(d->d_name)))
			continue;	/* ".", "..": not keys */
		n = virgo_analytics_get(d->d_name, kv.value, sizeof(kv.value));
		if (n == -ENOENT)
			continue;	/* deleted meanwhile, or no value yet */
		if (n < 0) {
			ret = n;
			break;
		}
		strcpy(kv.key, d->d_name);
		ret = virgo_kv_set_add(set, &kv);
	}
	closedir(dir);
	if (!ret)
		qsort(set->kv, set->n, sizeof(*set->kv), kv_cmp);
	return ret;
}

/**
 * virgo_analytics_apply() - set every pair, or none
 * @set: the pairs
 * @failed: set to the pair that failed
 *
 * The keys' old values are kept first; when a pair fails (the kernel
 * refused its value, or the store is full), those set before it get
 * them back, and keys that were new are deleted.
 *
 * Return: 0, or the failed pair's error.
 */
int virgo_analytics_apply(const struct virgo_kv_set *set, size_t *failed)
{
	struct virgo_kv *old;
	bool *made;
	size_t i;
	int ret = 0, n;

	old = calloc(set->n ?: 1, sizeof(*old));
	made = calloc(set->n ?: 1, sizeof(*made));
	if (!old || !made) {
		free(old);
		free(made);
		return -ENOMEM;
	}
	for (i = 0; i < set->n; i++) {
		n = virgo_analytics_get(set->kv[i].key, old[i].value, sizeof(old[i].value));
		if (n < 0 && n != -ENOENT) {
			ret = n;
			break;
		}
		made[i] = !virgo_analytics_exists(set->kv[i].key);
		ret = virgo_analytics_set(set->kv[i].key, set->kv[i].value);
		if (ret)
			break;
	}
	if (ret) {
		*failed = i;
		if (i < set->n && made[i])
			virgo_analytics_delete(set->kv[i].key);	/* it may have made it */
		while (i-- > 0) {
			if (made[i])
				virgo_analytics_delete(set->kv[i].key);
			else
				virgo_analytics_set(set->kv[i].key, old[i].value);
		}
	}
	free(old);
	free(made);
	return ret;
}
