// SPDX-License-Identifier: GPL-2.0
/*
 * virgo._virgo - the VIRGO system calls and analytics for Python, over
 * libvirgo. The package virgo (virgo/__init__.py) builds the Pythonic
 * API on these: file objects, context managers, the analytics mapping.
 *
 * Every call releases the GIL around the system call or file access. A
 * failure raises OSError with its errno, which Python maps to its
 * subclasses (FileNotFoundError, PermissionError, TimeoutError...).
 */

#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "libvirgo.h"

static PyObject *raise_errno(int err)
{
	errno = err < 0 ? -err : err;
	return PyErr_SetFromErrno(PyExc_OSError);
}

static PyObject *none(void)
{
	Py_RETURN_NONE;
}

/*
 * Converters for PyArg_ParseTuple's "O&": a Python int that fits, or
 * OverflowError (a negative one too) or TypeError; never truncated.
 */
static int u64_arg(PyObject *obj, void *p)
{
	unsigned long long v = PyLong_AsUnsignedLongLong(obj);

	if (v == (unsigned long long)-1 && PyErr_Occurred())
		return 0;
	*(unsigned long long *)p = v;
	return 1;
}

static int u32_arg(PyObject *obj, void *p)
{
	unsigned long long v;

	if (!u64_arg(obj, &v))
		return 0;
	if (v > UINT32_MAX) {
		PyErr_SetString(PyExc_OverflowError, "value does not fit in 32 bits");
		return 0;
	}
	*(unsigned int *)p = v;
	return 1;
}

/* A node id argument: None (the balancer picks) or 1-VIRGO_NODES_MAX. */
static int node_arg(PyObject *obj, unsigned int *node)
{
	long v;

	if (obj == Py_None) {
		*node = 0;
		return 0;
	}
	v = PyLong_AsLong(obj);
	if (v == -1 && PyErr_Occurred())
		return -1;
	if (v < 1 || v > VIRGO_NODES_MAX) {
		PyErr_Format(PyExc_ValueError, "node must be 1 to %d, or None", VIRGO_NODES_MAX);
		return -1;
	}
	*node = v;
	return 0;
}

/*
 * (status, result, ran_on) of a call that ran somewhere (clone, wait):
 * @ret bytes of @buf, or -errno; @buf is freed either way.
 */
static PyObject *ran_result(long ret, long long status, char *buf, unsigned int ran_on)
{
	PyObject *result = NULL;

	if (ret < 0)
		raise_errno(ret);
	else
		result = Py_BuildValue("(Ly#I)", status, buf, (Py_ssize_t)ret, ran_on);
	free(buf);
	return result;
}

PyDoc_STRVAR(clone_doc,
"clone(func, arg, node, exec, timeout_ms) -> (status, result, ran_on)\n\n"
"virgo_clone(2): run the kernel function (or with exec the program) func on\n"
"node, or where the balancer picks when node is None.");

static PyObject *py_clone(PyObject *self, PyObject *args)
{
	unsigned int node, timeout_ms;
	PyObject *node_obj;
	struct virgo_clone_args ca;
	int exec_flag;
	const char *func;
	Py_buffer arg;
	char *buf;
	long ret;

	if (!PyArg_ParseTuple(args, "sy*OpO&", &func, &arg, &node_obj, &exec_flag,
			      u32_arg, &timeout_ms))
		return NULL;
	if (node_arg(node_obj, &node) < 0) {
		PyBuffer_Release(&arg);
		return NULL;
	}
	buf = malloc(VIRGO_CLONE_RESULT_MAX);
	if (!buf) {
		PyBuffer_Release(&arg);
		return PyErr_NoMemory();
	}
	memset(&ca, 0, sizeof(ca));
	ca.func = (uintptr_t)func;
	ca.arg = (uintptr_t)arg.buf;
	ca.arg_len = arg.len;
	ca.result = (uintptr_t)buf;
	ca.result_len = VIRGO_CLONE_RESULT_MAX;
	ca.flags = (node ? VIRGO_CLONE_NODE : 0) | (exec_flag ? VIRGO_CLONE_EXEC : 0);
	ca.node = node;
	ca.timeout_ms = timeout_ms;
	Py_BEGIN_ALLOW_THREADS
	ret = virgo_clone(&ca);
	Py_END_ALLOW_THREADS
	PyBuffer_Release(&arg);
	return ran_result(ret, ca.status, buf, ca.ran_on);
}

static PyObject *py_malloc(PyObject *self, PyObject *args)
{
	unsigned long long size;
	uint64_t vuid;
	int ret;

	if (!PyArg_ParseTuple(args, "O&", u64_arg, &size))
		return NULL;
	Py_BEGIN_ALLOW_THREADS
	ret = virgo_malloc(size, &vuid);
	Py_END_ALLOW_THREADS
	return ret ? raise_errno(ret) : PyLong_FromUnsignedLongLong(vuid);
}

