# SPDX-License-Identifier: GPL-2.0
"""The virgo module on a cluster node (pytest; testing/scenarios/python.sh
runs it on node 1 of three). Every function, its errors and buffers."""

import errno
import io
import os
import shutil
import threading
import time

import pytest

import virgo


def test_clone_returns_bytes():
    out = virgo.clone("node_info", node=2)
    assert isinstance(out, bytes) and b"node=2" in out


def test_clone_errors():
    with pytest.raises(FileNotFoundError):
        virgo.clone("no_such_function", node=2)
    with pytest.raises(ValueError):
        virgo.clone("node_info", node=0)


def test_memory_round_trip_with_any_buffer():
    v = virgo.malloc(64)
    try:
        assert virgo.set(v, b"hello") == 5
        assert virgo.set(v, bytearray(b"HE")) == 2
        assert virgo.set(v, memoryview(b"xxLLO")[2:], off=2) == 3
        assert virgo.get(v, 5) == b"HELLO"
        assert virgo.get(v, 2, off=3) == b"LO"
    finally:
        virgo.free(v)
    with pytest.raises(OSError) as e:
        virgo.get(v, 5)
    assert e.value.errno in (errno.ENOENT, errno.EINVAL)


def test_memory_errors():
    with pytest.raises(OSError) as e:
        virgo.malloc(0)
    assert e.value.errno == errno.EINVAL
    v = virgo.malloc(16)
    try:
        with pytest.raises(OSError):
            virgo.get(v, 17)
        with pytest.raises(TypeError):
            virgo.set(v, "not bytes")
        # Never truncated to 64 bits: 2**64 + 16 is not 16.
        for bad in (lambda: virgo.malloc(2**64 + 16), lambda: virgo.get(v, 1, off=2**64),
                    lambda: virgo.free(v + 2**64), lambda: virgo.set(v, b"x", off=-1)):
            with pytest.raises(OverflowError):
                bad()
        assert virgo.get(v, 2) == bytes(2)
    finally:
        virgo.free(v)


def test_files_are_file_objects():
    # Over IO_MAX (1 MiB): written in more than one call.
    data = bytes(range(256)) * 5000
    with virgo.open("py-test.bin", "w", node=3) as f:
        assert f.write(data) == len(data)
        assert f.tell() == len(data)
    with virgo.open("py-test.bin", "r", node=3) as f:
        assert os.pread(f.fileno(), 4, 2) == data[2:6]  # a file of this process
        assert f.read(10) == data[:10]
        assert f.tell() == 10
        f.seek(0)
        out = io.BytesIO()
        shutil.copyfileobj(io.BufferedReader(f), out)
        assert out.getvalue() == data
    with virgo.open("py-lines.txt", "w", node=3) as f:
        f.write(b"one\ntwo\n")
    with virgo.open("py-lines.txt", node=3) as f:
        assert list(f) == [b"one\n", b"two\n"]
    with virgo.open("py-lines.txt", "a", node=3) as f:
        assert f.write(b"three") == 5
        assert f.write(b"\n") == 1
    with virgo.open("py-lines.txt", node=3) as f:
        assert f.readline() == b"one\n"
        assert f.tell() == 4
        assert f.read() == b"two\nthree\n"
    f.close()
    with pytest.raises(ValueError):
        f.read()
    with pytest.raises(FileNotFoundError):
        virgo.open("no/such/file", node=3)
    with pytest.raises(ValueError):
        virgo.open("x", "rw")


def test_queue():
    msg = virgo.queue.publish("echo", b"ping", node=2)
    assert virgo.queue.wait(msg, 10000) == b"ping"
    with pytest.raises(ValueError):
        virgo.queue.wait("not an id")


