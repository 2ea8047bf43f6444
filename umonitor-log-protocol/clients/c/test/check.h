/* A minimal test harness: CHECK records a failure and goes on, so one run reports every failure. */
#ifndef UMON_TEST_CHECK_H
#define UMON_TEST_CHECK_H

#include <stdio.h>
#include <string.h>

static int check_failures;
static int check_count;

#define CHECK(cond)                                                                       \
    do {                                                                                  \
        check_count++;                                                                    \
        if (!(cond)) {                                                                    \
            check_failures++;                                                             \
            fprintf(stderr, "%s:%d: CHECK failed: %s\n", __FILE__, __LINE__, #cond);      \
        }                                                                                 \
    } while (0)

#define CHECK_EQ_LONG(actual, expected)                                                   \
    do {                                                                                  \
        long check_a = (long)(actual), check_e = (long)(expected);                        \
        check_count++;                                                                    \
        if (check_a != check_e) {                                                         \
            check_failures++;                                                             \
            fprintf(stderr, "%s:%d: %s is %ld, expected %ld\n", __FILE__, __LINE__,       \
                    #actual, check_a, check_e);                                           \
        }                                                                                 \
    } while (0)

static int check_report(const char *suite)
{
    printf("%s: %d checks, %d failed\n", suite, check_count, check_failures);
    return check_failures == 0 ? 0 : 1;
}

#endif
