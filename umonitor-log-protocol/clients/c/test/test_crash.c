/* Crash safety of the process-wide client, with real crashes: each case forks a child that opens the
 * client from the environment (as a guest under umonitor does), logs, and dies by SIGSEGV, abort(),
 * SIGKILL or exit(), with or without a handler of its own, while other threads log, or inside the
 * client itself. The parent is the collector (a loopback TCP or UDP socket, or the console pipe) and
 * checks what arrived, and that the child died exactly as it would have without the client. */
#define _POSIX_C_SOURCE 200809L
#include <arpa/inet.h>
#include <errno.h>
#include <pthread.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "check.h"
#include "decode.h"
#include "loopback.h"
#include "umonitor_log.h"

#define RUNS 20

static test_frame frames[64];
static int report_fd = -1;  /* the child's channel to the parent, for what its own handler saw */

/* ---- the child side ----------------------------------------------------------------------- */

static void crash_by_null_store(void)
{
    volatile int *volatile nowhere = NULL;
    *nowhere = 1;
}

static void report(const char *text)
{
    if (write(report_fd, text, strlen(text)) < 0)
        _exit(98);
}

/* A program's own SIGSEGV handler of the usual kind: report, back to the default, let it repeat. */
static void callers_handler(int sig, siginfo_t *info, void *context)
{
    (void)context;
    report(info->si_code > 0 && info->si_addr == NULL ? "caller's handler: fault at NULL\n"
                                                       : "caller's handler: wrong siginfo\n");
    signal(sig, SIG_DFL);
}

/* A handler installed after umon_init() replaces the client's; it hands the records over itself. */
static void late_handler(int sig)
{
    report(umon_crash_flush() == UMON_OK ? "late handler: flushed\n" : "late handler: flush failed\n");
    signal(sig, SIG_DFL);
    raise(sig);
}

static void log_then(const char *how)
{
    send_log(UMON_INFO, "loading configuration");
    send_log(UMON_ERROR, "configuration has 3 invalid entries");
    /* WARN is below the sync level: only the crash handler can save these two. */
    send_log(UMON_WARN, "falling back to defaults");
    send_log(UMON_WARN, "configuration is corrupt, aborting");
    if (strcmp(how, "segv") == 0) {
        crash_by_null_store();
    } else if (strcmp(how, "abort") == 0) {
        abort();
    } else if (strcmp(how, "fpe") == 0) {
        volatile int zero = 0;
        report_fd = 100 / zero;  /* integer division by zero: SIGFPE on x86 */
    } else if (strcmp(how, "ill") == 0) {
        __builtin_trap();  /* ud2 on x86: SIGILL */
    } else if (strcmp(how, "kill") == 0) {
        raise(SIGKILL);
    } else if (strcmp(how, "exit") == 0) {
        exit(3);
    } else if (strcmp(how, "inside") == 0) {
        /* A bad pointer handed to the client: it crashes in the encoder, holding the client's lock. */
        umon_attr bad = UMON_A_STR("path", (const char *)16);
        send_log_attrs(UMON_INFO, &bad, 1, "opening");
    }
    _exit(0);
}

static void *log_busily(void *arg)
{
    int i;
    (void)arg;
    for (i = 0; i < 20000; i++)
        send_log(UMON_INFO, "busy record %d", i);
    return NULL;
}

static void child_main(const char *how)
{
    struct rlimit no_core = { 0, 0 };
    setrlimit(RLIMIT_CORE, &no_core);  /* crashes on purpose: no core files */
    if (strcmp(how, "handler") == 0) {
        struct sigaction sa;
        memset(&sa, 0, sizeof sa);
        sa.sa_sigaction = callers_handler;
        sa.sa_flags = SA_SIGINFO;
        sigemptyset(&sa.sa_mask);
        sigaction(SIGSEGV, &sa, NULL);
    }
    if (umon_init_from_env() != UMON_OK)
        _exit(2);
    if (strcmp(how, "late") == 0)
        signal(SIGSEGV, late_handler);
    if (strcmp(how, "busy") == 0) {
        /* Three threads log as fast as they can while this one crashes in the middle of it. */
        pthread_t t[3];
        struct timespec pause = { 0, 5 * 1000000L };
        int i;
        for (i = 0; i < 3; i++)
            pthread_create(&t[i], NULL, log_busily, NULL);
        nanosleep(&pause, NULL);
        crash_by_null_store();
    }
    log_then(strcmp(how, "handler") == 0 || strcmp(how, "late") == 0 ? "segv" : how);
}

