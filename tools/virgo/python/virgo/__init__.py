# SPDX-License-Identifier: GPL-2.0
"""VIRGO from Python: the cluster's system calls and its kernel analytics.

    import virgo
    virgo.clone("node_info")                  # b"node=2 ..." from some node
    v = virgo.malloc(64); virgo.set(v, b"hello"); virgo.get(v, 5); virgo.free(v)
    with virgo.open("notes.txt", "w", node=2) as f:
        f.write(b"remote bytes")
    with virgo.lock("deploy") as held:
        print(held.token)
    virgo.analytics["balancer.weight.3"] = "8"
    virgo.status()                            # the node table, a dict a node

Every failure is an OSError subclass carrying errno, as Python's own
calls raise them: FileNotFoundError, PermissionError, TimeoutError...
Every call releases the GIL while the kernel works.
"""

import collections.abc
import errno
import io
import operator
import os

from . import _virgo

__all__ = [
    "clone", "malloc", "set", "get", "free", "open", "VirgoFile",
    "queue", "lock", "Lock", "analytics", "status",
    "asfer_virgo_set_kernel_analytics",
]

CONFIGFS = "/sys/kernel/config/virgo"


def clone(func, arg=b"", node=None, exec=False, timeout_ms=None):
    """Run the kernel function func (or with exec=True the program func
    from the node's allow-listed directory, arg holding its arguments each
    ended by a NUL) on node, or where the balancer picks; return the
    result's bytes. A function that returned non-zero (a program that
    exited non-zero) raises ChildProcessError with the status."""
    if isinstance(arg, str):
        arg = arg.encode()
    status, result, ran_on = _virgo.clone(func, arg, node, bool(exec), timeout_ms or 0)
    if status != 0:
        err = ChildProcessError(errno.ECHILD,
                                "%s returned %d on node %d" % (func, status, ran_on))
        err.status, err.result, err.node = status, result, ran_on
        raise err
    return result


def malloc(size):
    """Allocate size bytes of cluster memory; return its VUID (an int)."""
    return _virgo.malloc(size)


def set(vuid, data, off=0):  # noqa: A001 - the system call's name
    """Store data (bytes, bytearray, memoryview: any buffer) at off."""
    return _virgo.set(vuid, data, off)


def get(vuid, length, off=0):
    """Return length bytes from off."""
    return _virgo.get(vuid, length, off)


def free(vuid):
    """Release the allocation on every node that holds part of it."""
    _virgo.free(vuid)


_MODES = {
    "r": os.O_RDONLY, "w": os.O_WRONLY | os.O_CREAT | os.O_TRUNC,
    "a": os.O_WRONLY | os.O_CREAT | os.O_APPEND, "x": os.O_WRONLY | os.O_CREAT | os.O_EXCL,
    "r+": os.O_RDWR, "w+": os.O_RDWR | os.O_CREAT | os.O_TRUNC,
    "a+": os.O_RDWR | os.O_CREAT | os.O_APPEND, "x+": os.O_RDWR | os.O_CREAT | os.O_EXCL,
}


