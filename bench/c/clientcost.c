/*
 * clientcost.c - what one send_log() call costs the sender, next to formatting the same text alone.
 *
 *   clientcost [CALLS]
 *
 * Three loops of CALLS calls with the same ~60-byte message and one integer argument:
 *   snprintf   formatting into a stack buffer (the floor any printf-style logger pays)
 *   encode     snprintf + umon_encode_record into a buffer (the C client's encoder alone)
 *   send_log   umon_client_log() on a TCP client whose collector is a thread of this program that reads
 *              and discards (formatting, encoding, the client's lock and buffer, and its share of the
 *              non-blocking send() calls), with the background flusher of umon_init_from_env()
 * Prints one line: clientcost ... ns per call of each, the ratio send_log/snprintf, and the records the
 * client dropped (full buffer) during its loop. The *_cpu_ns figures are the calling thread's own CPU time
 * per call (CLOCK_THREAD_CPUTIME_ID): on a shared machine they leave out the time other tenants held the
 * core, which the wall-clock figures include.
 */
#define _GNU_SOURCE
#include "umonitor_log.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

static double now(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec + ts.tv_nsec / 1e9;
}

static double thread_cpu(void) {
    struct timespec ts;
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
    return ts.tv_sec + ts.tv_nsec / 1e9;
}

static int listener;
static void *discard(void *arg) {
    (void)arg;
    int fd = accept(listener, NULL, NULL);
    char buf[1 << 16];
    while (fd >= 0 && read(fd, buf, sizeof buf) > 0) {}
    if (fd >= 0) close(fd);
    return NULL;
}

#define FMT "request %ld served from cache in %d us, status ok, client 10.0.0.7"

int main(int argc, char **argv) {
    long calls = argc > 1 ? atol(argv[1]) : 2000000;
    char buf[512];
    uint8_t frame[1024];
    volatile long sink = 0;

    double t = now(), cpu = thread_cpu();
    for (long i = 0; i < calls; i++) sink += snprintf(buf, sizeof buf, FMT, i, (int)(i & 1023));
    double ns_snprintf = (now() - t) * 1e9 / calls;
    double cpu_snprintf = (thread_cpu() - cpu) * 1e9 / calls;

    t = now();
    for (long i = 0; i < calls; i++) {
        int n = snprintf(buf, sizeof buf, FMT, i, (int)(i & 1023));
        umon_record r = { .sequence = (uint64_t)i, .clock = UMON_CLOCK_WALL, .timestamp = 0, .level = UMON_INFO,
                          .logger = { "app", 3 }, .message = { buf, (size_t)n } };
        struct timespec ts;
        clock_gettime(CLOCK_REALTIME, &ts);
        r.timestamp = (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
        sink += umon_encode_record(frame, sizeof frame, &r);
    }
    double ns_encode = (now() - t) * 1e9 / calls;

    listener = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in a = { .sin_family = AF_INET };
    inet_pton(AF_INET, "127.0.0.1", &a.sin_addr);
    socklen_t al = sizeof a;
    if (bind(listener, (struct sockaddr *)&a, sizeof a) || listen(listener, 1)
        || getsockname(listener, (struct sockaddr *)&a, &al)) { perror("listen"); return 2; }
    pthread_t th;
    pthread_create(&th, NULL, discard, NULL);
    char address[64];
    snprintf(address, sizeof address, "127.0.0.1:%d", ntohs(a.sin_port));
    umon_config cfg = { .transport = UMON_TRANSPORT_TCP, .address = address, .name = "cost", .logger = "app",
                        .buffer_size = 256 * 1024, .flush_interval_ms = 100 /* as umon_init_from_env() */ };
    char err[256];
    umon_client *c = umon_client_open(&cfg, err, sizeof err);
    if (!c) { fprintf(stderr, "clientcost: %s\n", err); return 2; }
    umon_stats st;
    for (int i = 0; i < 2000; i++) {   /* until connected: the client connects in the background */
        umon_client_poll(c);
        umon_client_stats(c, &st);
        if (st.connects > 0) break;
        usleep(1000);
    }
    t = now();
    cpu = thread_cpu();
    for (long i = 0; i < calls; i++) umon_client_log(c, UMON_INFO, NULL, NULL, 0, FMT, i, (int)(i & 1023));
    double ns_send = (now() - t) * 1e9 / calls;
    double cpu_send = (thread_cpu() - cpu) * 1e9 / calls;
    umon_client_stats(c, &st);
    umon_client_close(c, "done");
    pthread_join(th, NULL);
    printf("clientcost calls=%ld snprintf_ns=%.0f encode_ns=%.0f send_log_ns=%.0f send_log_vs_snprintf=%.1f "
           "dropped=%llu sent=%llu snprintf_cpu_ns=%.0f send_log_cpu_ns=%.0f\n", calls, ns_snprintf, ns_encode,
           ns_send, ns_send / ns_snprintf, (unsigned long long)st.dropped, (unsigned long long)st.sent,
           cpu_snprintf, cpu_send);
    return sink == 42;
}