/* ---- the parent side ---------------------------------------------------------------------- */

typedef struct outcome {
    int status;
    size_t frame_count;
    char reported[256];
} outcome;

/* Reads until the peer closes (the child died) or 5 s pass. */
static size_t read_until_closed(int fd, uint8_t *buf, size_t cap)
{
    size_t len = 0;
    struct pollfd p;
    p.fd = fd;
    p.events = POLLIN;
    while (len < cap) {
        ssize_t n;
        p.revents = 0;
        if (poll(&p, 1, 5000) <= 0)
            break;
        n = read(fd, buf + len, cap - len);
        if (n <= 0)
            break;
        len += (size_t)n;
    }
    return len;
}

static size_t parse_stream(const uint8_t *buf, size_t len)
{
    size_t pos = 0, n = 0;
    while (pos < len && n < sizeof frames / sizeof frames[0]) {
        size_t fl = parse_frame(buf + pos, len - pos, &frames[n]);
        if (fl == 0)
            break;
        pos += fl;
        n++;
    }
    return n;
}

static size_t parse_console(const char *text, size_t len)
{
    size_t pos = 0, n = 0;
    while (pos < len && n < sizeof frames / sizeof frames[0]) {
        const char *nl = memchr(text + pos, '\n', len - pos);
        size_t line;
        if (nl == NULL)
            break;
        line = (size_t)(nl - (text + pos)) + 1;
        if (parse_console_line(text + pos, line, &frames[n]))
            n++;
        pos += line;
    }
    return n;
}

/* Runs one child that ends by how, over transport "tcp", "udp" or "console"; frames[] gets what arrived. */
static outcome run_child(const char *how, const char *transport, const char *sync_level)
{
    static uint8_t buf[1 << 16];
    outcome o;
    unsigned short port = 0;
    int collector = -1, pipe_fds[2], out_fds[2] = { -1, -1 };
    char address[64];
    size_t len = 0;
    pid_t pid;
    memset(&o, 0, sizeof o);
    if (pipe(pipe_fds) != 0 || (strcmp(transport, "console") == 0 && pipe(out_fds) != 0)) {
        perror("pipe");
        exit(2);
    }
    if (strcmp(transport, "console") != 0)
        collector = strcmp(transport, "tcp") == 0 ? loopback_listener(&port) : loopback_socket(SOCK_DGRAM, &port);
    snprintf(address, sizeof address, "127.0.0.1:%u", port);
    fflush(NULL);
    pid = fork();
    if (pid < 0) {
        perror("fork");
        exit(2);
    }
    if (pid == 0) {
        close(pipe_fds[0]);
        report_fd = pipe_fds[1];
        setenv("UMONITOR_NAME", "crash-test", 1);
        setenv("UMONITOR_TCP", strcmp(transport, "tcp") == 0 ? address : "", 1);
        setenv("UMONITOR_UDP", strcmp(transport, "udp") == 0 ? address : "", 1);
        if (sync_level != NULL)
            setenv("UMONITOR_SYNC_LEVEL", sync_level, 1);
        if (out_fds[1] >= 0) {
            dup2(out_fds[1], STDOUT_FILENO);
            close(out_fds[0]);
        }
        if (collector >= 0)
            close(collector);
        child_main(how);
        _exit(0);
    }
    close(pipe_fds[1]);
    if (strcmp(transport, "tcp") == 0) {
        struct pollfd p;
        p.fd = collector;
        p.events = POLLIN;
        p.revents = 0;
        if (poll(&p, 1, 5000) > 0) {
            int conn = accept(collector, NULL, NULL);
            len = read_until_closed(conn, buf, sizeof buf);
            close(conn);
        }
        o.frame_count = parse_stream(buf, len);
    } else if (strcmp(transport, "udp") == 0) {
        /* One datagram per send: HELLO first, then records or the GOODBYE. A loopback send has queued its
         * datagram before it returns, so once the child is gone an empty socket means nothing more comes;
         * waiting for silence instead would give up early whenever a loaded machine delays the child. */
        size_t n = 0;
        int child_gone = 0, polls = 0;
        for (;;) {
            struct pollfd p;
            ssize_t got;
            p.fd = collector;
            p.events = POLLIN;
            p.revents = 0;
            if (poll(&p, 1, 100) <= 0) {
                if (child_gone || ++polls > 300)
                    break;
                if (waitpid(pid, &o.status, WNOHANG) == pid)
                    child_gone = 1;
                continue;
            }
            got = recv(collector, buf, sizeof buf, 0);
            if (got <= 0)
                break;
            /* keep the HELLO of the first datagram only, so frames[] reads like a stream */
            {
                size_t pos = 0, k = 0;
                test_frame f;
                while (pos < (size_t)got && n < sizeof frames / sizeof frames[0]) {
                    size_t fl = parse_frame(buf + pos, (size_t)got - pos, &f);
                    if (fl == 0)
                        break;
                    if (k > 0 || n == 0)
                        frames[n++] = f;
                    pos += fl;
                    k++;
                }
            }
        }
        o.frame_count = n;
        if (child_gone)
            pid = -1;
    } else {
        close(out_fds[1]);
        len = read_until_closed(out_fds[0], buf, sizeof buf - 1);
        close(out_fds[0]);
        o.frame_count = parse_console((const char *)buf, len);
    }
    if (collector >= 0)
        close(collector);
    {
        size_t got = read_until_closed(pipe_fds[0], (uint8_t *)o.reported, sizeof o.reported - 1);
        o.reported[got] = '\0';
    }
    close(pipe_fds[0]);
    if (pid > 0)
        waitpid(pid, &o.status, 0);
    return o;
}

