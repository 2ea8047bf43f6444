/* Client tests over real loopback sockets and pipes: console lines, UDP datagrams, a full buffer
 * with a collector that is not listening yet (drops counted, sequence numbers consumed), reconnect
 * with the same session after the collector closes, no SIGPIPE, concurrent loggers, env init. */
#define _POSIX_C_SOURCE 200809L
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "check.h"
#include "decode.h"
#include "loopback.h"
#include "umonitor_log.h"

/* ---- helpers ---------------------------------------------------------------------------- */

static char captured[1 << 20];
static size_t captured_len;

static void capture(const char *buf, size_t len)
{
    if (captured_len + len <= sizeof captured) {
        memcpy(captured + captured_len, buf, len);
        captured_len += len;
    }
}

/* Decodes captured console lines into frames; returns how many. */
static size_t captured_frames(test_frame *frames, size_t max)
{
    size_t pos = 0, n = 0;
    while (pos < captured_len && n < max) {
        const char *nl = memchr(captured + pos, '\n', captured_len - pos);
        size_t len;
        if (nl == NULL)
            break;
        len = (size_t)(nl - (captured + pos)) + 1;
        if (parse_console_line(captured + pos, len, &frames[n]))
            n++;
        pos += len;
    }
    return n;
}

/* Reads from fd until the peer closes or timeout_ms pass; returns bytes read. */
static size_t read_all(int fd, uint8_t *buf, size_t cap, int timeout_ms)
{
    size_t len = 0;
    struct pollfd p;
    p.fd = fd;
    p.events = POLLIN;
    while (len < cap) {
        ssize_t n;
        p.revents = 0;
        if (poll(&p, 1, timeout_ms) <= 0)
            break;
        n = read(fd, buf + len, cap - len);
        if (n <= 0)
            break;
        len += (size_t)n;
    }
    return len;
}

/* Receives one datagram within timeout_ms; returns its length, 0 on timeout. */
static size_t read_datagram(int fd, uint8_t *buf, size_t cap, int timeout_ms)
{
    struct pollfd p;
    ssize_t n;
    p.fd = fd;
    p.events = POLLIN;
    p.revents = 0;
    if (poll(&p, 1, timeout_ms) <= 0)
        return 0;
    n = recv(fd, buf, cap, 0);
    return n > 0 ? (size_t)n : 0;
}

static int accept_within(int listener, int timeout_ms)
{
    struct pollfd p;
    p.fd = listener;
    p.events = POLLIN;
    p.revents = 0;
    if (poll(&p, 1, timeout_ms) <= 0)
        return -1;
    return accept(listener, NULL, NULL);
}

static size_t parse_stream(const uint8_t *buf, size_t len, test_frame *frames, size_t max)
{
    size_t pos = 0, n = 0;
    while (pos < len && n < max) {
        size_t fl = parse_frame(buf + pos, len - pos, &frames[n]);
        if (fl == 0)
            break;
        pos += fl;
        n++;
    }
    return n;
}

static umon_config base_config(umon_transport transport)
{
    umon_config c;
    memset(&c, 0, sizeof c);
    c.transport = transport;
    c.name = "test-guest";
    c.token = "0123456789abcdef0123456789abcdef";
    c.logger = "test";
    return c;
}

static test_frame frames[5000];

/* ---- tests ------------------------------------------------------------------------------ */