static PyObject *py_set(PyObject *self, PyObject *args)
{
	unsigned long long vuid, off;
	Py_buffer data;
	long ret;

	if (!PyArg_ParseTuple(args, "O&y*O&", u64_arg, &vuid, &data, u64_arg, &off))
		return NULL;
	Py_BEGIN_ALLOW_THREADS
	ret = virgo_set(vuid, data.buf, data.len, off);
	Py_END_ALLOW_THREADS
	PyBuffer_Release(&data);
	return ret < 0 ? raise_errno(ret) : PyLong_FromLong(ret);
}

static PyObject *py_get(PyObject *self, PyObject *args)
{
	unsigned long long vuid, off;
	Py_ssize_t len;
	PyObject *bytes;
	char *buf;
	long ret;

	if (!PyArg_ParseTuple(args, "O&nO&", u64_arg, &vuid, &len, u64_arg, &off))
		return NULL;
	if (len < 0)
		return PyErr_Format(PyExc_ValueError, "length must not be negative");
	/* No allocation is larger: the kernel's answer, without the buffer. */
	if ((unsigned long long)len > VIRGO_MALLOC_MAX)
		return raise_errno(-E2BIG);
	bytes = PyBytes_FromStringAndSize(NULL, len);
	if (!bytes)
		return NULL;
	buf = PyBytes_AS_STRING(bytes);
	Py_BEGIN_ALLOW_THREADS
	ret = virgo_get(vuid, buf, len, off);
	Py_END_ALLOW_THREADS
	if (ret < 0) {
		Py_DECREF(bytes);
		return raise_errno(ret);
	}
	return bytes;
}

static PyObject *py_free(PyObject *self, PyObject *args)
{
	unsigned long long vuid;
	int ret;

	if (!PyArg_ParseTuple(args, "O&", u64_arg, &vuid))
		return NULL;
	Py_BEGIN_ALLOW_THREADS
	ret = virgo_free(vuid);
	Py_END_ALLOW_THREADS
	return ret ? raise_errno(ret) : none();
}

static PyObject *py_open(PyObject *self, PyObject *args)
{
	unsigned int node, mode;
	unsigned long long flags;
	PyObject *node_obj, *ret;
	const char *path;
	int64_t fd;

	if (!PyArg_ParseTuple(args, "sO&O&O", &path, u64_arg, &flags, u32_arg, &mode, &node_obj))
		return NULL;
	if (node_arg(node_obj, &node) < 0)
		return NULL;
	if (node)
		flags |= VIRGO_OPEN_NODE(node);
	Py_BEGIN_ALLOW_THREADS
	fd = virgo_open(path, flags, mode);
	Py_END_ALLOW_THREADS
	if (fd < 0)
		return raise_errno(fd);
	ret = PyLong_FromLongLong(fd);
	if (!ret)
		virgo_close(fd);	/* no one could ever close it */
	return ret;
}

static PyObject *py_read(PyObject *self, PyObject *args)
{
	long long fd, pos;
	Py_ssize_t count;
	PyObject *bytes;
	long ret;

	char *buf;

	if (!PyArg_ParseTuple(args, "LnL", &fd, &count, &pos))
		return NULL;
	if (count < 0 || count > VIRGO_IO_MAX)
		return PyErr_Format(PyExc_ValueError, "count must be 0 to %d", VIRGO_IO_MAX);
	bytes = PyBytes_FromStringAndSize(NULL, count);
	if (!bytes)
		return NULL;
	buf = PyBytes_AS_STRING(bytes);
	Py_BEGIN_ALLOW_THREADS
	ret = virgo_read(fd, buf, count, pos);
	Py_END_ALLOW_THREADS
	if (ret < 0) {
		Py_DECREF(bytes);
		return raise_errno(ret);
	}
	if (ret < count && _PyBytes_Resize(&bytes, ret) < 0)
		return NULL;
	return bytes;
}

static PyObject *py_write(PyObject *self, PyObject *args)
{
	long long fd, pos;
	Py_buffer data;
	long ret;

	if (!PyArg_ParseTuple(args, "Ly*L", &fd, &data, &pos))
		return NULL;
	Py_BEGIN_ALLOW_THREADS
	ret = virgo_write(fd, data.buf, data.len > VIRGO_IO_MAX ? VIRGO_IO_MAX : data.len, pos);
	Py_END_ALLOW_THREADS
	PyBuffer_Release(&data);
	return ret < 0 ? raise_errno(ret) : PyLong_FromLong(ret);
}