def test_lock_exposes_its_token():
    with virgo.lock("py-test") as held:
        first = held.token
        assert first > 0
        other = virgo.lock("py-test")
        try:
            with pytest.raises(BlockingIOError):
                other.acquire(blocking=False)
        finally:
            other.release()
        with pytest.raises(TimeoutError):
            virgo.lock("py-test", timeout=0.5).acquire()
        with pytest.raises(RuntimeError):
            held.acquire()
    with virgo.lock("py-test") as held:
        assert held.token > first
    with pytest.raises(ValueError):
        virgo.lock("py-test", timeout=601)


def test_lock_waits_without_a_timeout():
    """timeout=None waits for the holder, however long: the lock is held
    here, a thread waits on it, and gets it once it is released."""
    got = {}

    def waiter():
        with virgo.lock("py-wait") as held:
            got["token"] = held.token

    with virgo.lock("py-wait") as mine:
        t = threading.Thread(target=waiter)
        t.start()
        time.sleep(1.5)
        assert "token" not in got
    t.join(60)
    assert got.get("token", 0) > mine.token


def test_a_dropped_lock_is_released():
    held = virgo.lock("py-drop").acquire()
    token = held.token
    del held
    with virgo.lock("py-drop", timeout=5) as again:
        assert again.token > token


def test_analytics_mapping():
    virgo.analytics["py.test"] = 5
    assert virgo.analytics["py.test"] == "5"
    assert "py.test" in virgo.analytics
    assert dict(virgo.analytics.items())["py.test"] == "5"
    del virgo.analytics["py.test"]
    with pytest.raises(KeyError):
        virgo.analytics["py.test"]
    with pytest.raises(OSError):
        virgo.analytics["bad key"] = 1
    virgo.asfer_virgo_set_kernel_analytics("py.asfer:1")
    assert virgo.analytics.pop("py.asfer") == "1"


def test_status():
    nodes = virgo.status()
    assert [n["id"] for n in nodes] == [1, 2, 3]
    assert sum(n["self"] for n in nodes) == 1
    assert all(n["state"] in ("up", "suspect", "down", "unknown") for n in nodes)


def test_lock_excludes_another_node():
    """Node 1 (here) and node 2 (py-locked-incr, through virgo.clone) each
    add 1 to a counter in cluster memory 20 times, read-modify-write under
    the lock "py-counter", at the same time (node 2 says when it starts):
    in the order of the fencing tokens each hold read the count the one
    before it wrote, and the two nodes' holds interleave."""
    rounds = 20
    v = virgo.malloc(16)  # the counter, then node 2's "started" flag
    virgo.set(v, bytes(16))
    remote = {}

    def node2():
        try:
            remote["out"] = virgo.clone("py-locked-incr", b"%d\0%d\0" % (v, rounds),
                                        node=2, exec=True, timeout_ms=300000)
        except ChildProcessError as e:
            remote["error"] = (e, e.result)
        except OSError as e:
            remote["error"] = e

    t = threading.Thread(target=node2)
    t.start()
    try:
        while virgo.get(v, 1, off=8) != b"\1" and t.is_alive():
            time.sleep(0.01)
        assert t.is_alive() or "out" in remote, remote.get("error")
        mine = []
        for _ in range(rounds):
            with virgo.lock("py-counter", timeout=120) as held:
                n = int.from_bytes(virgo.get(v, 8), "little")
                time.sleep(0.02)
                virgo.set(v, (n + 1).to_bytes(8, "little"))
                mine.append((held.token, n))
        t.join()
        assert "error" not in remote, remote.get("error")
        theirs = [tuple(int(x) for x in line.split()[1:3])
                  for line in remote["out"].decode().splitlines() if line.startswith("hold ")]
        assert len(theirs) == rounds
        # In the order of the tokens, the holds read 0, 1, ... 39: each saw
        # the one before it, and the fencing tokens grew with the counter.
        holds = sorted(mine + theirs)
        assert [n for _, n in holds] == list(range(2 * rounds))
        assert int.from_bytes(virgo.get(v, 8), "little") == 2 * rounds
        # The two nodes' holds interleaved: they contended.
        assert min(theirs) < max(mine) and min(mine) < max(theirs)
    finally:
        t.join()
        virgo.free(v)
