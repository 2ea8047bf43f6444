/*
 * A freestanding multiboot guest for umonitor's QEMU backend tests. It prints what a rumprun
 * unikernel prints (the main() markers, _exit, PANIC, halted), log records in the protocol's console
 * encoding (PROTOCOL.md 5.3) on COM1, and ends the way its kernel command line asks:
 *
 *   test.end=exit    "=== main() of ... returned N ===", then isa-debug-exit at port 0xf4 with N
 *   test.end=halt    "=== _exit(N) called ===" and "halted", then stops the CPU without powering off
 *   test.end=panic   "PANIC: ..." and "halted", then stops the CPU
 *   test.end=hang    keeps running until the monitor stops it
 *   test.code=N      the exit code (default 0);  test.records=K  how many records (default 3)
 *   test.port=P      the isa-debug-exit port, decimal (default 244 = 0xf4; Unikraft's is 1281 = 0x501)
 *
 * Words umonitor adds (umonitor.name=...) are echoed so tests can check what the backend passed; the
 * log token is not among them (QEMU hands it over as the fw_cfg file opt/io.umonitor/token) and the
 * guest never prints it.
 *
 * Built with -DMBGUEST_UDP (with virtio_net.c, freestanding.c and the umonitor C client's
 * umonitor_log.c, umonitor_net.c and umonitor_fwcfg.c, all -DUMON_FREESTANDING -DUMON_FWCFG), a guest
 * with a virtio NIC and a umonitor.udp= word sends its records with the C client over UDP instead of
 * the console: the client reads the token from fw_cfg and presents it in every datagram's HELLO.
 *   test.records=K  then counts the records sent over UDP.
 * No libc: it is built with gcc -m32 -ffreestanding and ld -m elf_i386 alone.
 */

#include "freestanding.h"

#ifdef MBGUEST_UDP
#include "umonitor_fwcfg.h"
#include "umonitor_log.h"
#include "umonitor_net.h"
#include "virtio_net.h"
#endif

typedef uint8_t u8;
typedef uint16_t u16;
typedef uint32_t u32;
typedef uint64_t u64;

#define COM1 0x3f8

static void serial_init(void) {
    outb(COM1 + 1, 0x00);
    outb(COM1 + 3, 0x80);
    outb(COM1 + 0, 0x01); /* 115200 baud */
    outb(COM1 + 1, 0x00);
    outb(COM1 + 3, 0x03); /* 8N1 */
    outb(COM1 + 2, 0xC7);
    outb(COM1 + 4, 0x0B);
}

static void putc_serial(char c) {
    while ((inb(COM1 + 5) & 0x20) == 0) {
    }
    outb(COM1, (u8)c);
}

static void puts_serial(const char *s) {
    while (*s) putc_serial(*s++);
}

static u32 length(const char *s) {
    u32 n = 0;
    while (s[n]) n++;
    return n;
}

static void put_uint(u32 v) {
    char buf[12];
    int i = 0;
    do { buf[i++] = (char)('0' + v % 10); v /= 10; } while (v);
    while (i) putc_serial(buf[--i]);
}

/* ---- the kernel command line ---- */

static const char *cmdline = "";

static int separator(char c) {
    return c == ' ' || c == '"' || c == ',' || c == '{' || c == '}' || c == 0;
}

/*
 * Copies the value of word KEY=VALUE into out (empty when absent); returns 1 when present. Quotes,
 * commas and braces separate words too, so the same lookup works inside rumprun's JSON configuration.
 */
static int word_value(const char *key, char *out, u32 size) {
    u32 klen = length(key);
    const char *p = cmdline;
    out[0] = 0;
    while (*p) {
        while (*p && separator(*p)) p++;
        const char *w = p;
        while (!separator(*p)) p++;
        u32 i = 0;
        while (i < klen && w + i < p && w[i] == key[i]) i++;
        if (i == klen && w + klen < p && w[klen] == '=') {
            const char *v = w + klen + 1;
            u32 n = 0;
            while (v < p && n + 1 < size) out[n++] = *v++;
            out[n] = 0;
            return 1;
        }
    }
    return 0;
}

static u32 word_uint(const char *key, u32 fallback) {
    char v[16];
    if (!word_value(key, v, sizeof v) || !v[0]) return fallback;
    u32 n = 0;
    for (const char *c = v; *c >= '0' && *c <= '9'; c++) n = n * 10 + (u32)(*c - '0');
    return n;
}

static int equals(const char *a, const char *b) {
    while (*a && *a == *b) { a++; b++; }
    return *a == *b;
}

/* ---- protocol v1 frames in the console encoding ---- */

static u8 frame[1024];
static u32 flen;

static void put8(u32 v) { frame[flen++] = (u8)v; }
static void put16(u32 v) { put8(v >> 8); put8(v); }
static void put32(u32 v) { put16(v >> 16); put16(v); }
static void put64(u64 v) { put32((u32)(v >> 32)); put32((u32)v); }
static void str8(const char *s) { u32 n = length(s); put8(n); for (u32 i = 0; i < n; i++) put8((u8)s[i]); }
static void str16(const char *s) { u32 n = length(s); put16(n); for (u32 i = 0; i < n; i++) put8((u8)s[i]); }