static void test_console_callback(void)
{
    umon_config cfg = base_config(UMON_TRANSPORT_CONSOLE);
    umon_client *c;
    umon_stats st;
    size_t n;
    captured_len = 0;
    cfg.console_write = capture;
    cfg.session = 42;
    c = umon_client_open(&cfg, NULL, 0);
    CHECK(c != NULL);
    CHECK_EQ_LONG(umon_client_log(c, UMON_INFO, NULL, NULL, 0, "hello %s", "world"), UMON_OK);
    CHECK_EQ_LONG(umon_client_log(c, UMON_ERROR, "net", NULL, 0, "%d", 7), UMON_OK);
    CHECK_EQ_LONG(umon_client_log(c, (umon_level)9, NULL, NULL, 0, "bad level"), UMON_E_INVALID);
    umon_client_stats(c, &st);
    CHECK(st.produced == 3 && st.sent == 2 && st.dropped == 1 && st.pending == 0);
    CHECK_EQ_LONG(umon_client_close(c, "done"), UMON_OK);
    n = captured_frames(frames, 10);
    CHECK_EQ_LONG(n, 4);
    CHECK(frames[0].type == UMON_FRAME_HELLO && frames[0].session == 42);
    CHECK(strcmp(frames[0].name, "test-guest") == 0);
    CHECK(frames[0].message[0] == '\0');  /* the token never goes to a console */
    CHECK(frames[1].type == UMON_FRAME_RECORD && frames[1].sequence == 0 && frames[1].level == UMON_INFO);
    CHECK(strcmp(frames[1].message, "hello world") == 0 && strcmp(frames[1].name, "test") == 0);
    CHECK(frames[2].sequence == 1 && strcmp(frames[2].name, "net") == 0);
    /* sequence 2 was the dropped record: it still consumed its number */
    CHECK(frames[3].type == UMON_FRAME_GOODBYE && frames[3].produced == 3 && frames[3].dropped == 1);
    CHECK(strcmp(frames[3].message, "done") == 0);
    CHECK(memchr(captured, '\r', captured_len) == NULL);
}

static void test_console_fd(void)
{
    int pipefd[2];
    umon_config cfg = base_config(UMON_TRANSPORT_CONSOLE);
    umon_client *c;
    uint8_t buf[4096];
    size_t len;
    CHECK(pipe(pipefd) == 0);
    cfg.console_fd = pipefd[1];
    c = umon_client_open(&cfg, NULL, 0);
    CHECK(c != NULL);
    umon_client_log(c, UMON_DEBUG, NULL, NULL, 0, "to a pipe");
    umon_client_close(c, "exit");
    close(pipefd[1]);
    len = read_all(pipefd[0], buf, sizeof buf - 1, 1000);
    close(pipefd[0]);
    memcpy(captured, buf, len);
    captured_len = len;
    CHECK_EQ_LONG(captured_frames(frames, 10), 3);
    CHECK(strcmp(frames[1].message, "to a pipe") == 0);
}

static void test_message_truncated_to_console_limit(void)
{
    static char big[10000];
    umon_config cfg = base_config(UMON_TRANSPORT_CONSOLE);
    umon_client *c;
    memset(big, 'x', sizeof big - 1);
    captured_len = 0;
    cfg.console_write = capture;
    c = umon_client_open(&cfg, NULL, 0);
    CHECK_EQ_LONG(umon_client_log(c, UMON_INFO, NULL, NULL, 0, "%s", big), UMON_OK);
    umon_client_close(c, NULL);
    CHECK_EQ_LONG(captured_frames(frames, 10), 3);
    CHECK(frames[1].length <= UMON_CONSOLE_MAX_FRAME && frames[1].length > 4000);
}

static void test_udp(void)
{
    unsigned short port;
    int rx = loopback_socket(SOCK_DGRAM, &port);
    char address[64];
    umon_config cfg = base_config(UMON_TRANSPORT_UDP);
    umon_client *c;
    int i, datagrams = 0, records = 0;
    uint64_t expected = 0;
    uint8_t dgram[65536];
    int goodbye = 0;
    snprintf(address, sizeof address, "127.0.0.1:%u", port);
    cfg.address = address;
    cfg.udp_max_datagram = 600;  /* several records per datagram, several datagrams */
    c = umon_client_open(&cfg, NULL, 0);
    CHECK(c != NULL);
    for (i = 0; i < 40; i++)
        CHECK_EQ_LONG(umon_client_log(c, UMON_INFO, NULL, NULL, 0, "udp record %d", i), UMON_OK);
    CHECK_EQ_LONG(umon_client_close(c, "exit"), UMON_OK);
    while (!goodbye) {
        size_t len = read_datagram(rx, dgram, sizeof dgram, 1000);
        size_t n, k;
        if (len == 0)
            break;
        datagrams++;
        CHECK(len <= 600);
        n = parse_stream(dgram, len, frames, 100);
        CHECK(n >= 2 && frames[0].type == UMON_FRAME_HELLO);
        for (k = 1; k < n; k++) {
            if (frames[k].type == UMON_FRAME_GOODBYE) {
                CHECK(n == 2 && frames[k].produced == 40);
                goodbye = 1;
            } else {
                CHECK(frames[k].sequence == expected);
                expected++;
                records++;
            }
        }
    }
    close(rx);
    CHECK(goodbye);
    CHECK_EQ_LONG(records, 40);
    CHECK(datagrams >= 2 && datagrams <= 41);
}

