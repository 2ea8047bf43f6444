/*
 * umonitor_trace.c - automatic function tracing through GCC's -finstrument-functions hooks; see
 * "Automatic function tracing" in umonitor_log.h. Compile this file WITHOUT -finstrument-functions
 * (the Makefile does); the program being traced with it.
 */
#if !defined(_POSIX_C_SOURCE)
#define _POSIX_C_SOURCE 200809L
#endif

#include "umonitor_log.h"

#include <stdlib.h>
#include <time.h>

#if !defined(__GNUC__) && !defined(__clang__)
#error "umonitor_trace.c needs GCC or clang: -finstrument-functions and __thread are theirs"
#endif

#define NO_INSTR __attribute__((no_instrument_function))
#define MAX_EXCLUDED 64

void __cyg_profile_func_enter(void *this_fn, void *call_site) NO_INSTR;
void __cyg_profile_func_exit(void *this_fn, void *call_site) NO_INSTR;

/* Defined by the GNU and LLVM linkers at the image's first byte; it moves with a PIE's load address,
 * so addresses relative to it are link-time addresses minus its link-time value. Weak: images
 * linked by scripts that do not define it get absolute addresses (base 0). */
extern const char __executable_start[] __attribute__((weak));

static volatile int enabled = 1;
static volatile unsigned rate = 20000;
static volatile unsigned max_depth;
static volatile uintptr_t excluded[MAX_EXCLUDED];
static volatile int excluded_count;
static volatile int started;          /* 0 -> 1 once the environment was read */
static uint64_t skipped_total;

/* Per thread: call depth, the depth of a call being skipped (+1; 0 = none), the rate window. */
static __thread int in_hook;
static __thread unsigned depth;
static __thread unsigned skipping_root;
static __thread uint64_t window_start_ms;
static __thread unsigned window_count;
static __thread uint64_t thread_number;  /* 1, 2, ... in the order threads first make a traced call */
static uint64_t threads_seen;

NO_INSTR int umon_trace_exclude_address(uintptr_t function_address)
{
    int slot = __sync_fetch_and_add(&excluded_count, 1);
    if (slot >= MAX_EXCLUDED) {
        __sync_fetch_and_sub(&excluded_count, 1);
        return UMON_E_FULL;
    }
    excluded[slot] = function_address;
    return UMON_OK;
}

NO_INSTR void umon_trace_set_rate(unsigned records_per_second)
{
    rate = records_per_second;
}

NO_INSTR void umon_trace_set_max_depth(unsigned d)
{
    max_depth = d;
}

NO_INSTR void umon_trace_enable(int on)
{
    enabled = on;
}

NO_INSTR uint64_t umon_trace_skipped(void)
{
    return __sync_fetch_and_add(&skipped_total, 0);
}

static NO_INSTR void start_once(void)
{
    const char *v;
    if (started || !__sync_bool_compare_and_swap(&started, 0, 1))
        return;
    v = getenv("UMONITOR_TRACE_RATE");
    if (v != NULL && *v != '\0')
        rate = (unsigned)strtoul(v, NULL, 10);
    v = getenv("UMONITOR_TRACE_MAX_DEPTH");
    if (v != NULL && *v != '\0')
        max_depth = (unsigned)strtoul(v, NULL, 10);
    /* Zero-touch: a program that never called umon_init still reports when umonitor launched it. */
    if (umon_default_client() == NULL)
        umon_init_from_env();
}

static NO_INSTR int traced(void *fn, unsigned d)
{
    int i, n = excluded_count;
    if (!enabled || (max_depth != 0 && d >= max_depth))
        return 0;
    for (i = 0; i < n && i < MAX_EXCLUDED; i++)
        if (excluded[i] == (uintptr_t)fn)
            return 0;
    return 1;
}

static NO_INSTR int within_rate(void)
{
    struct timespec ts;
    uint64_t now;
    unsigned limit = rate;
    if (limit == 0)
        return 1;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    now = (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
    if (now - window_start_ms >= 1000) {
        window_start_ms = now;
        window_count = 0;
    }
    return window_count < limit;
}

static NO_INSTR void emit(const char *event, void *fn, void *call_site, unsigned d)
{
    umon_client *c = umon_default_client();
    uintptr_t base = (uintptr_t)__executable_start;
    umon_attr attrs[5];
    if (c == NULL)
        return;
    if (thread_number == 0)
        thread_number = __sync_add_and_fetch(&threads_seen, 1);
    attrs[0] = UMON_A_STR("trace.event", event);
    attrs[1] = UMON_A_U64("trace.fn", (uintptr_t)fn - base);
    attrs[2] = UMON_A_U64("trace.caller", (uintptr_t)call_site - base);
    attrs[3] = UMON_A_I64("trace.depth", d);
    attrs[4] = UMON_A_U64("trace.thread", thread_number);
    window_count++;
    umon_client_log_record(c, UMON_TRACE, UMON_S("trace"), UMON_S(event), attrs, 5);
}

void __cyg_profile_func_enter(void *this_fn, void *call_site)
{
    unsigned d;
    if (in_hook)
        return;  /* the client itself, if someone compiled it instrumented */
    in_hook = 1;
    start_once();
    d = depth++;
    if (skipping_root == 0 && traced(this_fn, d)) {
        if (within_rate()) {
            emit("enter", this_fn, call_site, d);
        } else {
            skipping_root = d + 1;  /* skip this whole call, its exit and everything inside */
            __sync_fetch_and_add(&skipped_total, 1);
        }
    } else if (skipping_root != 0) {
        __sync_fetch_and_add(&skipped_total, 1);
    }
    in_hook = 0;
}

void __cyg_profile_func_exit(void *this_fn, void *call_site)
{
    unsigned d;
    if (in_hook)
        return;
    in_hook = 1;
    d = depth > 0 ? --depth : 0;
    if (skipping_root != 0) {
        if (d + 1 == skipping_root)
            skipping_root = 0;
        __sync_fetch_and_add(&skipped_total, 1);
    } else if (traced(this_fn, d)) {
        emit("exit", this_fn, call_site, d);
    }
    in_hook = 0;
}