static u32 crc32(const u8 *data, u32 n) {
    u32 crc = 0xFFFFFFFFu;
    for (u32 i = 0; i < n; i++) {
        crc ^= data[i];
        for (int b = 0; b < 8; b++) crc = (crc >> 1) ^ (0xEDB88320u & (0u - (crc & 1u)));
    }
    return ~crc;
}

static void begin_frame(u32 type) {
    flen = 0;
    put8(0x55); put8(0x4D); put8(0x01); put8(type);
    put32(0); /* body length, patched in end_frame */
}

static void end_frame(void) {
    u32 body = flen - 8;
    frame[4] = (u8)(body >> 24); frame[5] = (u8)(body >> 16); frame[6] = (u8)(body >> 8); frame[7] = (u8)body;
    put32(crc32(frame, flen));
    static const char alphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    puts_serial("@UM1:");
    for (u32 i = 0; i < flen; i += 3) {
        u32 rest = flen - i;
        u32 v = (u32)frame[i] << 16 | (rest > 1 ? (u32)frame[i + 1] << 8 : 0) | (rest > 2 ? frame[i + 2] : 0);
        putc_serial(alphabet[(v >> 18) & 63]);
        putc_serial(alphabet[(v >> 12) & 63]);
        putc_serial(rest > 1 ? alphabet[(v >> 6) & 63] : '=');
        putc_serial(rest > 2 ? alphabet[v & 63] : '=');
    }
    putc_serial('\n');
}

static void send_hello(const char *name) {
    begin_frame(0x01);
    str8(name); str8(""); str8("mbguest"); str8("0.1.0"); put64(7);
    end_frame();
}

static void send_record(u32 seq, u32 total, u32 level) {
    char msg[64] = "record ";
    u32 n = 7;
    char digits[12];
    int d = 0;
    u32 v = seq;
    do { digits[d++] = (char)('0' + v % 10); v /= 10; } while (v);
    while (d) msg[n++] = digits[--d];
    const char *tail = " from the multiboot guest";
    for (u32 i = 0; tail[i]; i++) msg[n++] = tail[i];
    msg[n] = 0;
    begin_frame(0x02);
    put64(seq);
    put8(0x02); /* no timestamp */
    put64(0);
    put8(level);
    str8("mbguest");
    str16(msg);
    put16(2);
    str8("function"); put8(0x01); str16("guest_main");
    str8("arg.total"); put8(0x02); put64(total);
    end_frame();
}

static void send_goodbye(u32 produced) {
    begin_frame(0x03);
    put64(produced); put64(0); str8("exit");
    end_frame();
}

#ifdef MBGUEST_UDP
/* ---- records over UDP with the umonitor C client ---- */

static umon_net net;

/* Reads a dotted IPv4 address; returns the character after it, or 0 when it is not one. */
static const char *parse_ip(const char *p, u8 out[4]) {
    for (int i = 0; i < 4; i++) {
        u32 v = 0;
        int digits = 0;
        while (*p >= '0' && *p <= '9' && digits < 3) { v = v * 10 + (u32)(*p++ - '0'); digits++; }
        if (!digits || v > 255 || (i < 3 && *p++ != '.')) return 0;
        out[i] = (u8)v;
    }
    return p;
}

/* The client's pause between attempts: keep receiving (the ARP reply for the collector) meanwhile. */
static void wait_a_moment(unsigned ms) {
    for (u32 i = 0; i < 2000u * (ms ? ms : 1); i++) {
        if ((i & 255) == 0) umon_net_poll(&net);
        __asm__ volatile("pause");
    }
}

static u64 rdtsc(void) {
    u32 lo, hi;
    __asm__ volatile("rdtsc" : "=a"(lo), "=d"(hi));
    return (u64)hi << 32 | lo;
}