/* A transport that refuses for a while (as a full socket buffer would) makes records queue up;
 * they then leave packed several to a datagram, each datagram HELLO-first and within the limit. */
static int refuse_until;
static int send_calls;
static size_t packed_records;
static size_t packed_datagrams;

static int flaky_datagram_send(void *ctx, const uint8_t *payload, size_t len)
{
    size_t n, k;
    (void)ctx;
    if (++send_calls <= refuse_until)
        return UMON_E_FULL;
    n = parse_stream(payload, len, frames, 100);
    CHECK(len <= 500 && n >= 2 && frames[0].type == UMON_FRAME_HELLO);
    for (k = 1; k < n; k++)
        if (frames[k].type == UMON_FRAME_RECORD)
            CHECK(frames[k].sequence == packed_records++);
    packed_datagrams++;
    return UMON_OK;
}

static void test_udp_packing_with_callback(void)
{
    umon_config cfg = base_config(UMON_TRANSPORT_UDP);
    umon_client *c;
    umon_stats st;
    int i;
    cfg.datagram_send = flaky_datagram_send;
    cfg.udp_max_datagram = 500;
    refuse_until = 30;
    c = umon_client_open(&cfg, NULL, 0);
    CHECK(c != NULL);
    for (i = 0; i < 30; i++)
        umon_client_log(c, UMON_INFO, NULL, NULL, 0, "queued %d", i);
    umon_client_stats(c, &st);
    CHECK(st.pending == 30 && st.sent == 0);
    CHECK_EQ_LONG(umon_client_flush(c, 1000), UMON_OK);
    umon_client_stats(c, &st);
    CHECK(st.pending == 0 && st.sent == 30);
    CHECK_EQ_LONG(packed_records, 30);
    CHECK(packed_datagrams > 1 && packed_datagrams < 15);
    umon_client_close(c, "exit");
}

/* The collector's port exists but nobody listens yet: the buffer fills, the rest is dropped and
 * counted, and once the collector listens everything buffered arrives after a HELLO. */
static void test_full_buffer_then_connect(void)
{
    unsigned short port;
    int listener = loopback_socket(SOCK_STREAM, &port), conn, i;
    char address[64];
    umon_config cfg = base_config(UMON_TRANSPORT_TCP);
    umon_client *c;
    umon_stats st;
    static uint8_t buf[1 << 20];
    size_t len, n, k;
    int full = 0;
    uint64_t session;
    snprintf(address, sizeof address, "127.0.0.1:%u", port);
    cfg.address = address;
    cfg.buffer_size = 2048;
    cfg.reconnect_min_ms = 10;
    cfg.reconnect_max_ms = 20;
    c = umon_client_open(&cfg, NULL, 0);
    CHECK(c != NULL);
    for (i = 0; i < 100; i++)
        if (umon_client_log(c, UMON_INFO, NULL, NULL, 0, "buffered record number %d", i) == UMON_E_FULL)
            full++;
    umon_client_stats(c, &st);
    CHECK(st.produced == 100 && st.sent == 0 && st.connects == 0);
    CHECK(full > 0 && st.dropped == (uint64_t)full && st.pending == (uint64_t)(100 - full));

    CHECK(listen(listener, 4) == 0);
    CHECK_EQ_LONG(umon_client_flush(c, 5000), UMON_OK);
    CHECK_EQ_LONG(umon_client_log(c, UMON_WARN, NULL, NULL, 0, "after connect"), UMON_OK);
    CHECK_EQ_LONG(umon_client_close(c, "exit"), UMON_OK);
    conn = accept_within(listener, 2000);
    CHECK(conn >= 0);
    len = read_all(conn, buf, sizeof buf, 2000);
    close(conn);
    n = parse_stream(buf, len, frames, 5000);
    CHECK_EQ_LONG(n, 1 + (100 - full) + 1 + 1);
    CHECK(frames[0].type == UMON_FRAME_HELLO);
    session = frames[0].session;
    (void)session;
    for (k = 1; k <= (size_t)(100 - full); k++)
        CHECK(frames[k].type == UMON_FRAME_RECORD && frames[k].sequence == k - 1);
    /* the gap before 100 is exactly what the client dropped */
    CHECK(frames[n - 2].sequence == 100 && strcmp(frames[n - 2].message, "after connect") == 0);
    CHECK(frames[n - 1].type == UMON_FRAME_GOODBYE && frames[n - 1].produced == 101 &&
          frames[n - 1].dropped == (uint64_t)full);
    close(listener);
}

