// SPDX-License-Identifier: GPL-2.0
/*
 * VIRGO cpupool - the registry of kernel functions
 *
 * virgo_clone(2) runs functions by name, and only those that kernel code
 * registered here: no symbol lookup, no function pointer on the wire. A
 * running function holds a reference on its module, so a module can
 * unregister its functions in its exit path and be gone safely.
 */

#include <linux/module.h>
#include <linux/mutex.h>
#include <linux/slab.h>
#include "cpupool.h"

static LIST_HEAD(virgo_functions);
static DEFINE_MUTEX(virgo_functions_lock);

static struct virgo_function *virgo_function_find(const char *name)
{
	struct virgo_function *f;

	list_for_each_entry(f, &virgo_functions, entry)
		if (!strcmp(f->name, name))
			return f;
	return NULL;
}

/**
 * virgo_register_function() - let the cluster run @f by name
 * @f: name, fn and owner set
 *
 * Return: 0; -EINVAL for a bad name; -EEXIST when the name is taken.
 */
int virgo_register_function(struct virgo_function *f)
{
	int ret = 0;

	if (!f->fn || !virgo_cpupool_name_ok(f->name))
		return -EINVAL;
	mutex_lock(&virgo_functions_lock);
	if (virgo_function_find(f->name))
		ret = -EEXIST;
	else
		list_add_tail(&f->entry, &virgo_functions);
	mutex_unlock(&virgo_functions_lock);
	return ret;
}
EXPORT_SYMBOL_GPL(virgo_register_function);

/**
 * virgo_unregister_function() - no new runs of @f
 * @f: a registered function
 *
 * Runs already started keep a reference on @f->owner; call this from the
 * owner's module exit (or before freeing @f in built-in code that knows
 * no run is left).
 */
void virgo_unregister_function(struct virgo_function *f)
{
	mutex_lock(&virgo_functions_lock);
	list_del(&f->entry);
	mutex_unlock(&virgo_functions_lock);
}
EXPORT_SYMBOL_GPL(virgo_unregister_function);

/*
 * The function called @name, or NULL; @owner is set to its module, which
 * is referenced: the caller puts @owner, never reading @f for it again.
 */
struct virgo_function *virgo_function_get(const char *name, struct module **owner)
{
	struct virgo_function *f;

	mutex_lock(&virgo_functions_lock);
	f = virgo_function_find(name);
	if (f && !try_module_get(f->owner))
		f = NULL;
	if (f)
		*owner = f->owner;
	mutex_unlock(&virgo_functions_lock);
	return f;
}

/* The registered names, space-separated, cut at @len. */
size_t virgo_functions_list(char *buf, size_t len)
{
	struct virgo_function *f;
	size_t n = 0;

	buf[0] = '\0';
	mutex_lock(&virgo_functions_lock);
	list_for_each_entry(f, &virgo_functions, entry)
		n += scnprintf(buf + n, len - n, "%s%s", n ? " " : "", f->name);
	mutex_unlock(&virgo_functions_lock);
	return n;
}

/**
 * virgo_fn_write() - append to a function's result
 * @ctx: the run
 * @buf: bytes
 * @len: how many
 *
 * Return: 0, or -ENOSPC when the result is full (what fits is kept).
 */
int virgo_fn_write(struct virgo_fn_ctx *ctx, const void *buf, size_t len)
{
	size_t room = VIRGO_CLONE_RESULT_MAX - ctx->result_len;
	size_t n = min(len, room);

	memcpy(ctx->result + ctx->result_len, buf, n);
	ctx->result_len += n;
	return n < len ? -ENOSPC : 0;
}
EXPORT_SYMBOL_GPL(virgo_fn_write);

int virgo_fn_printf(struct virgo_fn_ctx *ctx, const char *fmt, ...)
{
	size_t room = VIRGO_CLONE_RESULT_MAX - ctx->result_len;
	va_list args;
	int n;

	va_start(args, fmt);
	n = vsnprintf(ctx->result + ctx->result_len, room, fmt, args);
	va_end(args);
	if (n >= room) {
		/* Keep what fit, without vsnprintf's NUL. */
		ctx->result_len += room ? room - 1 : 0;
		return -ENOSPC;
	}
	ctx->result_len += n;
	return 0;
}
EXPORT_SYMBOL_GPL(virgo_fn_printf);