/* The four records in order, numbered 0..3, after the HELLO. */
static int has_all_records(const outcome *o)
{
    static const char *const messages[] = { "loading configuration", "configuration has 3 invalid entries",
                                            "falling back to defaults", "configuration is corrupt, aborting" };
    size_t i;
    if (o->frame_count < 5 || frames[0].type != UMON_FRAME_HELLO)
        return 0;
    for (i = 0; i < 4; i++)
        if (frames[1 + i].type != UMON_FRAME_RECORD || frames[1 + i].sequence != i ||
            strcmp(frames[1 + i].message, messages[i]) != 0)
            return 0;
    return 1;
}

static int ends_with_goodbye(const outcome *o, const char *reason, uint64_t produced)
{
    const test_frame *last = &frames[o->frame_count - 1];
    return o->frame_count > 0 && last->type == UMON_FRAME_GOODBYE && strcmp(last->message, reason) == 0 &&
           last->produced == produced;
}

static int killed_by(const outcome *o, int sig)
{
    return WIFSIGNALED(o->status) && WTERMSIG(o->status) == sig;
}

/* ---- tests -------------------------------------------------------------------------------- */

static void test_fatal_signal(const char *how, int sig, const char *reason, const char *transport, int runs)
{
    int i, complete = 0, goodbye = 0, same_death = 0;
    for (i = 0; i < runs; i++) {
        outcome o = run_child(how, transport, NULL);
        complete += has_all_records(&o);
        goodbye += o.frame_count == 6 && ends_with_goodbye(&o, reason, 4);
        same_death += killed_by(&o, sig);
    }
    printf("crash %s over %s: all 4 records in %d of %d runs, GOODBYE \"%s\" in %d, killed by signal %d in %d\n",
           how, transport, complete, runs, reason, goodbye, sig, same_death);
    CHECK_EQ_LONG(complete, runs);
    CHECK_EQ_LONG(goodbye, runs);
    CHECK_EQ_LONG(same_death, runs);
}

static void test_callers_handler_still_runs(void)
{
    int i, complete = 0, no_goodbye = 0, handler_ok = 0, same_death = 0;
    for (i = 0; i < RUNS; i++) {
        outcome o = run_child("handler", "tcp", NULL);
        complete += has_all_records(&o);
        /* the caller's handler might have survived the signal: the session stays open */
        no_goodbye += o.frame_count == 5;
        handler_ok += strcmp(o.reported, "caller's handler: fault at NULL\n") == 0;
        same_death += killed_by(&o, SIGSEGV);
    }
    printf("crash with the caller's SIGSEGV handler: all records in %d of %d, its handler ran with the fault's own "
           "siginfo in %d, killed by SIGSEGV in %d\n", complete, RUNS, handler_ok, same_death);
    CHECK_EQ_LONG(complete, RUNS);
    CHECK_EQ_LONG(no_goodbye, RUNS);
    CHECK_EQ_LONG(handler_ok, RUNS);
    CHECK_EQ_LONG(same_death, RUNS);
}

static void test_handler_installed_after_init_can_flush(void)
{
    int i, complete = 0, flushed = 0, same_death = 0;
    for (i = 0; i < 5; i++) {
        outcome o = run_child("late", "tcp", NULL);
        complete += has_all_records(&o);
        flushed += strcmp(o.reported, "late handler: flushed\n") == 0;
        same_death += killed_by(&o, SIGSEGV);
    }
    CHECK_EQ_LONG(complete, 5);
    CHECK_EQ_LONG(flushed, 5);
    CHECK_EQ_LONG(same_death, 5);
}

