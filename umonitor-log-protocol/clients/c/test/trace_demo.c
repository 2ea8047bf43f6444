/* A program with a known call graph for the tracing test (TraceCallTreeIT): compiled with
 * -finstrument-functions, it never calls the logging API except to exclude one function, and
 * reports through the environment like any guest umonitor launches.
 *
 *   main
 *     handle_request      twice, each:
 *       parse
 *         leaf
 *       noisy             excluded at run time: must not appear
 */
#include <stdint.h>
#include <stdio.h>

#include "umonitor_log.h"

static int leaf(int x)
{
    return x * 2;
}

static int parse(int x)
{
    return leaf(x) + 1;
}

static int noisy(int x)
{
    return x - 1;
}

static int handle_request(int id)
{
    int v = parse(id);
    return v + noisy(v);
}

int main(void)
{
    int total;
    umon_trace_exclude_address((uintptr_t)noisy);
    total = handle_request(1) + handle_request(2);
    printf("total %d\n", total);
    return total == 14 ? 0 : 1;
}