/* The collector closes the connection; the client reconnects and says HELLO with the same session.
 * SIGPIPE keeps its default action here: if the client let it through, this test would die. */
static void test_reconnect_same_session(void)
{
    unsigned short port;
    int listener = loopback_socket(SOCK_STREAM, &port), conn, i;
    char address[64];
    umon_config cfg = base_config(UMON_TRANSPORT_TCP);
    umon_client *c;
    umon_stats st;
    static uint8_t buf[1 << 20];
    size_t len, n;
    uint64_t session, last_seq;
    snprintf(address, sizeof address, "127.0.0.1:%u", port);
    CHECK(listen(listener, 4) == 0);
    cfg.address = address;
    cfg.reconnect_min_ms = 10;
    cfg.reconnect_max_ms = 50;
    c = umon_client_open(&cfg, NULL, 0);
    CHECK_EQ_LONG(umon_client_log(c, UMON_INFO, NULL, NULL, 0, "first connection"), UMON_OK);
    CHECK_EQ_LONG(umon_client_flush(c, 2000), UMON_OK);
    conn = accept_within(listener, 2000);
    len = read_all(conn, buf, sizeof buf, 200);
    n = parse_stream(buf, len, frames, 10);
    CHECK(n == 2 && frames[0].type == UMON_FRAME_HELLO && frames[1].sequence == 0);
    session = frames[0].session;
    close(conn);  /* the collector goes away */

    /* logging on must neither crash nor block; the client notices and reconnects */
    for (i = 0; i < 200; i++) {
        umon_client_log(c, UMON_INFO, NULL, NULL, 0, "while reconnecting %d", i);
        umon_client_flush(c, 5);
    }
    CHECK_EQ_LONG(umon_client_flush(c, 3000), UMON_OK);
    umon_client_stats(c, &st);
    CHECK(st.connects >= 2);
    CHECK_EQ_LONG(umon_client_close(c, "exit"), UMON_OK);

    /* later connections each start with HELLO, same session; sequences only grow */
    last_seq = 0;
    while ((conn = accept_within(listener, 500)) >= 0) {
        size_t k;
        len = read_all(conn, buf, sizeof buf, 500);
        close(conn);
        n = parse_stream(buf, len, frames, 5000);
        if (n == 0)
            continue;
        CHECK(frames[0].type == UMON_FRAME_HELLO && frames[0].session == session);
        for (k = 1; k < n; k++) {
            if (frames[k].type != UMON_FRAME_RECORD)
                continue;
            CHECK(frames[k].sequence > last_seq);
            last_seq = frames[k].sequence;
        }
        if (frames[n - 1].type == UMON_FRAME_GOODBYE)
            CHECK(frames[n - 1].produced == 201);
    }
    CHECK_EQ_LONG(last_seq, 200);  /* the last record arrived */
    close(listener);
}

/* With the background thread, a record logged while the collector was down arrives once it is up,
 * without any further call from the program. */
