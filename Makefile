# SPDX-License-Identifier: GPL-2.0
#
# VIRGO - the user's entry point.
#
# VIRGO's own targets are listed by `make help`. Every other target is a
# kernel target: the repository is laid over the Linux 6.12 base in
# $(BUILD)/src and the target runs there with O=$(BUILD)/obj, so
# `make menuconfig`, `make bzImage`, `make bindeb-pkg`, ... work from here.

BUILD     ?= $(CURDIR)/build
SRC       := $(BUILD)/src
OBJ       ?= $(BUILD)/obj
HARNESS   := $(BUILD)/harness
HARNESS_DEBUG := $(BUILD)/harness-debug
NODES     ?= 3

# ccache keeps rebuilds of an unchanged kernel cheap, even after the base is
# unpacked again; paths are made relative so that clones share the cache.
# The compiler is a wrapper that uses ccache only when it is installed: the
# command Kbuild records stays the same before and after `make deps`
# installs ccache, so a first build is never redone for it.
ifeq ($(origin CC),default)
KCC := CC=$(CURDIR)/scripts/virgo/cc
export CCACHE_BASEDIR := $(BUILD)
endif

JOBS      ?= $(shell nproc)
KMAKE      = $(MAKE) -C $(SRC) $(KCC)
KCONFIGS  := kernel/configs/virgo.config kernel/configs/virgo_qemu.config

VIRGO_GOALS := help check check-debug bench cluster deps tree harness-kernel \
	       harness-debug-kernel harness-initramfs distclean-virgo
KERNEL_GOALS := $(filter-out $(VIRGO_GOALS),$(MAKECMDGOALS))

.DEFAULT_GOAL := all
.PHONY: $(VIRGO_GOALS) all kernel-forward FORCE

# ---------------------------------------------------------------- help
help:
	@echo 'VIRGO targets:'
	@echo '  check             - install what is missing, build the node kernels (plain'
	@echo '                      and debug) and userspace, boot QEMU clusters, run'
	@echo '                      every test, the kernel tests on both kernels'
	@echo '  cluster           - boot a NODES-node cluster (default $(NODES)) with node 1'"'"'s'
	@echo '                      shell on this terminal; leaving the shell stops it'
	@echo '  deps              - install the Debian packages VIRGO builds and tests with'
	@echo '  tree              - lay the repository over the 6.12 base in $(SRC)'
	@echo '  harness-kernel    - build the QEMU node kernel in $(HARNESS)'
	@echo '  harness-initramfs - build the node initramfs (busybox + VIRGO tools)'
	@echo '  check-debug       - only the kernel tests on the KASAN/UBSAN/lockdep/kmemleak'
	@echo '                      node kernel (build/harness-debug); any report fails'
	@echo '  bench             - the benchmarks on the same QEMU nodes: virgo_clone'
	@echo '                      against raw TCP and ssh, the mempool against'
	@echo '                      memcached, virgo_get against raw TCP and'
	@echo '                      cloudfs throughput against raw TCP;'
	@echo '                      reports in $(BUILD)/bench'
	@echo '  distclean-virgo   - remove $(BUILD) (the assembled tree and all objects)'
	@echo ''
	@echo 'Any other target is a kernel target, run in $(SRC) with O=$(OBJ):'
	@echo '  make menuconfig && make bzImage, make olddefconfig virgo.config,'
	@echo '  make bindeb-pkg, make kselftest TARGETS=virgo, make htmldocs, ...'
	@echo ''
	@if [ -f $(SRC)/Makefile ]; then $(MAKE) -s -C $(SRC) O=$(OBJ) help; fi

# ---------------------------------------------------------------- tree
deps:
	@scripts/virgo/install-deps

tree:
	@scripts/virgo/assemble-tree $(CURDIR) $(SRC)

# ---------------------------------------------------------------- kernel
# Kernel goals are forwarded together, in one make, in the order given.
ifneq ($(KERNEL_GOALS),)
$(KERNEL_GOALS): kernel-forward
	@:
endif

kernel-forward: tree
	@mkdir -p $(OBJ)
	+$(KMAKE) O=$(OBJ) $(KERNEL_GOALS)

all: tree
	@mkdir -p $(OBJ)
	+$(KMAKE) O=$(OBJ)

# ---------------------------------------------------------------- harness
$(HARNESS)/.config: $(KCONFIGS) | tree
	@mkdir -p $(HARNESS)
	+$(KMAKE) O=$(HARNESS) -s allnoconfig virgo.config virgo_qemu.config

harness-kernel: tree $(HARNESS)/.config
	+$(KMAKE) O=$(HARNESS) -j$(JOBS) bzImage headers

$(HARNESS_DEBUG)/.config: $(KCONFIGS) kernel/configs/virgo_debug.config | tree
	@mkdir -p $(HARNESS_DEBUG)
	+$(KMAKE) O=$(HARNESS_DEBUG) -s allnoconfig virgo.config virgo_qemu.config \
		virgo_debug.config

harness-debug-kernel: tree $(HARNESS_DEBUG)/.config
	@scripts/virgo/check-config $(HARNESS_DEBUG)/.config CONFIG_KASAN CONFIG_UBSAN \
		CONFIG_PROVE_LOCKING CONFIG_KFENCE CONFIG_DEBUG_KMEMLEAK \
		!CONFIG_DEBUG_KMEMLEAK_DEFAULT_OFF
	+$(KMAKE) O=$(HARNESS_DEBUG) -j$(JOBS) bzImage

harness-initramfs: harness-kernel
	@testing/build-initramfs $(SRC) $(HARNESS) --python

check: deps harness-initramfs harness-debug-kernel
	@VIRGO_DEBUG_KERNEL=$(HARNESS_DEBUG)/arch/x86/boot/bzImage testing/run-all

check-debug: deps harness-initramfs harness-debug-kernel
	@VIRGO_DEBUG_KERNEL=$(HARNESS_DEBUG)/arch/x86/boot/bzImage testing/run-all debug-

# Numbers to read, not limits to assert: not part of check.
bench: deps harness-initramfs
	@testing/bench/run

cluster: harness-initramfs
	@testing/virgo-cluster shell -n $(NODES)

distclean-virgo:
	rm -rf $(BUILD)