class VirgoFile(io.RawIOBase):
    """A file on a node's disk (cloudfs), as a raw binary file: read,
    write, seek, tell, readinto, iteration by lines, a context manager;
    io.BufferedReader and shutil.copyfileobj take it."""

    def __init__(self, path, mode="r", node=None, perm=0o644):
        super().__init__()
        self._fd = None
        flags = _MODES.get(mode.replace("b", ""))
        if flags is None:
            raise ValueError("mode must be one of %s (b allowed)" % ", ".join(_MODES))
        self.name = path
        self.mode = mode
        self._flags = flags
        self._fd = _virgo.open(path, flags, perm, node)
        self._pos = 0

    def readable(self):
        self._check()
        return (self._flags & os.O_ACCMODE) != os.O_WRONLY

    def writable(self):
        self._check()
        return (self._flags & os.O_ACCMODE) != os.O_RDONLY

    def seekable(self):
        self._check()
        return True

    def fileno(self):
        """The file descriptor: os.read, select and the like take it."""
        self._check()
        return self._fd

    def _check(self):
        if self.closed:
            raise ValueError("I/O operation on closed file")

    def readinto(self, b):
        view = memoryview(b).cast("B")
        data = self.read(len(view))
        view[:len(data)] = data
        return len(data)

    def read(self, size=-1):
        if not self.readable():
            raise io.UnsupportedOperation("not readable")
        if size is None or size < 0:
            return self.readall()
        if size == 0:
            return b""
        data = _virgo.read(self._fd, min(size, _virgo.IO_MAX), self._pos)
        self._pos += len(data)
        return data

    def readline(self, size=-1):
        """One line, its b"\\n" included: read in blocks from the
        position, which then moves just past the line."""
        if not self.readable():
            raise io.UnsupportedOperation("not readable")
        line = b""
        while size is None or size < 0 or len(line) < size:
            want = 4096 if size is None or size < 0 else min(4096, size - len(line))
            data = _virgo.read(self._fd, want, self._pos + len(line))
            if not data:
                break
            end = data.find(b"\n")
            if end >= 0:
                line += data[:end + 1]
                break
            line += data
        self._pos += len(line)
        return line

    def readall(self):
        chunks = []
        while True:
            data = self.read(_virgo.IO_MAX)
            if not data:
                return b"".join(chunks)
            chunks.append(data)

    def write(self, b):
        """Write b whole, in calls of at most IO_MAX bytes; return the
        bytes written. In append mode every write goes to the file's end
        (the position is not moved). A call that writes less stops here:
        its error comes with the next write."""
        if not self.writable():
            raise io.UnsupportedOperation("not writable")
        append = bool(self._flags & os.O_APPEND)
        view = memoryview(b).cast("B")
        done = 0
        while done < len(view):
            chunk = view[done:done + _virgo.IO_MAX]
            try:
                n = _virgo.write(self._fd, chunk, 0 if append else self._pos)
            except OSError:
                if done:
                    return done
                raise
            done += n
            if not append:
                self._pos += n
            if n < len(chunk):
                break
        return done

    def seek(self, offset, whence=io.SEEK_SET):
        self._check()
        offset = operator.index(offset)
        if whence == io.SEEK_SET:
            pos = offset
        elif whence == io.SEEK_CUR:
            pos = self._pos + offset
        else:
            raise io.UnsupportedOperation("cloudfs has no file size to seek from")
        if pos < 0:
            raise OSError(errno.EINVAL, "negative seek position")
        self._pos = pos
        return pos

    def tell(self):
        self._check()
        return self._pos

    def close(self):
        if not self.closed:
            fd, self._fd = self._fd, None
            try:
                if fd is not None:
                    _virgo.close(fd)
            finally:
                super().close()


def open(path, mode="r", node=None):  # noqa: A001 - virgo_open's name
    """Open path in the export of node (or the balancer's pick): a raw
    binary file object (VirgoFile). Modes as Python's: r w a x, with +."""
    return VirgoFile(path, mode, node)


class _Queue:
    """The queue and KingCobra: virgo.queue.publish() and .wait()."""

    @staticmethod
    def publish(service, payload=b"", node=None):
        """Publish a request for the KingCobra service on node (or the
        balancer's pick); return its message id once that node has it on
        disk."""
        if isinstance(payload, str):
            payload = payload.encode()
        msg_id, _lamport, _node = _virgo.publish(service, payload, node)
        return msg_id

    @staticmethod
    def wait(msg_id, timeout_ms=10000):
        """The REPLY's payload, once; raises ChildProcessError for a
        failed status, TimeoutError when none came in time."""
        status, payload, ran_on = _virgo.wait(msg_id, timeout_ms)
        if status != 0:
            err = ChildProcessError(errno.ECHILD, "%s: status %d on node %d"
                                    % (msg_id, status, ran_on))
            err.status, err.result, err.node = status, payload, ran_on
            raise err
        return payload