static void test_background_flush_delivers_without_further_calls(void)
{
    unsigned short port;
    int listener = loopback_socket(SOCK_STREAM, &port), conn;
    char address[64];
    umon_config cfg = base_config(UMON_TRANSPORT_TCP);
    umon_client *c;
    static uint8_t buf[65536];
    size_t len, n;
    snprintf(address, sizeof address, "127.0.0.1:%u", port);
    cfg.address = address;
    cfg.reconnect_min_ms = 10;
    cfg.reconnect_max_ms = 20;
    cfg.connect_wait_ms = 1;
    cfg.flush_interval_ms = 10;
    c = umon_client_open(&cfg, NULL, 0);
    CHECK(c != NULL);
    CHECK_EQ_LONG(umon_client_log(c, UMON_INFO, NULL, NULL, 0, "logged while down"), UMON_OK);
    CHECK(listen(listener, 4) == 0);
    conn = accept_within(listener, 3000);
    CHECK(conn >= 0);
    /* read until the record is there (3 s at most); the client is not touched meanwhile */
    len = 0;
    n = 0;
    {
        struct timespec start, now;
        clock_gettime(CLOCK_MONOTONIC, &start);
        do {
            len += read_all(conn, buf + len, sizeof buf - len, 50);
            n = parse_stream(buf, len, frames, 10);
            clock_gettime(CLOCK_MONOTONIC, &now);
        } while (n < 2 && now.tv_sec - start.tv_sec < 3);
    }
    CHECK(n == 2 && frames[1].type == UMON_FRAME_RECORD && strcmp(frames[1].message, "logged while down") == 0);
    CHECK_EQ_LONG(umon_client_close(c, "exit"), UMON_OK);
    close(conn);
    close(listener);
}

/* With the background flusher, log calls leave the sending to it: many records make far fewer
 * sends than records, every record arrives in order without any further call, and a record logged
 * on a quiet client leaves at once (the flusher is woken), not after its 1 s interval. */
static size_t batched_sends;
static uint64_t batched_next_sequence;
static int batched_out_of_order;

static int counting_datagram_send(void *ctx, const uint8_t *payload, size_t len)
{
    static test_frame f[64];
    size_t n, k;
    (void)ctx;
    n = parse_stream(payload, len, f, 64);
    for (k = 1; k < n; k++)
        if (f[k].type == UMON_FRAME_RECORD && f[k].sequence != batched_next_sequence++)
            batched_out_of_order = 1;
    batched_sends++;
    return UMON_OK;
}

static long elapsed_ms(const struct timespec *since)
{
    struct timespec now;
    clock_gettime(CLOCK_MONOTONIC, &now);
    return (long)(now.tv_sec - since->tv_sec) * 1000 + (now.tv_nsec - since->tv_nsec) / 1000000;
}

/* Waits (up to timeout_ms, without touching the client otherwise) until sent reaches target. */
static int sent_within(umon_client *c, uint64_t target, long timeout_ms)
{
    struct timespec start, pause = { 0, 200000 };
    umon_stats st;
    clock_gettime(CLOCK_MONOTONIC, &start);
    for (;;) {
        umon_client_stats(c, &st);
        if (st.sent >= target)
            return 1;
        if (elapsed_ms(&start) > timeout_ms)
            return 0;
        nanosleep(&pause, NULL);
    }
}

static void test_flusher_batches_sends(void)
{
    umon_config cfg = base_config(UMON_TRANSPORT_UDP);
    umon_client *c;
    umon_stats st;
    struct timespec start;
    long latency_ms, worst_ms = 0;
    int i, round;
    cfg.datagram_send = counting_datagram_send;
    cfg.buffer_size = 1024 * 1024;
    cfg.flush_interval_ms = 10000;
    c = umon_client_open(&cfg, NULL, 0);
    CHECK(c != NULL);
    for (i = 0; i < 20000; i++)
        CHECK_EQ_LONG(umon_client_log(c, UMON_INFO, NULL, NULL, 0, "batched record %d", i), UMON_OK);
    CHECK(sent_within(c, 20000, 8000));
    umon_client_stats(c, &st);
    CHECK(st.sent == 20000 && st.dropped == 0 && st.pending == 0);
    CHECK(!batched_out_of_order && batched_next_sequence == 20000);
    /* ~1472-byte datagrams hold about 30 of these records; one send per call would make 20000 */
    fprintf(stderr, "flusher: 20000 records in %lu sends\n", (unsigned long)batched_sends);
    CHECK(batched_sends < 20000 / 4);
    /* quiet client: the flusher sleeps its whole 10 s interval unless the log call wakes it */
    for (round = 0; round < 5; round++) {
        clock_gettime(CLOCK_MONOTONIC, &start);
        CHECK_EQ_LONG(umon_client_log(c, UMON_INFO, NULL, NULL, 0, "single %d", round), UMON_OK);
        CHECK(sent_within(c, 20001 + (uint64_t)round, 8000));
        latency_ms = elapsed_ms(&start);
        if (latency_ms > worst_ms)
            worst_ms = latency_ms;
    }
    fprintf(stderr, "flusher: a single record left within %ld ms (worst of 5)\n", worst_ms);
    CHECK(worst_ms < 5000);  /* milliseconds normally; only a wake-up beats half the 10 s interval, even on a loaded machine */
    CHECK_EQ_LONG(umon_client_close(c, "exit"), UMON_OK);
    CHECK(!batched_out_of_order);
}

