/*
 * loadgen.c - load generator for umonitor's collector and for a syslog daemon, same workload for both.
 *
 *   -f umon    frames of umonitor's log protocol, built with the C client's encoder
 *              (umon_encode_hello/record/goodbye); each source is one sender with its own HELLO name
 *   -f syslog  RFC 5424 messages (octet-counting framing on TCP, one message per datagram on UDP)
 *
 * Modes (-m):
 *   tcp  K connections, one source each; N records in total, record i on connection i % K. Each
 *        connection's byte stream is built before timing (umon: HELLO, records, GOODBYE), then written
 *        with non-blocking writes, round-robin over the writable connections.
 *   udp  K sockets, one source each, one record per datagram (umon: HELLO + RECORD, the protocol's
 *        self-contained datagram), optionally paced (-r records/s, bursts of 256); at the end each
 *        umon source sends a GOODBYE datagram with its record count, so loss at the tail is counted too.
 *   lat  K TCP connections, paced (-r records/s in bursts of -B), blocking writes; every record's send
 *        time is kept, and the watcher notes when its line appears: prints latency percentiles.
 *
 * Every record is ~100 bytes on the wire: -l is the syslog MSG length (default 100, 104 framed), and a
 * umon RECORD frame is padded to the same framed size.
 *
 * Watcher (-w DIR): a thread reads every file of DIR whose name starts with the source prefix (-S)
 * incrementally and counts record lines (umonitor's own MONITOR lines, such as loss reports, are not
 * records and are counted apart). Time is measured from the first send until all N records are in
 * the files, or, when records are missing, until the last time the count grew (stall: no growth for
 * -q seconds after sending ended).
 *
 * Output: one line of key=value pairs on stdout.
 */
#define _GNU_SOURCE
#include "umonitor_log.h"

#include <arpa/inet.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

static const char *g_host = "127.0.0.1";
static int g_port = 0;
static int g_k = 1;
static long long g_n = 1000000;
static int g_msglen = 100;
static size_t g_chunk = 16384;
static const char *g_mode = "tcp";
static const char *g_format = "umon";
static const char *g_prefix = "src";
static const char *g_watch = NULL;
static double g_timeout = 120.0;
static double g_quiet = 5.0;
static double g_settle = 0.5;
static int g_poll_us = 2000;
static double g_rate = 0;
static int g_burst = 16;
static int g_umon;

static double now(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec + ts.tv_nsec / 1e9;
}

static void die(const char *m) { perror(m); exit(2); }

static void sleep_until(double t) {
    struct timespec ts = { (time_t)t, (long)((t - (time_t)t) * 1e9) };
    while (clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &ts, NULL) == EINTR) {}
}

/* ---------- watcher ---------- */
#define LINE_KEEP 200
struct wfile { char name[256]; int fd; off_t off; char line[LINE_KEEP]; int linelen; };
static atomic_int w_send_done;
static double w_t0, w_t_done, w_send_end;
static long long w_records, w_monitor_lines, w_bytes;
static int w_complete, w_nfiles;
static double *g_sent_at;      /* lat mode: send time per global record index */
static double *g_seen_at;      /* lat mode: time its line was first read */

static long long parse_seq(const char *line, int len) {
    const char *p = memmem(line, len, "seq=", 4);
    if (!p) return -1;
    long long v = 0;
    for (p += 4; p < line + len && *p >= '0' && *p <= '9'; p++) v = v * 10 + (*p - '0');
    return v;
}

static void on_line(struct wfile *f, double t) {
    int n = f->linelen < LINE_KEEP ? f->linelen : LINE_KEEP;
    /* umonitor's own records: "TIME LEVEL monitor [umonitor] ..." */
    if (g_umon && memmem(f->line, n < 64 ? n : 64, " monitor ", 9)) { w_monitor_lines++; return; }
    w_records++;
    if (g_seen_at) {
        long long s = parse_seq(f->line, n);
        if (s >= 0 && s < g_n && g_seen_at[s] == 0) g_seen_at[s] = t;
    }
}

