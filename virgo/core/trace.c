// SPDX-License-Identifier: GPL-2.0
/*
 * VIRGO core - the tracepoints of include/trace/events/virgo.h
 */

#define CREATE_TRACE_POINTS
#include <trace/events/virgo.h>