/* SIGKILL cannot be caught: what the sync level sent before send_log() returned is all that arrives. */
static void test_sigkill_keeps_what_was_sent_synchronously(void)
{
    int i, error_arrived = 0, warn_arrived_with_sync_warn = 0;
    for (i = 0; i < RUNS; i++) {
        outcome o = run_child("kill", "tcp", NULL);
        /* INFO waited in the buffer and left with the ERROR */
        error_arrived += o.frame_count >= 3 && strcmp(frames[1].message, "loading configuration") == 0 &&
                         strcmp(frames[2].message, "configuration has 3 invalid entries") == 0 &&
                         killed_by(&o, SIGKILL);
    }
    for (i = 0; i < 5; i++) {
        outcome o = run_child("kill", "tcp", "warn");
        warn_arrived_with_sync_warn += o.frame_count == 5 && has_all_records(&o) && killed_by(&o, SIGKILL);
    }
    printf("SIGKILL right after logging: INFO and ERROR arrived in %d of %d runs; with UMONITOR_SYNC_LEVEL=warn all "
           "4 in %d of 5\n", error_arrived, RUNS, warn_arrived_with_sync_warn);
    CHECK_EQ_LONG(error_arrived, RUNS);
    CHECK_EQ_LONG(warn_arrived_with_sync_warn, 5);
}

static void test_exit_flushes_and_says_goodbye(void)
{
    int i;
    for (i = 0; i < 3; i++) {
        outcome o = run_child("exit", "tcp", NULL);
        CHECK(has_all_records(&o));
        CHECK(o.frame_count == 6 && ends_with_goodbye(&o, "exit", 4));
        CHECK(WIFEXITED(o.status) && WEXITSTATUS(o.status) == 3);
    }
}

static void test_crash_inside_the_client(void)
{
    int i;
    for (i = 0; i < 5; i++) {
        outcome o = run_child("inside", "tcp", NULL);
        CHECK(has_all_records(&o));
        /* the record being encoded is lost, and the GOODBYE lets the collector count it */
        CHECK(o.frame_count == 6 && ends_with_goodbye(&o, "crashed: SIGSEGV", 5));
        CHECK(killed_by(&o, SIGSEGV));
    }
}

/* A crash while other threads log and the background thread sends: the stream stays well formed (no
 * frame garbled by two writers), and the GOODBYE accounts for every record exactly: those received
 * plus those the client dropped (full buffer) are all it produced. */
static void test_crash_while_other_threads_log(void)
{
    static uint8_t stream[16 << 20];
    int runs, exact = 0, well_formed = 0, same_death = 0;
    for (runs = 0; runs < 5; runs++) {
        unsigned short port;
        int listener = loopback_listener(&port), conn, status;
        char address[64];
        size_t len = 0, pos = 0;
        uint64_t records = 0, next = 0;
        int ordered = 1;
        test_frame f, last;
        pid_t pid;
        struct pollfd p;
        snprintf(address, sizeof address, "127.0.0.1:%u", port);
        fflush(NULL);
        pid = fork();
        if (pid == 0) {
            close(listener);
            setenv("UMONITOR_NAME", "busy-crash", 1);
            setenv("UMONITOR_TCP", address, 1);
            child_main("busy");
            _exit(0);
        }
        p.fd = listener;
        p.events = POLLIN;
        p.revents = 0;
        if (poll(&p, 1, 5000) > 0) {
            conn = accept(listener, NULL, NULL);
            len = read_until_closed(conn, stream, sizeof stream);
            close(conn);
        }
        close(listener);
        waitpid(pid, &status, 0);
        memset(&last, 0, sizeof last);
        while (pos < len) {
            size_t fl = parse_frame(stream + pos, len - pos, &f);
            if (fl == 0)
                break;
            if (f.type == UMON_FRAME_RECORD) {
                ordered &= f.sequence >= next;
                next = f.sequence + 1;
                records++;
            }
            last = f;
            pos += fl;
        }
        well_formed += pos == len && len > 0;
        exact += last.type == UMON_FRAME_GOODBYE && strcmp(last.message, "crashed: SIGSEGV") == 0 && ordered &&
                 last.produced == records + last.dropped;
        same_death += killed_by(&(outcome){ status, 0, "" }, SIGSEGV);
        if (runs == 0)
            printf("crash while 3 threads log: %llu records received, %llu dropped by the client, %llu produced\n",
                   (unsigned long long)records, (unsigned long long)last.dropped,
                   (unsigned long long)last.produced);
    }
    CHECK_EQ_LONG(well_formed, 5);
    CHECK_EQ_LONG(exact, 5);
    CHECK_EQ_LONG(same_death, 5);
}