static void scan(struct wfile *f, const char *buf, ssize_t r, double t) {
    const char *p = buf, *e = buf + r;
    if (!g_seen_at) {
        /* Throughput runs: count newlines, and umonitor's own lines by their fixed markers (kept cheap: the
         * watcher shares the machine with the collector under test): in umonitor's files "... monitor
         * [umonitor] ...", in rsyslog's files of the forwarding case the MSGID "... - MONITOR ..." (umonitor
         * forwards its own loss reports to rsyslog too; they are not the generator's records). */
        static const char *const marks[] = {" monitor [umonitor] ", " - MONITOR "};
        enum { LONGEST = sizeof " monitor [umonitor] " - 1 };
        for (const char *q = p; (q = memchr(q, '\n', e - q)); q++) w_records++;
        if (g_umon) {
            for (size_t m = 0; m < sizeof marks / sizeof marks[0]; m++) {
                const char *mark = marks[m];
                const int ml = (int)strlen(mark);
                char edge[2 * LONGEST];   /* a marker split between two reads */
                int keep = f->linelen < ml - 1 ? f->linelen : ml - 1;
                int head = r < ml - 1 ? (int)r : ml - 1;
                memcpy(edge, f->line + f->linelen - keep, keep);
                memcpy(edge + keep, buf, head);
                if (memmem(edge, keep + head, mark, ml)) { w_monitor_lines++; w_records--; }
                for (const char *q = p; (q = memmem(q, e - q, mark, ml)); q += ml) { w_monitor_lines++; w_records--; }
            }
            int tail = r < LONGEST - 1 ? (int)r : LONGEST - 1;
            memcpy(f->line, e - tail, tail);
            f->linelen = tail;
        }
        return;
    }
    while (p < e) {
        const char *nl = memchr(p, '\n', e - p);
        const char *end = nl ? nl : e;
        int room = LINE_KEEP - f->linelen;
        int take = (int)(end - p) < room ? (int)(end - p) : room;
        if (take > 0) { memcpy(f->line + f->linelen, p, take); f->linelen += take; }
        if (!nl) break;
        on_line(f, t);
        f->linelen = 0;
        p = nl + 1;
    }
}

static void *watcher(void *arg) {
    (void)arg;
    struct wfile *files = calloc(4096, sizeof *files);
    int nf = 0;
    size_t bufsz = 1 << 20, plen = strlen(g_prefix);
    char *buf = malloc(bufsz);
    long long bytes = 0;
    double last_change = now();
    for (;;) {
        DIR *d = opendir(g_watch);
        if (d) {
            struct dirent *de;
            while ((de = readdir(d))) {
                if (strncmp(de->d_name, g_prefix, plen)) continue;
                int known = 0;
                for (int i = 0; i < nf; i++)
                    if (!strcmp(files[i].name, de->d_name)) { known = 1; break; }
                if (known || nf >= 4096) continue;
                char p[4096];
                snprintf(p, sizeof p, "%s/%s", g_watch, de->d_name);
                int fd = open(p, O_RDONLY);
                if (fd < 0) continue;
                struct stat st;
                if (fstat(fd, &st) || !S_ISREG(st.st_mode)) { close(fd); continue; }
                snprintf(files[nf].name, sizeof files[nf].name, "%s", de->d_name);
                files[nf].fd = fd; files[nf].off = 0; files[nf].linelen = 0; nf++;
            }
            closedir(d);
        }
        long long before = w_records + w_monitor_lines;
        for (int i = 0; i < nf; i++) {
            for (;;) {
                ssize_t r = pread(files[i].fd, buf, bufsz, files[i].off);
                if (r <= 0) break;
                double t = now();
                files[i].off += r; bytes += r;
                scan(&files[i], buf, r, t);
                if ((size_t)r < bufsz) break;
            }
        }
        double t = now();
        if (w_records + w_monitor_lines != before) last_change = t;
        if (w_records >= g_n) { w_complete = 1; w_t_done = t; break; }
        if (atomic_load(&w_send_done)) {
            double ref = last_change > w_send_end ? last_change : w_send_end;
            if (t - ref > g_quiet) { w_t_done = last_change; break; }
        }
        if (t - w_t0 > g_timeout) { w_t_done = last_change; break; }
        usleep(g_poll_us);
    }
    w_bytes = bytes; w_nfiles = nf;
    for (int i = 0; i < nf; i++) close(files[i].fd);
    free(files); free(buf);
    return NULL;
}

/* ---------- records ---------- */
static char g_ts[64];
static char g_pad[512];
static int g_umon_msglen;      /* umon: message length that makes a RECORD frame g_msglen + 4 bytes */

static void source_name(char *out, size_t cap, int src) { snprintf(out, cap, "%s%03d", g_prefix, src); }

