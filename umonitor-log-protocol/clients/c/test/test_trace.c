/* Tracing hooks: compiled with -finstrument-functions. Every enter has its exit at the same depth,
 * exclusions and the depth limit hold, and over the rate limit whole calls are skipped so the
 * records still nest. The test's own scaffolding is marked no_instrument_function. */
#include <stdint.h>
#include <string.h>

#include "check.h"
#include "decode.h"
#include "umonitor_log.h"

#define NO_INSTR __attribute__((no_instrument_function))

static char captured[1 << 22];
static size_t captured_len;
static test_frame frame;

NO_INSTR static void capture(const char *buf, size_t len)
{
    if (captured_len + len <= sizeof captured) {
        memcpy(captured + captured_len, buf, len);
        captured_len += len;
    }
}

static int leaf(int x) { return x + 1; }
static int excluded_fn(int x) { return leaf(x); }
static int middle(int x) { return leaf(x) + excluded_fn(x); }
static int recurse(int n) { return n == 0 ? 0 : 1 + recurse(n - 1); }

typedef struct {
    int records, enters, exits, max_depth, balanced, saw_excluded;
} trace_summary;

NO_INSTR static trace_summary summarize(uintptr_t excluded_rel)
{
    trace_summary s;
    unsigned stack[1024];
    int top = 0;
    size_t pos = 0;
    memset(&s, 0, sizeof s);
    s.balanced = 1;
    while (pos < captured_len) {
        const char *nl = memchr(captured + pos, '\n', captured_len - pos);
        size_t len = (size_t)(nl - (captured + pos)) + 1;
        if (parse_console_line(captured + pos, len, &frame) && frame.type == UMON_FRAME_RECORD &&
            frame.attr_count == 5 && frame.attrs[4].number == 1 && strcmp(frame.attrs[0].key, "trace.event") == 0) {
            unsigned d = (unsigned)frame.attrs[3].number;
            s.records++;
            if ((int)d > s.max_depth)
                s.max_depth = (int)d;
            if (frame.attrs[1].number == excluded_rel)
                s.saw_excluded = 1;
            if (strcmp(frame.attrs[0].text, "enter") == 0) {
                s.enters++;
                stack[top++] = (unsigned)frame.attrs[1].number;
            } else {
                s.exits++;
                if (top == 0 || stack[top - 1] != (unsigned)frame.attrs[1].number)
                    s.balanced = 0;
                else
                    top--;
            }
        }
        pos += len;
    }
    if (top != 0)
        s.balanced = 0;
    return s;
}

NO_INSTR static void reset(void)
{
    umon_config cfg;
    memset(&cfg, 0, sizeof cfg);
    cfg.transport = UMON_TRANSPORT_CONSOLE;
    cfg.name = "trace-test";
    cfg.console_write = capture;
    cfg.buffer_size = 1 << 20;
    captured_len = 0;
    umon_init(&cfg);
}

NO_INSTR int main(void)
{
    extern const char __executable_start[] __attribute__((weak));
    uintptr_t excluded_rel = (uintptr_t)excluded_fn - (uintptr_t)__executable_start;
    trace_summary s;
    int i;

    reset();
    umon_trace_exclude_address((uintptr_t)excluded_fn);
    middle(1);
    umon_shutdown("exit");
    s = summarize(excluded_rel);
    CHECK_EQ_LONG(s.records, 6);  /* middle, leaf, leaf (inside the excluded call): enter + exit */
    CHECK(s.balanced && !s.saw_excluded && s.enters == s.exits);

    reset();
    umon_trace_set_max_depth(3);
    recurse(10);
    umon_shutdown("exit");
    s = summarize(excluded_rel);
    CHECK_EQ_LONG(s.records, 6);
    CHECK(s.balanced && s.max_depth == 2);
    umon_trace_set_max_depth(0);

    reset();
    umon_trace_set_rate(50);  /* the budget of this second is shared with the records above */
    for (i = 0; i < 1000; i++)
        middle(i);
    umon_shutdown("exit");
    s = summarize(excluded_rel);
    CHECK(s.balanced && s.enters == s.exits);
    if (s.records < 50 || s.records > 2 * 50 + 8)
        fprintf(stderr, "rate 50: %d records\n", s.records);
    CHECK(s.records >= 20 && s.records <= 2 * 50 + 8);
    CHECK(umon_trace_skipped() > 0);
    return check_report("test_trace");
}