/* The same over TCP: records logged in a burst and a single one on a quiet connection all reach the
 * collector with no further call, the single one well before the flusher's 10 s interval. */
static void test_flusher_tcp_delivers_promptly(void)
{
    unsigned short port;
    int listener = loopback_socket(SOCK_STREAM, &port), conn;
    char address[64];
    umon_config cfg = base_config(UMON_TRANSPORT_TCP);
    umon_client *c;
    static uint8_t buf[1 << 20];
    size_t len = 0, n = 0;
    struct timespec start;
    int i;
    snprintf(address, sizeof address, "127.0.0.1:%u", port);
    CHECK(listen(listener, 4) == 0);
    cfg.address = address;
    cfg.buffer_size = 512 * 1024;
    cfg.flush_interval_ms = 10000;
    c = umon_client_open(&cfg, NULL, 0);
    CHECK(c != NULL);
    conn = accept_within(listener, 3000);
    CHECK(conn >= 0);
    for (i = 0; i < 2000; i++)
        CHECK_EQ_LONG(umon_client_log(c, UMON_INFO, NULL, NULL, 0, "tcp burst %d", i), UMON_OK);
    clock_gettime(CLOCK_MONOTONIC, &start);
    while (n < 2001 && elapsed_ms(&start) < 8000) {
        len += read_all(conn, buf + len, sizeof buf - len, 20);
        n = parse_stream(buf, len, frames, 5000);
    }
    CHECK_EQ_LONG((long)n, 2001);
    CHECK(n == 2001 && frames[0].type == UMON_FRAME_HELLO && frames[2000].sequence == 1999);
    clock_gettime(CLOCK_MONOTONIC, &start);
    CHECK_EQ_LONG(umon_client_log(c, UMON_INFO, NULL, NULL, 0, "tcp single"), UMON_OK);
    while (n < 2002 && elapsed_ms(&start) < 8000) {
        len += read_all(conn, buf + len, sizeof buf - len, 1);
        n = parse_stream(buf, len, frames, 5000);
    }
    fprintf(stderr, "flusher: a single TCP record arrived within %ld ms\n", elapsed_ms(&start));
    CHECK(n == 2002 && strcmp(frames[2001].message, "tcp single") == 0);
    CHECK(elapsed_ms(&start) < 5000); /* half the 10 s interval: only a wake-up is this fast */
    CHECK_EQ_LONG(umon_client_close(c, "exit"), UMON_OK);
    close(conn);
    close(listener);
}

static umon_client *shared_client;

static void *log_many(void *arg)
{
    int i, id = *(int *)arg;
    for (i = 0; i < 1000; i++)
        umon_client_log(shared_client, UMON_DEBUG, NULL, NULL, 0, "thread %d record %d", id, i);
    return NULL;
}