queue = _Queue()


class Lock:
    """A cluster lock held while the context lasts; .token is its fencing
    token. timeout: seconds to wait, at most 600; None waits as long as
    it takes. Leaving raises OSError (ESTALE) when the lease was lost on
    the way. A Lock that is dropped held releases its lock."""

    def __init__(self, name, timeout=None):
        if timeout is not None and not 0 <= timeout <= _virgo.LOCK_TIMEOUT_MAX_MS / 1000:
            raise ValueError("timeout must be 0 to %d seconds, or None"
                             % (_virgo.LOCK_TIMEOUT_MAX_MS // 1000))
        self.name = name
        self.timeout = timeout
        self.token = None
        self._fd = None

    def acquire(self, blocking=True):
        """Take the lock (blocking=False: only if it is free at once, or
        BlockingIOError); TimeoutError once timeout has passed."""
        if self._fd is not None:
            raise RuntimeError("lock %r is already held by this object" % self.name)
        while True:
            timeout_ms = (_virgo.LOCK_TIMEOUT_MAX_MS if self.timeout is None
                          else int(self.timeout * 1000))
            try:
                self._fd, self.token = _virgo.lock(self.name, timeout_ms, not blocking)
                return self
            except TimeoutError:
                if self.timeout is not None or not blocking:
                    raise

    def release(self):
        fd, self._fd = self._fd, None
        if fd is not None:
            _virgo.unlock(fd)

    def __del__(self):
        fd, self._fd = getattr(self, "_fd", None), None
        if fd is not None:
            os.close(fd)

    def __enter__(self):
        return self.acquire()

    def __exit__(self, *exc):
        self.release()
        return False


def lock(name, timeout=None):
    """virgo.lock(name) as a context manager: `with virgo.lock("x") as l:`
    holds the lock, l.token its fencing token. timeout in seconds."""
    return Lock(name, timeout)


class _Analytics(collections.abc.MutableMapping):
    """The kernel's analytics keys as a mapping of str to str."""

    def __getitem__(self, key):
        return _virgo.analytics_get(key)

    def __setitem__(self, key, value):
        _virgo.analytics_set(key, str(value).encode("utf-8", "surrogateescape"))

    def __delitem__(self, key):
        _virgo.analytics_delete(key)

    def __iter__(self):
        return iter([k for k, _ in _virgo.analytics_list()])

    def __len__(self):
        return len(_virgo.analytics_list())

    def items(self):
        """The (key, value) pairs, sorted by key, read in one pass."""
        return _virgo.analytics_list()


analytics = _Analytics()


def asfer_virgo_set_kernel_analytics(pair):
    """The original AsFer call: "key:value" (or "key=value"), split at the
    first of the two."""
    cut = min((i for i in (pair.find(":"), pair.find("=")) if i >= 0), default=-1)
    key, found, value = pair[:cut], cut >= 0, pair[cut + 1:]
    if not found:
        raise ValueError("expected key:value")
    analytics[key.strip()] = value.strip()


def _read(rel):
    with io.open(os.path.join(CONFIGFS, rel)) as f:
        return f.read().strip()


def status():
    """The node table: a dict a node (id, address, state, runq, load1,
    free_kb, rtt_us, client, self)."""
    self_id = int(_read("node_id"))
    nodes = []
    for name in sorted(os.listdir(os.path.join(CONFIGFS, "nodes")), key=int):
        rel = "nodes/" + name + "/"
        runq, load1, free_kb = _read(rel + "load").split()
        nodes.append({
            "id": int(name), "address": _read(rel + "address"),
            "state": _read(rel + "state"), "runq": int(runq),
            "load1": float(load1), "free_kb": int(free_kb),
            "rtt_us": int(_read(rel + "rtt_us")),
            "client": _read(rel + "client") == "1", "self": int(name) == self_id,
        })
    return nodes
