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
 * Words umonitor adds (umonitor.name=...) are echoed so tests can check what the backend passed.
 * No libc, no headers: it is built with gcc -m32 -ffreestanding and ld -m elf_i386 alone.
 */

typedef unsigned char u8;
typedef unsigned short u16;
typedef unsigned int u32;
typedef unsigned long long u64;

#define COM1 0x3f8

static inline void outb(u16 port, u8 value) { __asm__ volatile("outb %0, %1" : : "a"(value), "Nd"(port)); }
static inline void outl(u16 port, u32 value) { __asm__ volatile("outl %0, %1" : : "a"(value), "Nd"(port)); }
static inline u8 inb(u16 port) { u8 v; __asm__ volatile("inb %1, %0" : "=a"(v) : "Nd"(port)); return v; }

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
    send_hello(name);
    for (u32 i = 0; i < records; i++) send_record(i, records, i + 1 == records ? 4 : 3);
    puts_serial("mbguest: plain console line between records\n");
    send_goodbye(records);

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
