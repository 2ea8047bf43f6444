/*
 * umt_guest - a small Solo5 unikernel for umonitor's integration tests (not part of Solo5).
 *
 * Prints the console-encoded log records the test generated with umonitor's Java FrameEncoder
 * (records.h, one "@UM1:<base64>" line each), then acts on its command line, whose words are:
 *   --ipv4=A.B.C.D/P   answer ARP and ping for A.B.C.D on service0 (MirageOS's boot parameter)
 *   serve              keep answering (without network: waiting) until stopped; otherwise return
 *                      after the records
 *   exit=N             end with solo5_exit(N)
 *   abort              end with solo5_abort()
 * Other words (--umonitor-name=..., --ipv4-gateway=...) are printed and otherwise ignored.
 * Built with -DUMT_NO_NET (and a manifest without devices) it has no network device.
 */
#include "solo5.h"
#include "records.h"

#include <stddef.h>
#include <stdint.h>

/* The compiler may emit calls to these for struct copies; there is no libc. */
void *memcpy(void *dst, const void *src, size_t n)
{
    uint8_t *d = dst;
    const uint8_t *s = src;
    while (n--)
        *d++ = *s++;
    return dst;
}

void *memset(void *dst, int c, size_t n)
{
    uint8_t *d = dst;
    while (n--)
        *d++ = (uint8_t)c;
    return dst;
}

static size_t length(const char *s)
{
    size_t n = 0;
    while (s[n])
        n++;
    return n;
}

static void puts_(const char *s)
{
    solo5_console_write(s, length(s));
}

static int starts_with(const char *s, const char *prefix)
{
    while (*prefix)
        if (*s++ != *prefix++)
            return 0;
    return 1;
}

/* Parses a decimal number up to a non-digit; *end points after it. */
static unsigned number(const char *s, const char **end)
{
    unsigned v = 0;
    while (*s >= '0' && *s <= '9')
        v = v * 10 + (unsigned)(*s++ - '0');
    *end = s;
    return v;
}

static uint8_t my_ip[4];
static int have_ip;
static uint8_t my_mac[6];

static uint16_t checksum_fold(uint32_t sum)
{
    while (sum >> 16)
        sum = (sum & 0xffff) + (sum >> 16);
    return (uint16_t)~sum;
}

static uint16_t checksum(const uint8_t *p, size_t n)
{
    uint32_t sum = 0;
    for (size_t i = 0; i + 1 < n; i += 2)
        sum += (uint32_t)(p[i] << 8 | p[i + 1]);
    if (n & 1)
        sum += (uint32_t)(p[n - 1] << 8);
    return checksum_fold(sum);
}

static int same(const uint8_t *a, const uint8_t *b, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (a[i] != b[i])
            return 0;
    return 1;
}

/* Turns an ARP request or ICMP echo request for my_ip in place into its reply; returns its length. */
static size_t reply(uint8_t *f, size_t n)
{
    if (n < 42)
        return 0;
    uint16_t type = (uint16_t)(f[12] << 8 | f[13]);
    if (type == 0x0806 && f[21] == 1 && same(f + 38, my_ip, 4)) { /* ARP request for us */
        memcpy(f, f + 6, 6);
        memcpy(f + 6, my_mac, 6);
        f[21] = 2;
        memcpy(f + 32, f + 22, 10);     /* target = old sender */
        memcpy(f + 22, my_mac, 6);
        memcpy(f + 28, my_ip, 4);
        return 42;
    }
    if (type == 0x0800 && f[23] == 1 && same(f + 30, my_ip, 4)) { /* IPv4 ICMP to us */
        size_t ihl = (size_t)(f[14] & 0x0f) * 4;
        size_t total = (size_t)(f[16] << 8 | f[17]);
        uint8_t *icmp = f + 14 + ihl;
        if (14 + total > n || icmp[0] != 8)
            return 0;
        memcpy(f, f + 6, 6);
        memcpy(f + 6, my_mac, 6);
        uint8_t src[4];
        memcpy(src, f + 26, 4);
        memcpy(f + 26, f + 30, 4);
        memcpy(f + 30, src, 4);
        icmp[0] = 0;
        icmp[2] = icmp[3] = 0;
        uint16_t c = checksum(icmp, total - ihl);
        icmp[2] = (uint8_t)(c >> 8);
        icmp[3] = (uint8_t)c;
        return 14 + total;
    }
    return 0;
}

static int parse_ipv4(const char *s)
{
    for (int i = 0; i < 4; i++) {
        const char *end;
        unsigned v = number(s, &end);
        if (end == s || v > 255 || (i < 3 && *end != '.'))
            return 0;
        my_ip[i] = (uint8_t)v;
        s = end + 1;
    }
    return 1;
}

int solo5_app_main(const struct solo5_start_info *si)
{
    puts_("umt_guest: started, command line: ");
    puts_(si->cmdline);
    puts_("\n");
    for (size_t i = 0; i < sizeof(UMT_RECORDS) / sizeof(UMT_RECORDS[0]); i++) {
        puts_(UMT_RECORDS[i]);
        puts_("\n");
    }

    int serve = 0, exit_code = 0, do_abort = 0;
    for (const char *w = si->cmdline; *w;) {
        while (*w == ' ')
            w++;
        if (starts_with(w, "--ipv4="))
            have_ip = parse_ipv4(w + 7);
        else if (starts_with(w, "serve"))
            serve = 1;
        else if (starts_with(w, "exit=")) {
            const char *end;
            exit_code = (int)number(w + 5, &end);
        } else if (starts_with(w, "abort"))
            do_abort = 1;
        while (*w && *w != ' ')
            w++;
    }
    if (do_abort)
        solo5_abort();

#ifdef UMT_NO_NET
    (void)reply;
    if (serve) {
        puts_("umt_guest: waiting\n");
        for (;;)
            solo5_yield(solo5_clock_monotonic() + 1000000000ULL, NULL);
    }
    return exit_code;
#else
    solo5_handle_t net;
    struct solo5_net_info info;
    if (solo5_net_acquire("service0", &net, &info) != SOLO5_R_OK) {
        puts_("umt_guest: cannot acquire service0\n");
        return 3;
    }
    memcpy(my_mac, info.mac_address, 6);
    if (serve && have_ip) {
        puts_("umt_guest: serving ping\n");
        static uint8_t frame[2048];
        for (;;) {
            solo5_handle_set_t ready;
            solo5_yield(solo5_clock_monotonic() + 1000000000ULL, &ready);
            size_t n;
            while (solo5_net_read(net, frame, sizeof frame, &n) == SOLO5_R_OK) {
                size_t r = reply(frame, n);
                if (r)
                    solo5_net_write(net, frame, r);
            }
        }
    }
    return exit_code;
#endif
}