/* One framed record (TCP framing for syslog; the RECORD frame for umon). */
static int build_record(uint8_t *out, size_t cap, int src, long long seq_in_source, long long global) {
    char name[64];
    source_name(name, sizeof name, src);
    if (!g_umon) {
        char m[512];
        int n = snprintf(m, sizeof m, "<134>1 %s host%03d %s 42 - - seq=%010lld ", g_ts, src, name, global);
        while (n < g_msglen) m[n++] = 'x';
        if (!strcmp(g_mode, "udp")) { memcpy(out, m, n); return n; }
        int fl = snprintf((char *)out, cap, "%d ", n);
        memcpy(out + fl, m, n);
        return fl + n;
    }
    char m[512];
    int n = snprintf(m, sizeof m, "seq=%010lld ", global);
    while (n < g_umon_msglen) m[n++] = 'x';
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    umon_record r = { .sequence = (uint64_t)seq_in_source, .clock = UMON_CLOCK_WALL,
                      .timestamp = (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec, .level = UMON_INFO,
                      .logger = { name, UMON_STRLEN }, .message = { m, (size_t)n } };
    long len = umon_encode_record(out, cap, &r);
    if (len < 0) { fprintf(stderr, "loadgen: encode failed: %s\n", umon_strerror((int)len)); exit(2); }
    return (int)len;
}

static int build_hello(uint8_t *out, size_t cap, int src) {
    char name[64];
    source_name(name, sizeof name, src);
    umon_hello h = { .name = { name, UMON_STRLEN }, .token = { "", 0 }, .client_name = { "loadgen", UMON_STRLEN },
                     .client_version = { "1", UMON_STRLEN }, .session = 0x5eed0000u + (uint64_t)src };
    long len = umon_encode_hello(out, cap, &h);
    if (len < 0) { fprintf(stderr, "loadgen: hello failed: %s\n", umon_strerror((int)len)); exit(2); }
    return (int)len;
}

static int build_goodbye(uint8_t *out, size_t cap, long long produced) {
    umon_goodbye g = { .produced = (uint64_t)produced, .dropped = 0, .reason = { "done", UMON_STRLEN } };
    return (int)umon_encode_goodbye(out, cap, &g);
}

static int connect_to(int type) {
    int fd = socket(AF_INET, type, 0);
    if (fd < 0) die("socket");
    struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons(g_port) };
    inet_pton(AF_INET, g_host, &a.sin_addr);
    if (connect(fd, (struct sockaddr *)&a, sizeof a)) die("connect");
    return fd;
}

static double thread_cpu(void) {
    struct rusage ru;
    getrusage(RUSAGE_THREAD, &ru);
    return ru.ru_utime.tv_sec + ru.ru_utime.tv_usec / 1e6 + ru.ru_stime.tv_sec + ru.ru_stime.tv_usec / 1e6;
}

static void pump(int k, int *fds, uint8_t **bufs, size_t *lens) {
    size_t *off = calloc(k, sizeof *off);
    struct pollfd *pf = calloc(k, sizeof *pf);
    int *idx = calloc(k, sizeof *idx);
    int left = 0;
    for (int i = 0; i < k; i++) if (lens[i]) left++;
    while (left) {
        int np = 0;
        for (int i = 0; i < k; i++)
            if (off[i] < lens[i]) { pf[np].fd = fds[i]; pf[np].events = POLLOUT; idx[np++] = i; }
        int r = poll(pf, np, 10000);
        if (r < 0) { if (errno == EINTR) continue; die("poll"); }
        if (r == 0) { fprintf(stderr, "loadgen: poll timeout (10 s without progress)\n"); exit(3); }
        for (int j = 0; j < np; j++) {
            if (pf[j].revents & (POLLERR | POLLHUP)) { fprintf(stderr, "loadgen: connection error\n"); exit(3); }
            if (!(pf[j].revents & POLLOUT)) continue;
            int i = idx[j];
            size_t want = lens[i] - off[i];
            if (want > g_chunk) want = g_chunk;
            ssize_t w = write(fds[i], bufs[i] + off[i], want);
            if (w < 0) { if (errno == EAGAIN || errno == EINTR) continue; die("write"); }
            off[i] += w;
            if (off[i] == lens[i]) left--;
        }
    }
    free(off); free(pf); free(idx);
}

static void write_all(int fd, const uint8_t *p, size_t n) {
    while (n) {
        ssize_t w = write(fd, p, n);
        if (w < 0) { if (errno == EINTR) continue; die("write"); }
        p += w; n -= (size_t)w;
    }
}

