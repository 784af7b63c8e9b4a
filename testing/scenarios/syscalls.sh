#!/bin/sh
# The system call ABI kselftest on a VIRGO node.
exec /usr/libexec/virgo/tests/virgo_syscalls_test