static PyObject *py_close(PyObject *self, PyObject *args)
{
	long long fd;
	int ret;

	if (!PyArg_ParseTuple(args, "L", &fd))
		return NULL;
	Py_BEGIN_ALLOW_THREADS
	ret = virgo_close(fd);
	Py_END_ALLOW_THREADS
	return ret ? raise_errno(ret) : none();
}

static PyObject *py_publish(PyObject *self, PyObject *args)
{
	char id[VIRGO_MSG_ID_SIZE];
	struct virgo_publish_args pa;
	const char *service;
	PyObject *node_obj;
	unsigned int node;
	Py_buffer data;
	int ret;

	if (!PyArg_ParseTuple(args, "sy*O", &service, &data, &node_obj))
		return NULL;
	if (node_arg(node_obj, &node) < 0) {
		PyBuffer_Release(&data);
		return NULL;
	}
	memset(&pa, 0, sizeof(pa));
	pa.service = (uintptr_t)service;
	pa.data = (uintptr_t)data.buf;
	pa.data_len = data.len;
	pa.flags = node ? VIRGO_PUBLISH_NODE : 0;
	pa.node = node;
	Py_BEGIN_ALLOW_THREADS
	ret = virgo_publish(&pa);
	Py_END_ALLOW_THREADS
	PyBuffer_Release(&data);
	if (ret)
		return raise_errno(ret);
	if (virgo_msg_id_format(&pa.id, id, sizeof(id)) < 0)
		return raise_errno(-EPROTO);
	return Py_BuildValue("(sKI)", id, (unsigned long long)pa.lamport, pa.queued_on);
}

static PyObject *py_wait(PyObject *self, PyObject *args)
{
	struct virgo_wait_args wa;
	unsigned int timeout_ms;
	const char *id;
	char *buf;
	long ret;

	if (!PyArg_ParseTuple(args, "sO&", &id, u32_arg, &timeout_ms))
		return NULL;
	memset(&wa, 0, sizeof(wa));
	if (virgo_msg_id_parse(id, &wa.id))
		return PyErr_Format(PyExc_ValueError, "'%s' is not a message id (node:epoch:seq)", id);
	buf = malloc(VIRGO_QUEUE_DATA_MAX);
	if (!buf)
		return PyErr_NoMemory();
	wa.result = (uintptr_t)buf;
	wa.result_len = VIRGO_QUEUE_DATA_MAX;
	wa.timeout_ms = timeout_ms;
	Py_BEGIN_ALLOW_THREADS
	ret = virgo_wait(&wa);
	Py_END_ALLOW_THREADS
	return ran_result(ret, wa.status, buf, wa.ran_on);
}

static PyObject *py_lock(PyObject *self, PyObject *args)
{
	unsigned int timeout_ms;
	const char *name;
	PyObject *ret;
	uint64_t token;
	int try_only, fd;

	if (!PyArg_ParseTuple(args, "sO&p", &name, u32_arg, &timeout_ms, &try_only))
		return NULL;
	Py_BEGIN_ALLOW_THREADS
	fd = virgo_lock(name, timeout_ms, VIRGO_LOCK_CLOEXEC | (try_only ? VIRGO_LOCK_TRY : 0),
			&token);
	Py_END_ALLOW_THREADS
	if (fd < 0)
		return raise_errno(fd);
	ret = Py_BuildValue("(iK)", fd, (unsigned long long)token);
	if (!ret)
		close(fd);	/* releases the lock no one could release */
	return ret;
}

static PyObject *py_unlock(PyObject *self, PyObject *args)
{
	int fd, ret;

	if (!PyArg_ParseTuple(args, "i", &fd))
		return NULL;
	Py_BEGIN_ALLOW_THREADS
	ret = virgo_unlock(fd);
	/* EBADF, EINVAL: not a lock descriptor, which must not be closed. */
	if (!ret || ret == -ESTALE)
		close(fd);
	Py_END_ALLOW_THREADS
	return ret ? raise_errno(ret) : none();
}

/* ------------------------------------------------------------ analytics */

static PyObject *py_analytics_get(PyObject *self, PyObject *args)
{
	char value[sizeof(((struct virgo_kv *)0)->value)];
	const char *key;
	int n;

	if (!PyArg_ParseTuple(args, "s", &key))
		return NULL;
	Py_BEGIN_ALLOW_THREADS
	n = virgo_analytics_get(key, value, sizeof(value));
	Py_END_ALLOW_THREADS
	if (n == -ENOENT || n == -EINVAL) {
		PyErr_SetString(PyExc_KeyError, key);
		return NULL;
	}
	return n < 0 ? raise_errno(n) : PyUnicode_DecodeUTF8(value, n, "surrogateescape");
}