/* Sends the records over UDP; returns 0 when the guest has no NIC or no collector address (use the console). */
static int send_over_udp(const char *name, u32 records) {
    char udp[32], ip_word[32], gw_word[32], legacy_token[80];
    u8 mac[6], ip[4], collector[4], gateway[4];
    if (!word_value("umonitor.udp", udp, sizeof udp) || !word_value("umonitor.ip", ip_word, sizeof ip_word)) return 0;
    const char *port_text = parse_ip(udp, collector);
    if (!port_text || *port_text != ':' || !parse_ip(ip_word, ip)) return 0;
    u32 port = 0;
    for (const char *c = port_text + 1; *c >= '0' && *c <= '9'; c++) port = port * 10 + (u32)(*c - '0');
    int have_gateway = word_value("umonitor.gw", gw_word, sizeof gw_word) && parse_ip(gw_word, gateway);
    if (!virtio_net_init(mac)) {
        puts_serial("mbguest: no virtio-net device, records go to the console\n");
        return 0;
    }
    net.write_frame = virtio_net_write;
    net.read_frame = virtio_net_read;
    umon_net_init(&net, mac, ip, collector, (u16)port, have_gateway ? gateway : 0);

    /* Say where the token came from, never what it is. */
    char token[80];
    long from_fw_cfg = umon_fwcfg_token(token, sizeof token);
    int legacy = word_value("umonitor.token", legacy_token, sizeof legacy_token) && legacy_token[0];
    puts_serial("mbguest: token ");
    if (legacy) puts_serial("from the command line (qemu.tokenOnCommandLine)");
    else if (from_fw_cfg > 0) { puts_serial("from fw_cfg, "); put_uint((u32)from_fw_cfg); puts_serial(" characters"); }
    else puts_serial("absent");
    putc_serial('\n');

    static umon_config config;
    config.transport = UMON_TRANSPORT_UDP;
    config.name = name;
    config.token = legacy ? legacy_token : 0; /* 0: the client reads fw_cfg itself (UMON_FWCFG) */
    config.logger = "mbguest";
    config.session = rdtsc() | 1;
    config.datagram_send = umon_net_send;
    config.datagram_ctx = &net;
    config.udp_max_datagram = UMON_NET_MAX_PAYLOAD;
    config.wait_ms = wait_a_moment;
    config.sync_level = UMON_SYNC_NEVER;
    int rc = umon_init(&config);
    if (rc != UMON_OK) {
        puts_serial("mbguest: umon_init failed: ");
        puts_serial(umon_init_error());
        putc_serial('\n');
        return 0;
    }
    for (u32 i = 0; i < records; i++) {
        umon_attr attrs[] = { UMON_A_STR("function", "guest_main"), UMON_A_I64("arg.total", (int64_t)records) };
        send_log_attrs(i + 1 == records ? UMON_WARN : UMON_INFO, attrs, 2, "record %u from the multiboot guest", (unsigned)i);
    }
    umon_stats stats;
    umon_client_stats(umon_default_client(), &stats);
    rc = umon_shutdown("exit");
    puts_serial("mbguest: udp: ");
    put_uint((u32)stats.produced);
    puts_serial(" records produced, ");
    put_uint((u32)net.datagrams_sent);
    puts_serial(" datagrams sent, shutdown ");
    puts_serial(umon_strerror(rc));
    putc_serial('\n');
    return 1;
}
#endif

static void stop_cpu(void) {
    for (;;) __asm__ volatile("cli; hlt");
}

void guest_main(u32 magic, u32 *info) {
    serial_init();
    if (magic == 0x2BADB002u && (info[0] & (1u << 2))) cmdline = (const char *)info[4];
    puts_serial("mbguest: booting\n");
    puts_serial("mbguest: cmdline ");
    puts_serial(cmdline);
    putc_serial('\n');

    char name[64], end[16];
    if ((!word_value("umonitor.name", name, sizeof name) || !name[0])
            && (!word_value("UMONITOR_NAME", name, sizeof name) || !name[0])) {
        name[0] = 'm'; name[1] = 'b'; name[2] = 0;
    }
    if (!word_value("test.end", end, sizeof end) || !end[0]) {
        end[0] = 'e'; end[1] = 'x'; end[2] = 'i'; end[3] = 't'; end[4] = 0;
    }
    u32 code = word_uint("test.code", 0);
    u32 records = word_uint("test.records", 3);
    u32 port = word_uint("test.port", 0xf4);

    /* In two pieces so that the image does not contain rumprun's marker and is detected as multiboot. */
    puts_serial("=== calling ");
    puts_serial("\"mbguest\" main() ===\n");
#ifdef MBGUEST_UDP
    int sent_over_udp = send_over_udp(name, records);
#else
    int sent_over_udp = 0;
#endif
    if (!sent_over_udp) {
        send_hello(name);
        for (u32 i = 0; i < records; i++) send_record(i, records, i + 1 == records ? 4 : 3);
        puts_serial("mbguest: plain console line between records\n");
        send_goodbye(records);
    }

    if (equals(end, "hang")) {
        puts_serial("mbguest: waiting to be stopped\n");
        stop_cpu(); /* with interrupts off: no IDT here, so a timer interrupt would triple-fault */
    }
    if (equals(end, "panic")) {
        puts_serial("PANIC: test panic requested on the command line\n");
        puts_serial("halted\n");
        stop_cpu();
    }
    if (equals(end, "halt")) {
        puts_serial("=== _exit("); put_uint(code); puts_serial(") called ===\n");
        puts_serial("halted\n");
        stop_cpu();
    }
    puts_serial("=== main() of \"mbguest\" returned "); put_uint(code); puts_serial(" ===\n");
    outl((u16)port, code);
    puts_serial("mbguest: isa-debug-exit absent, halting\n");
    puts_serial("halted\n");
    stop_cpu();
}