static void test_threads(void)
{
    umon_config cfg = base_config(UMON_TRANSPORT_CONSOLE);
    pthread_t t[4];
    int ids[4] = { 0, 1, 2, 3 }, i;
    size_t n, k;
    umon_stats st;
    captured_len = 0;
    cfg.console_write = capture;
    shared_client = umon_client_open(&cfg, NULL, 0);
    for (i = 0; i < 4; i++)
        pthread_create(&t[i], NULL, log_many, &ids[i]);
    for (i = 0; i < 4; i++)
        pthread_join(t[i], NULL);
    umon_client_stats(shared_client, &st);
    CHECK(st.produced == 4000 && st.sent == 4000 && st.dropped == 0);
    umon_client_close(shared_client, "exit");
    n = captured_frames(frames, 5000);
    CHECK_EQ_LONG(n, 4002);
    for (k = 1; k + 1 < n; k++)
        if (frames[k].sequence != k - 1) {
            CHECK(frames[k].sequence == k - 1);
            break;
        }
}

static void test_env_init(void)
{
    unsigned short port;
    int rx = loopback_socket(SOCK_DGRAM, &port);
    char address[64];
    uint8_t dgram[65536];
    size_t len, n;
    umon_stats st;
    snprintf(address, sizeof address, "127.0.0.1:%u", port);

    unsetenv("UMONITOR_NAME");
    CHECK_EQ_LONG(umon_init_from_env(), UMON_E_INVALID);
    CHECK(strstr(umon_init_error(), "UMONITOR_NAME") != NULL);
    CHECK_EQ_LONG(send_log(UMON_INFO, "before init"), UMON_E_CLOSED);

    setenv("UMONITOR_NAME", "env-guest", 1);
    setenv("UMONITOR_TOKEN", "feedface", 1);
    setenv("UMONITOR_UDP", address, 1);
    setenv("UMONITOR_TCP", "", 1);
    CHECK_EQ_LONG(umon_init_from_env(), UMON_OK);
    CHECK_EQ_LONG(UMON_LOG(UMON_INFO, "via env %d", 1), UMON_OK);
    len = read_datagram(rx, dgram, sizeof dgram, 1000);
    n = parse_stream(dgram, len, frames, 10);
    CHECK(n == 2 && strcmp(frames[0].name, "env-guest") == 0 && strcmp(frames[0].message, "feedface") == 0);
    CHECK(strcmp(frames[1].message, "via env 1") == 0 && frames[1].attr_count == 3);
    umon_client_stats(umon_default_client(), &st);
    CHECK(st.sent == 1);
    CHECK_EQ_LONG(umon_shutdown("bye"), UMON_OK);
    CHECK_EQ_LONG(send_log(UMON_INFO, "after shutdown"), UMON_E_CLOSED);
    CHECK(umon_default_client() == NULL);
    len = read_datagram(rx, dgram, sizeof dgram, 1000);
    n = parse_stream(dgram, len, frames, 10);
    CHECK(n == 2 && frames[1].type == UMON_FRAME_GOODBYE && strcmp(frames[1].message, "bye") == 0);
    close(rx);

    setenv("UMONITOR_TCP", "no-port-here", 1);
    CHECK_EQ_LONG(umon_init_from_env(), UMON_E_INVALID);
    CHECK(strstr(umon_init_error(), "no-port-here") != NULL);
}

static void test_bad_config_messages(void)
{
    char msg[512];
    umon_config cfg = base_config(UMON_TRANSPORT_TCP);
    cfg.address = "127.0.0.1:1";
    cfg.name = "bad name";
    CHECK(umon_client_open(&cfg, msg, sizeof msg) == NULL);
    CHECK(strstr(msg, "\"bad name\"") != NULL && strstr(msg, "letters") != NULL);
    cfg.name = "ok";
    cfg.address = "[::1:7000";
    CHECK(umon_client_open(&cfg, msg, sizeof msg) == NULL);
    CHECK(strstr(msg, "[::1:7000") != NULL);
}

int main(void)
{
    test_console_callback();
    test_console_fd();
    test_message_truncated_to_console_limit();
    test_udp();
    test_udp_packing_with_callback();
    test_full_buffer_then_connect();
    test_reconnect_same_session();
    test_background_flush_delivers_without_further_calls();
    test_flusher_batches_sends();
    test_flusher_tcp_delivers_promptly();
    test_threads();
    test_env_init();
    test_bad_config_messages();
    return check_report("test_client");
}