/* An ERROR while the collector is unreachable stays buffered: the call must not sit out the wait for
 * the next reconnect (30 s here), even with a sync_timeout_ms that would allow it. */
static void test_sync_does_not_wait_for_a_reconnect(void)
{
    unsigned short port;
    int closed_port = loopback_socket(SOCK_STREAM, &port);  /* bound and then closed: refuses */
    char address[64], err[256];
    umon_config cfg;
    umon_client *c;
    umon_stats st;
    struct timespec t0, t1;
    long elapsed_ms;
    close(closed_port);
    snprintf(address, sizeof address, "127.0.0.1:%u", port);
    memset(&cfg, 0, sizeof cfg);
    cfg.transport = UMON_TRANSPORT_TCP;
    cfg.address = address;
    cfg.name = "unreachable";
    cfg.reconnect_min_ms = 30000;
    cfg.sync_timeout_ms = 20000;
    cfg.flush_timeout_ms = 100;  /* closing need not wait for the collector either */
    c = umon_client_open(&cfg, err, sizeof err);
    CHECK(c != NULL);
    if (c == NULL)
        return;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    CHECK_EQ_LONG(umon_client_log(c, UMON_ERROR, NULL, NULL, 0, "nobody listens"), UMON_OK);
    clock_gettime(CLOCK_MONOTONIC, &t1);
    elapsed_ms = (t1.tv_sec - t0.tv_sec) * 1000 + (t1.tv_nsec - t0.tv_nsec) / 1000000;
    umon_client_stats(c, &st);
    CHECK(st.pending == 1 && st.sent == 0);
    CHECK(elapsed_ms < 10000);  /* 20000 if it had waited for the sync timeout; slack for a loaded machine */
    umon_client_close(c, "bye");
}

/* Without UMONITOR_NAME nothing is sent; the program hears why on stderr, once. */
static void test_missing_name_is_reported_once(void)
{
    int err[2];
    pid_t pid;
    char text[2048];
    size_t len;
    int status;
    if (pipe(err) != 0) {
        perror("pipe");
        exit(2);
    }
    fflush(NULL);
    pid = fork();
    if (pid == 0) {
        dup2(err[1], STDERR_FILENO);
        close(err[0]);
        unsetenv("UMONITOR_NAME");
        setenv("UMONITOR_TCP", "127.0.0.1:9", 1);
        umon_init_from_env();
        umon_init_from_env();
        _exit(send_log(UMON_INFO, "nobody hears this") == UMON_E_CLOSED ? 0 : 1);
    }
    close(err[1]);
    len = read_until_closed(err[0], (uint8_t *)text, sizeof text - 1);
    text[len] = '\0';
    close(err[0]);
    waitpid(pid, &status, 0);
    CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0);
    CHECK(strstr(text, "UMONITOR_NAME is not set") != NULL);
    CHECK(strchr(text, '\n') != NULL && strchr(text, '\n') == text + len - 1);  /* one line, once */
}

int main(void)
{
    signal(SIGPIPE, SIG_IGN);
    test_fatal_signal("segv", SIGSEGV, "crashed: SIGSEGV", "tcp", RUNS);
    test_fatal_signal("abort", SIGABRT, "crashed: SIGABRT", "tcp", RUNS);
    test_fatal_signal("segv", SIGSEGV, "crashed: SIGSEGV", "udp", 5);
#if defined(__x86_64__) || defined(__i386__)
    test_fatal_signal("fpe", SIGFPE, "crashed: SIGFPE", "tcp", 3);
    test_fatal_signal("ill", SIGILL, "crashed: SIGILL", "tcp", 3);
#endif
    test_fatal_signal("segv", SIGSEGV, "crashed: SIGSEGV", "console", 5);
    test_callers_handler_still_runs();
    test_handler_installed_after_init_can_flush();
    test_sigkill_keeps_what_was_sent_synchronously();
    test_exit_flushes_and_says_goodbye();
    test_crash_inside_the_client();
    test_crash_while_other_threads_log();
    test_sync_does_not_wait_for_a_reconnect();
    test_missing_name_is_reported_once();
    return check_report("test_crash");
}
