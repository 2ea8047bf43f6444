/* A program with a known call graph for the tracing test (TraceCallTreeIT): compiled with
 * -finstrument-functions, it never calls the logging API except to exclude one function, and
 * reports through the environment like any guest umonitor launches.
 *
 *   thread 1: main
 *               handle_request      twice, each:
 *                 parse
 *                   leaf
 *                 noisy             excluded at run time: must not appear
 *   thread 2: worker              started and joined between the two requests
 *               parse
 *                 leaf
 */
#include <pthread.h>
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

static void *worker(void *arg)
{
    *(int *)arg = parse(*(int *)arg);
    return NULL;
}

int main(void)
{
    int total, from_worker = 3;
    pthread_t t;
    umon_trace_exclude_address((uintptr_t)noisy);
    total = handle_request(1);
    if (pthread_create(&t, NULL, worker, &from_worker) != 0 || pthread_join(t, NULL) != 0)
        return 2;
    total += handle_request(2);
    printf("total %d, worker %d\n", total, from_worker);
    return total == 14 && from_worker == 7 ? 0 : 1;
}
