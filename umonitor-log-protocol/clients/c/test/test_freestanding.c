/* The client built with -DUMON_FREESTANDING (no C library: its own formatter and a static arena),
 * checked on Linux: every message format gives what glibc's snprintf gives, and the arena's limit
 * is reported rather than overrun. */
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "check.h"
#include "decode.h"
#include "umonitor_log.h"

static char line[8192];
static size_t line_len;

static void capture(const char *buf, size_t len)
{
    if (len < sizeof line) {
        memcpy(line, buf, len);
        line_len = len;
    }
}

static umon_client *client;
static test_frame frame;

#define SAME_AS_LIBC(...)                                                                        \
    do {                                                                                         \
        char expected[512];                                                                      \
        snprintf(expected, sizeof expected, __VA_ARGS__);                                        \
        umon_client_log(client, UMON_INFO, NULL, NULL, 0, __VA_ARGS__);                          \
        CHECK(parse_console_line(line, line_len, &frame));                                       \
        if (strcmp(frame.message, expected) != 0)                                                \
            fprintf(stderr, "format %s: got \"%s\", libc \"%s\"\n", #__VA_ARGS__, frame.message, \
                    expected);                                                                   \
        CHECK(strcmp(frame.message, expected) == 0);                                             \
    } while (0)

int main(void)
{
    umon_config cfg;
    char msg[256];
    int local = 7;
    memset(&cfg, 0, sizeof cfg);
    cfg.transport = UMON_TRANSPORT_CONSOLE;
    cfg.name = "freestanding";
    cfg.console_write = capture;
    client = umon_client_open(&cfg, msg, sizeof msg);
    CHECK(client != NULL);

    SAME_AS_LIBC("plain text");
    SAME_AS_LIBC("%d %i %d", -42, 0, INT_MIN);
    SAME_AS_LIBC("[%5d|%-5d|%05d|%+d|% d]", 42, 42, -42, 7, 7);
    SAME_AS_LIBC("%u %x %X %o %#x %#o", 4000000000u, 0xbeefu, 0xbeefu, 8u, 255u, 8u);
    SAME_AS_LIBC("%ld %lu %lld %llu", LONG_MIN, ULONG_MAX, LLONG_MIN, ULLONG_MAX);
    SAME_AS_LIBC("%zu %hhd %hu", (size_t)123456, 300, 70000);
    SAME_AS_LIBC("[%s|%.3s|%10s|%-10s|%*s|%.*s]", "abc", "abcdef", "right", "left", 6, "w", 2, "prec");
    SAME_AS_LIBC("%c%c %% %.0d|%.3d", 'o', 'k', 0, 5);
    SAME_AS_LIBC("%p", (void *)&local);
    SAME_AS_LIBC("%f %.2f %.0f %8.3f %f", 2.5, 3.14159, 2.5001, -1.0625, 0.0);
    SAME_AS_LIBC("utf-8 gr\xc3\xbc\xc3\x9f" "e %s", "\xe6\x97\xa5\xe6\x9c\xac");

    /* the arena holds one client; a second is refused with a reason, not overrun */
    CHECK(umon_client_open(&cfg, msg, sizeof msg) == NULL);
    CHECK(strstr(msg, "out of memory") != NULL);
    return check_report("test_freestanding");
}