static int cmp_double(const void *a, const void *b) {
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

int main(int argc, char **argv) {
    int c;
    while ((c = getopt(argc, argv, "f:m:H:p:k:n:l:c:w:T:q:s:P:r:B:S:")) != -1) {
        switch (c) {
        case 'f': g_format = optarg; break;
        case 'm': g_mode = optarg; break;
        case 'H': g_host = optarg; break;
        case 'p': g_port = atoi(optarg); break;
        case 'k': g_k = atoi(optarg); break;
        case 'n': g_n = atoll(optarg); break;
        case 'l': g_msglen = atoi(optarg); break;
        case 'c': g_chunk = (size_t)atoll(optarg); break;
        case 'w': g_watch = optarg; break;
        case 'T': g_timeout = atof(optarg); break;
        case 'q': g_quiet = atof(optarg); break;
        case 's': g_settle = atof(optarg); break;
        case 'P': g_poll_us = atoi(optarg); break;
        case 'r': g_rate = atof(optarg); break;
        case 'B': g_burst = atoi(optarg); break;
        case 'S': g_prefix = optarg; break;
        default:
            fprintf(stderr, "usage: loadgen -f umon|syslog -m tcp|udp|lat -p port [-k conns] [-n records]\n"
                            "  [-l msglen] [-c chunk] [-w watchdir] [-T timeout_s] [-q quiet_s] [-s settle_s]\n"
                            "  [-P poll_us] [-r records_per_s] [-B burst] [-S source_prefix]\n");
            return 1;
        }
    }
    g_umon = !strcmp(g_format, "umon");
    int udp = !strcmp(g_mode, "udp"), lat = !strcmp(g_mode, "lat");
    if ((!g_umon && strcmp(g_format, "syslog")) || (!udp && !lat && strcmp(g_mode, "tcp")) || g_port <= 0
        || g_k < 1 || g_k > 4000 || g_n < 1 || g_msglen < 80 || g_msglen > 400 || (lat && g_rate <= 0)) {
        fprintf(stderr, "loadgen: bad arguments (see the usage comment in loadgen.c)\n");
        return 1;
    }
    {
        struct timespec ts; clock_gettime(CLOCK_REALTIME, &ts);
        struct tm tm; gmtime_r(&ts.tv_sec, &tm);
        char b[32]; strftime(b, sizeof b, "%Y-%m-%dT%H:%M:%S", &tm);
        snprintf(g_ts, sizeof g_ts, "%s.%06ldZ", b, ts.tv_nsec / 1000);
    }
    memset(g_pad, 'x', sizeof g_pad);
    if (g_umon) {   /* pad the message so a RECORD frame is as long as a framed syslog message */
        uint8_t tmp[1024];
        g_umon_msglen = 0;
        int base = build_record(tmp, sizeof tmp, 0, 0, 0);
        g_umon_msglen = g_msglen + 4 - base;
        if (g_umon_msglen < 16) g_umon_msglen = 16;
    }

    int k = g_k;
    int *fds = calloc(k, sizeof *fds);
    uint8_t **bufs = calloc(k, sizeof *bufs);
    size_t *lens = calloc(k, sizeof *lens);
    long long *per_source = calloc(k, sizeof *per_source);
    long long wire = 0;
    uint8_t *recs = NULL; int *reclen = NULL; const int slot = 1024;

    /* ---- prepare payload (not timed) ---- */
    if (!udp && !lat) {
        size_t cap_each = (size_t)((g_n / k + 1) * (g_msglen + 16)) + 1024;
        for (int i = 0; i < k; i++) {
            bufs[i] = malloc(cap_each);
            if (g_umon) lens[i] = build_hello(bufs[i], cap_each, i);
        }
        for (long long s = 0; s < g_n; s++) {
            int src = (int)(s % k);
            int n = build_record(bufs[src] + lens[src], 1024, src, per_source[src]++, s);
            lens[src] += n; wire += n;
        }
        if (g_umon)
            for (int i = 0; i < k; i++) lens[i] += build_goodbye(bufs[i] + lens[i], 1024, per_source[i]);
    } else {
        recs = malloc((size_t)g_n * slot);
        reclen = malloc(sizeof(int) * g_n);
        for (long long s = 0; s < g_n; s++) {
            int src = (int)(s % k);
            uint8_t *p = recs + s * slot;
            int h = (udp && g_umon) ? build_hello(p, slot, src) : 0;
            reclen[s] = h + build_record(p + h, slot - h, src, per_source[src]++, s);
            wire += reclen[s] - h;
        }
        if (lat) {
            g_sent_at = calloc(g_n, sizeof(double));
            g_seen_at = calloc(g_n, sizeof(double));
        }
    }

    /* ---- connect (not timed) ---- */
    for (int i = 0; i < k; i++) {
        fds[i] = connect_to(udp ? SOCK_DGRAM : SOCK_STREAM);
        if (!udp && !lat) fcntl(fds[i], F_SETFL, fcntl(fds[i], F_GETFL) | O_NONBLOCK);
        if (lat) {   /* a burst must leave at once, not wait for the previous one's ACK (Nagle) */
            int one = 1;
            setsockopt(fds[i], IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
        }
        if (lat && g_umon) {
            uint8_t h[512];
            write_all(fds[i], h, build_hello(h, sizeof h, i));
        }
    }
    if (g_settle > 0) usleep((useconds_t)(g_settle * 1e6));

    pthread_t wt;
    double t0 = now();
    w_t0 = t0;
    if (g_watch && pthread_create(&wt, NULL, watcher, NULL)) die("pthread_create");
    double cpu0 = thread_cpu();

    /* ---- send (timed) ---- */
    long long sent = 0, send_err = 0;
    if (udp) {
        for (long long s = 0; s < g_n; s++) {
            if (g_rate > 0 && (s & 255) == 0) {
                double due = t0 + s / g_rate;
                if (due > now()) sleep_until(due);
            }
            for (int tries = 0;; tries++) {
                ssize_t w = send(fds[s % k], recs + s * slot, reclen[s], 0);
                if (w >= 0) { sent++; break; }
                if ((errno == ENOBUFS || errno == EAGAIN || errno == EINTR) && tries < 1000) continue;
                send_err++; break;
            }
        }
        if (g_umon) {   /* the tail: every source says how many records it produced */
            usleep(100000);
            for (int i = 0; i < k; i++) {
                uint8_t d[1024];
                int h = build_hello(d, sizeof d, i);
                int g = build_goodbye(d + h, sizeof d - h, per_source[i]);
                if (send(fds[i], d, h + g, 0) < 0) send_err++;
            }
        }
    } else if (lat) {
        for (long long s = 0; s < g_n; s += g_burst) {
            double due = t0 + s / g_rate;
            if (due > now()) sleep_until(due);
            long long e = s + g_burst < g_n ? s + g_burst : g_n;
            for (int i = 0; i < k; i++) {   /* one write per connection per burst */
                uint8_t out[65536]; size_t n = 0;
                for (long long j = s + i; j < e; j += k) {
                    memcpy(out + n, recs + j * slot, reclen[j]); n += reclen[j];
                }
                double t = now();
                for (long long j = s + i; j < e; j += k) g_sent_at[j] = t;
                if (n) write_all(fds[i], out, n);
            }
            sent = e;
        }
        if (g_umon)
            for (int i = 0; i < k; i++) {
                uint8_t g[256];
                write_all(fds[i], g, build_goodbye(g, sizeof g, per_source[i]));
            }
    } else {
        pump(k, fds, bufs, lens);
        sent = g_n;
    }
    double t_send = now();
    double send_cpu = thread_cpu() - cpu0;
    w_send_end = t_send;
    atomic_store(&w_send_done, 1);

    if (g_watch) pthread_join(wt, NULL);
    for (int i = 0; i < k; i++) close(fds[i]);

    double send_s = t_send - t0;
    struct rusage ru; getrusage(RUSAGE_SELF, &ru);
    double gen_cpu = ru.ru_utime.tv_sec + ru.ru_utime.tv_usec / 1e6 + ru.ru_stime.tv_sec + ru.ru_stime.tv_usec / 1e6;
    printf("format=%s mode=%s k=%d n=%lld sent=%lld send_err=%lld wire_bytes=%lld send_s=%.4f send_rate=%.0f "
           "send_cpu_s=%.3f gen_cpu_s=%.3f",
           g_format, g_mode, k, g_n, sent, send_err, wire, send_s, sent / send_s, send_cpu, gen_cpu);
    if (g_watch) {
        double e2e = w_t_done - t0;
        printf(" received=%lld monitor_lines=%lld complete=%d files=%d out_bytes=%lld e2e_s=%.4f e2e_rate=%.0f "
               "e2e_MBps=%.2f",
               w_records, w_monitor_lines, w_complete, w_nfiles, w_bytes, e2e, w_records / e2e,
               wire * ((double)w_records / (sent ? sent : 1)) / e2e / 1e6);
    }
    if (lat && g_watch) {
        double *l = malloc(sizeof(double) * g_n);
        long long m = 0;
        for (long long s = 0; s < g_n; s++)
            if (g_seen_at[s] > 0) l[m++] = (g_seen_at[s] - g_sent_at[s]) * 1e6;
        if (m) {
            qsort(l, m, sizeof(double), cmp_double);
            printf(" lat_n=%lld lat_p50_us=%.0f lat_p99_us=%.0f lat_p999_us=%.0f lat_max_us=%.0f", m,
                   l[(long long)(m * 0.5)], l[(long long)(m * 0.99)], l[(long long)(m * 0.999)], l[m - 1]);
        }
    }
    printf("\n");
    return 0;
}