static PyObject *py_analytics_set(PyObject *self, PyObject *args)
{
	const char *key, *value;
	int ret;

	/* The value's bytes: the package encodes it with surrogateescape. */
	if (!PyArg_ParseTuple(args, "sy", &key, &value))
		return NULL;
	Py_BEGIN_ALLOW_THREADS
	ret = virgo_analytics_set(key, value);
	Py_END_ALLOW_THREADS
	return ret ? raise_errno(ret) : none();
}

static PyObject *py_analytics_delete(PyObject *self, PyObject *args)
{
	const char *key;
	int ret;

	if (!PyArg_ParseTuple(args, "s", &key))
		return NULL;
	Py_BEGIN_ALLOW_THREADS
	ret = virgo_analytics_delete(key);
	Py_END_ALLOW_THREADS
	if (ret == -ENOENT || ret == -EINVAL) {
		PyErr_SetString(PyExc_KeyError, key);
		return NULL;
	}
	return ret ? raise_errno(ret) : none();
}

static PyObject *py_analytics_list(PyObject *self, PyObject *noargs)
{
	struct virgo_kv_set set = {};
	PyObject *list, *item;
	size_t i;
	int ret;

	Py_BEGIN_ALLOW_THREADS
	ret = virgo_analytics_list(&set);
	Py_END_ALLOW_THREADS
	if (ret) {
		virgo_kv_set_free(&set);
		return raise_errno(ret);
	}
	list = PyList_New(0);
	for (i = 0; list && i < set.n; i++) {
		item = Py_BuildValue("(sN)", set.kv[i].key,
				     PyUnicode_DecodeUTF8(set.kv[i].value, strlen(set.kv[i].value),
							  "surrogateescape"));
		if (!item || PyList_Append(list, item) < 0)
			Py_CLEAR(list);
		Py_XDECREF(item);
	}
	virgo_kv_set_free(&set);
	return list;
}

static PyMethodDef virgo_methods[] = {
	{ "clone", py_clone, METH_VARARGS, clone_doc },
	{ "malloc", py_malloc, METH_VARARGS, "malloc(size) -> vuid: virgo_malloc(2)" },
	{ "set", py_set, METH_VARARGS, "set(vuid, data, off) -> bytes written: virgo_set(2)" },
	{ "get", py_get, METH_VARARGS, "get(vuid, length, off) -> bytes: virgo_get(2)" },
	{ "free", py_free, METH_VARARGS, "free(vuid): virgo_free(2)" },
	{ "open", py_open, METH_VARARGS, "open(path, flags, mode, node) -> descriptor: virgo_open(2)" },
	{ "read", py_read, METH_VARARGS, "read(fd, count, pos) -> bytes: virgo_read(2)" },
	{ "write", py_write, METH_VARARGS, "write(fd, data, pos) -> bytes written: virgo_write(2)" },
	{ "close", py_close, METH_VARARGS, "close(fd): virgo_close(2)" },
	{ "publish", py_publish, METH_VARARGS,
	  "publish(service, payload, node) -> (id, lamport, queued_on): virgo_publish(2)" },
	{ "wait", py_wait, METH_VARARGS,
	  "wait(id, timeout_ms) -> (status, payload, ran_on): virgo_wait(2)" },
	{ "lock", py_lock, METH_VARARGS, "lock(name, timeout_ms, try) -> (fd, token): virgo_lock(2)" },
	{ "unlock", py_unlock, METH_VARARGS, "unlock(fd): virgo_unlock(2), then close(fd)" },
	{ "analytics_get", py_analytics_get, METH_VARARGS, "analytics_get(key) -> value" },
	{ "analytics_set", py_analytics_set, METH_VARARGS, "analytics_set(key, value)" },
	{ "analytics_delete", py_analytics_delete, METH_VARARGS, "analytics_delete(key)" },
	{ "analytics_list", py_analytics_list, METH_NOARGS,
	  "analytics_list() -> [(key, value)], sorted" },
	{ NULL, NULL, 0, NULL },
};

static struct PyModuleDef virgo_module = {
	PyModuleDef_HEAD_INIT,
	.m_name = "virgo._virgo",
	.m_doc = "The VIRGO system calls, thinly: see the package virgo.",
	.m_size = -1,
	.m_methods = virgo_methods,
};

PyMODINIT_FUNC PyInit__virgo(void)
{
	PyObject *m = PyModule_Create(&virgo_module);

	if (m && (PyModule_AddIntConstant(m, "IO_MAX", VIRGO_IO_MAX) ||
		  PyModule_AddIntConstant(m, "CLONE_TIMEOUT_MS", VIRGO_CLONE_TIMEOUT_MS) ||
		  PyModule_AddIntConstant(m, "LOCK_TIMEOUT_MAX_MS", VIRGO_LOCK_TIMEOUT_MAX_MS) ||
		  PyModule_AddIntConstant(m, "NODES_MAX", VIRGO_NODES_MAX))) {
		Py_DECREF(m);
		return NULL;
	}
	return m;
}
