/*
 * umonitor_log.c - see umonitor_log.h. Layout of this file:
 *   1. encoder (pure, no I/O)           3. POSIX transports: TCP, UDP sockets, console fd
 *   2. client core (buffer, numbering)  4. process-wide client (send_log)
 * Only section 3 touches sockets; with -DUMON_NO_POSIX it is left out and a freestanding target
 * supplies console_write / datagram_send callbacks instead (umonitor_solo5.c). With
 * -DUMON_FREESTANDING (implies both NO_ switches) not even a C library is assumed: only memcpy,
 * memmove, memset and memcmp, which every freestanding C environment must provide; formatting and
 * memory (a static arena of UMON_ARENA_SIZE bytes) come from section 0.
 */
#ifdef UMON_FREESTANDING
#ifndef UMON_NO_POSIX
#define UMON_NO_POSIX
#endif
#ifndef UMON_NO_THREADS
#define UMON_NO_THREADS
#endif
#endif

#if !defined(UMON_NO_POSIX) && !defined(_POSIX_C_SOURCE)
#define _POSIX_C_SOURCE 200809L
#endif

#include "umonitor_log.h"
#ifdef UMON_FWCFG
#include "umonitor_fwcfg.h"
#endif

#ifndef UMON_FREESTANDING
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#define u_strlen strlen
#define u_vsnprintf vsnprintf
#define u_malloc malloc
#define u_calloc calloc
#define u_free free
#endif

#ifndef UMON_NO_POSIX
#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <signal.h>
#include <strings.h>
#include <sys/socket.h>
#include <sys/types.h>
#include <time.h>
#include <unistd.h>
#endif

/* ============================================================================================== */
/* 0. Freestanding support: string length, formatting, a static arena (UMON_FREESTANDING only)    */
/* ============================================================================================== */
#ifdef UMON_FREESTANDING

void *memcpy(void *dst, const void *src, size_t n);
void *memmove(void *dst, const void *src, size_t n);
void *memset(void *dst, int c, size_t n);
int memcmp(const void *a, const void *b, size_t n);

#ifndef UMON_ARENA_SIZE
#define UMON_ARENA_SIZE (96 * 1024)  /* one client with the default 64 KiB buffer */
#endif

static union {
    uint64_t align_u64;
    double align_double;
    void *align_pointer;
    unsigned char bytes[UMON_ARENA_SIZE];
} arena;
static size_t arena_used;

static size_t u_strlen(const char *s)
{
    size_t n = 0;
    while (s[n] != '\0')
        n++;
    return n;
}

/* Never returns memory to the arena: clients are opened once per boot. */
static void *u_malloc(size_t n)
{
    void *p;
    n = (n + 15) & ~(size_t)15;
    if (n > sizeof arena.bytes - arena_used)
        return NULL;
    p = arena.bytes + arena_used;
    arena_used += n;
    memset(p, 0, n);
    return p;
}

static void *u_calloc(size_t count, size_t size)
{
    return size != 0 && count > (size_t)-1 / size ? NULL : u_malloc(count * size);
}

static void u_free(void *p)
{
    (void)p;
}

typedef struct fmt_out {
    char *p;
    size_t size;
    size_t len;
} fmt_out;

static void fmt_char(fmt_out *o, char c)
{
    if (o->len + 1 < o->size)
        o->p[o->len] = c;
    o->len++;
}

static void fmt_field(fmt_out *o, const char *prefix, const char *body, size_t n, int width, int left,
                      int zero)
{
    size_t prefix_len = u_strlen(prefix), i;
    int pad = width - (int)(prefix_len + n);
    if (!left && !zero)
        for (; pad > 0; pad--)
            fmt_char(o, ' ');
    for (i = 0; i < prefix_len; i++)
        fmt_char(o, prefix[i]);
    if (!left && zero)
        for (; pad > 0; pad--)
            fmt_char(o, '0');
    for (i = 0; i < n; i++)
        fmt_char(o, body[i]);
    for (; pad > 0; pad--)
        fmt_char(o, ' ');
}

/* Digits of v in base, at least min_digits of them, into the end of buf; returns the first. */
static char *fmt_digits(char *end, unsigned long long v, unsigned base, int upper, int min_digits)
{
    const char *digits = upper ? "0123456789ABCDEF" : "0123456789abcdef";
    char *p = end;
    do {
        *--p = digits[v % base];
        v /= base;
        min_digits--;
    } while (v != 0 || min_digits > 0);
    return p;
}

static void fmt_double(fmt_out *o, double v, int precision, int width, int left, int zero, const char *sign)
{
    char buf[64];
    char *end = buf + sizeof buf, *p;
    unsigned long long whole, frac;
    unsigned long long scale = 1;
    int i;
    if (v != v) {
        fmt_field(o, "", "nan", 3, width, left, 0);
        return;
    }
    if (v < 0) {
        v = -v;
        sign = "-";
    }
    if (v > 1e18) {
        fmt_field(o, sign, "inf", 3, width, left, 0);  /* beyond what this formatter spells out */
        return;
    }
    if (precision < 0)
        precision = 6;
    if (precision > 9)
        precision = 9;
    for (i = 0; i < precision; i++)
        scale *= 10;
    whole = (unsigned long long)v;
    {
        /* round half to even, as C libraries do in the default rounding mode */
        double scaled = (v - (double)whole) * (double)scale;
        double rest;
        frac = (unsigned long long)scaled;
        rest = scaled - (double)frac;
        if (rest > 0.5 || (rest == 0.5 && (frac & 1)))
            frac++;
    }
    if (frac >= scale) {
        whole++;
        frac -= scale;
    }
    p = end;
    if (precision > 0) {
        p = fmt_digits(p, frac, 10, 0, precision);
        *--p = '.';
    }
    p = fmt_digits(p, whole, 10, 0, 1);
    fmt_field(o, sign, p, (size_t)(end - p), width, left, zero);
}

/* The printf subset a log message needs: flags - 0 + space #, width and precision (or *), length
 * hh h l ll z j t, conversions d i u x X o c s p f F e E g G %. Floats print in fixed notation. */
static int u_vsnprintf(char *out, size_t size, const char *fmt, va_list ap)
{
    fmt_out o;
    o.p = out;
    o.size = size;
    o.len = 0;
    while (*fmt != '\0') {
        int left = 0, zero = 0, plus = 0, space = 0, alt = 0, width = 0, precision = -1;
        int length = 0;  /* 0 int, 1 long, 2 long long, 3 size_t, -1 short, -2 char */
        char conv, buf[72];
        char *end = buf + sizeof buf, *p;
        if (*fmt != '%') {
            fmt_char(&o, *fmt++);
            continue;
        }
        fmt++;
        for (;; fmt++) {
            if (*fmt == '-') left = 1;
            else if (*fmt == '0') zero = 1;
            else if (*fmt == '+') plus = 1;
            else if (*fmt == ' ') space = 1;
            else if (*fmt == '#') alt = 1;
            else break;
        }
        if (*fmt == '*') {
            width = va_arg(ap, int);
            if (width < 0) {
                left = 1;
                width = -width;
            }
            fmt++;
        } else {
            while (*fmt >= '0' && *fmt <= '9')
                width = width * 10 + (*fmt++ - '0');
        }
        if (*fmt == '.') {
            fmt++;
            precision = 0;
            if (*fmt == '*') {
                precision = va_arg(ap, int);
                fmt++;
            } else {
                while (*fmt >= '0' && *fmt <= '9')
                    precision = precision * 10 + (*fmt++ - '0');
            }
        }
        for (;; fmt++) {
            if (*fmt == 'l') length = length == 1 ? 2 : 1;
            else if (*fmt == 'h') length = length == -1 ? -2 : -1;
            else if (*fmt == 'z' || *fmt == 'j' || *fmt == 't') length = 3;
            else if (*fmt == 'L') length = 0;
            else break;
        }
        conv = *fmt;
        if (conv == '\0')
            break;
        fmt++;
        if (left || precision >= 0)
            zero = 0;
        switch (conv) {
        case 'd':
        case 'i': {
            long long v = length == 2 ? va_arg(ap, long long)
                          : length == 1 ? va_arg(ap, long)
                          : length == 3 ? (long long)va_arg(ap, size_t)
                                        : va_arg(ap, int);
            unsigned long long magnitude;
            if (length == -1) v = (short)v;
            if (length == -2) v = (signed char)v;
            magnitude = v < 0 ? 0ull - (unsigned long long)v : (unsigned long long)v;
            p = fmt_digits(end, magnitude, 10, 0, precision < 0 ? 1 : precision);
            if (precision == 0 && v == 0)
                p = end;
            fmt_field(&o, v < 0 ? "-" : plus ? "+" : space ? " " : "", p, (size_t)(end - p), width, left, zero);
            break;
        }
        case 'u':
        case 'x':
        case 'X':
        case 'o': {
            unsigned long long v = length == 2 ? va_arg(ap, unsigned long long)
                                   : length == 1 ? va_arg(ap, unsigned long)
                                   : length == 3 ? va_arg(ap, size_t)
                                                 : va_arg(ap, unsigned int);
            unsigned base = conv == 'u' ? 10 : conv == 'o' ? 8 : 16;
            if (length == -1) v = (unsigned short)v;
            if (length == -2) v = (unsigned char)v;
            p = fmt_digits(end, v, base, conv == 'X', precision < 0 ? 1 : precision);
            if (precision == 0 && v == 0)
                p = end;
            fmt_field(&o, alt && v != 0 && base == 16 ? (conv == 'X' ? "0X" : "0x") : alt && base == 8 ? "0" : "",
                      p, (size_t)(end - p), width, left, zero);
            break;
        }
        case 'p': {
            uintptr_t v = (uintptr_t)va_arg(ap, void *);
            p = fmt_digits(end, v, 16, 0, 1);
            fmt_field(&o, "0x", p, (size_t)(end - p), width, left, 0);
            break;
        }
        case 'c':
            buf[0] = (char)va_arg(ap, int);
            fmt_field(&o, "", buf, 1, width, left, 0);
            break;
        case 's': {
            const char *str = va_arg(ap, const char *);
            size_t n = 0;
            if (str == NULL)
                str = "(null)";
            while (str[n] != '\0' && (precision < 0 || n < (size_t)precision))
                n++;
            fmt_field(&o, "", str, n, width, left, 0);
            break;
        }
        case 'f': case 'F': case 'e': case 'E': case 'g': case 'G':
            fmt_double(&o, va_arg(ap, double), precision, width, left, zero, plus ? "+" : space ? " " : "");
            break;
        case '%':
            fmt_char(&o, '%');
            break;
        default:  /* unknown conversion: show it rather than guess at its argument */
            fmt_char(&o, '%');
            fmt_char(&o, conv);
            break;
        }
    }
    if (size > 0)
        out[o.len < size ? o.len : size - 1] = '\0';
    return (int)o.len;
}

#endif /* UMON_FREESTANDING */

#if !defined(UMON_NO_THREADS) && !defined(UMON_NO_POSIX)
#include <pthread.h>
#define UMON_HAVE_THREADS 1
#endif

/* Longest message send_log() formats; longer output is cut at a character boundary. */
#ifndef UMON_MESSAGE_MAX
#define UMON_MESSAGE_MAX 4096
#endif

const char *umon_strerror(int code)
{
    switch (code) {
    case UMON_OK: return "ok";
    case UMON_E_INVALID: return "invalid argument";
    case UMON_E_TOO_LONG: return "frame too long";
    case UMON_E_FULL: return "buffer full, record dropped";
    case UMON_E_ADDRESS: return "bad collector address";
    case UMON_E_SYSTEM: return "system error";
    case UMON_E_CLOSED: return "client not open";
    case UMON_E_UNSUPPORTED: return "transport not available in this build";
    case UMON_E_TIMEOUT: return "timed out";
    default: return "unknown error";
    }
}

/* ============================================================================================== */
/* 1. Encoder                                                                                     */
/* ============================================================================================== */

/* One lookup per byte: the CRC covers every byte of every frame, so it is on the hot path. */
static const uint32_t crc_table[256] = {
    0x00000000u, 0x77073096u, 0xee0e612cu, 0x990951bau, 0x076dc419u, 0x706af48fu,
    0xe963a535u, 0x9e6495a3u, 0x0edb8832u, 0x79dcb8a4u, 0xe0d5e91eu, 0x97d2d988u,
    0x09b64c2bu, 0x7eb17cbdu, 0xe7b82d07u, 0x90bf1d91u, 0x1db71064u, 0x6ab020f2u,
    0xf3b97148u, 0x84be41deu, 0x1adad47du, 0x6ddde4ebu, 0xf4d4b551u, 0x83d385c7u,
    0x136c9856u, 0x646ba8c0u, 0xfd62f97au, 0x8a65c9ecu, 0x14015c4fu, 0x63066cd9u,
    0xfa0f3d63u, 0x8d080df5u, 0x3b6e20c8u, 0x4c69105eu, 0xd56041e4u, 0xa2677172u,
    0x3c03e4d1u, 0x4b04d447u, 0xd20d85fdu, 0xa50ab56bu, 0x35b5a8fau, 0x42b2986cu,
    0xdbbbc9d6u, 0xacbcf940u, 0x32d86ce3u, 0x45df5c75u, 0xdcd60dcfu, 0xabd13d59u,
    0x26d930acu, 0x51de003au, 0xc8d75180u, 0xbfd06116u, 0x21b4f4b5u, 0x56b3c423u,
    0xcfba9599u, 0xb8bda50fu, 0x2802b89eu, 0x5f058808u, 0xc60cd9b2u, 0xb10be924u,
    0x2f6f7c87u, 0x58684c11u, 0xc1611dabu, 0xb6662d3du, 0x76dc4190u, 0x01db7106u,
    0x98d220bcu, 0xefd5102au, 0x71b18589u, 0x06b6b51fu, 0x9fbfe4a5u, 0xe8b8d433u,
    0x7807c9a2u, 0x0f00f934u, 0x9609a88eu, 0xe10e9818u, 0x7f6a0dbbu, 0x086d3d2du,
    0x91646c97u, 0xe6635c01u, 0x6b6b51f4u, 0x1c6c6162u, 0x856530d8u, 0xf262004eu,
    0x6c0695edu, 0x1b01a57bu, 0x8208f4c1u, 0xf50fc457u, 0x65b0d9c6u, 0x12b7e950u,
    0x8bbeb8eau, 0xfcb9887cu, 0x62dd1ddfu, 0x15da2d49u, 0x8cd37cf3u, 0xfbd44c65u,
    0x4db26158u, 0x3ab551ceu, 0xa3bc0074u, 0xd4bb30e2u, 0x4adfa541u, 0x3dd895d7u,
    0xa4d1c46du, 0xd3d6f4fbu, 0x4369e96au, 0x346ed9fcu, 0xad678846u, 0xda60b8d0u,
    0x44042d73u, 0x33031de5u, 0xaa0a4c5fu, 0xdd0d7cc9u, 0x5005713cu, 0x270241aau,
    0xbe0b1010u, 0xc90c2086u, 0x5768b525u, 0x206f85b3u, 0xb966d409u, 0xce61e49fu,
    0x5edef90eu, 0x29d9c998u, 0xb0d09822u, 0xc7d7a8b4u, 0x59b33d17u, 0x2eb40d81u,
    0xb7bd5c3bu, 0xc0ba6cadu, 0xedb88320u, 0x9abfb3b6u, 0x03b6e20cu, 0x74b1d29au,
    0xead54739u, 0x9dd277afu, 0x04db2615u, 0x73dc1683u, 0xe3630b12u, 0x94643b84u,
    0x0d6d6a3eu, 0x7a6a5aa8u, 0xe40ecf0bu, 0x9309ff9du, 0x0a00ae27u, 0x7d079eb1u,
    0xf00f9344u, 0x8708a3d2u, 0x1e01f268u, 0x6906c2feu, 0xf762575du, 0x806567cbu,
    0x196c3671u, 0x6e6b06e7u, 0xfed41b76u, 0x89d32be0u, 0x10da7a5au, 0x67dd4accu,
    0xf9b9df6fu, 0x8ebeeff9u, 0x17b7be43u, 0x60b08ed5u, 0xd6d6a3e8u, 0xa1d1937eu,
    0x38d8c2c4u, 0x4fdff252u, 0xd1bb67f1u, 0xa6bc5767u, 0x3fb506ddu, 0x48b2364bu,
    0xd80d2bdau, 0xaf0a1b4cu, 0x36034af6u, 0x41047a60u, 0xdf60efc3u, 0xa867df55u,
    0x316e8eefu, 0x4669be79u, 0xcb61b38cu, 0xbc66831au, 0x256fd2a0u, 0x5268e236u,
    0xcc0c7795u, 0xbb0b4703u, 0x220216b9u, 0x5505262fu, 0xc5ba3bbeu, 0xb2bd0b28u,
    0x2bb45a92u, 0x5cb36a04u, 0xc2d7ffa7u, 0xb5d0cf31u, 0x2cd99e8bu, 0x5bdeae1du,
    0x9b64c2b0u, 0xec63f226u, 0x756aa39cu, 0x026d930au, 0x9c0906a9u, 0xeb0e363fu,
    0x72076785u, 0x05005713u, 0x95bf4a82u, 0xe2b87a14u, 0x7bb12baeu, 0x0cb61b38u,
    0x92d28e9bu, 0xe5d5be0du, 0x7cdcefb7u, 0x0bdbdf21u, 0x86d3d2d4u, 0xf1d4e242u,
    0x68ddb3f8u, 0x1fda836eu, 0x81be16cdu, 0xf6b9265bu, 0x6fb077e1u, 0x18b74777u,
    0x88085ae6u, 0xff0f6a70u, 0x66063bcau, 0x11010b5cu, 0x8f659effu, 0xf862ae69u,
    0x616bffd3u, 0x166ccf45u, 0xa00ae278u, 0xd70dd2eeu, 0x4e048354u, 0x3903b3c2u,
    0xa7672661u, 0xd06016f7u, 0x4969474du, 0x3e6e77dbu, 0xaed16a4au, 0xd9d65adcu,
    0x40df0b66u, 0x37d83bf0u, 0xa9bcae53u, 0xdebb9ec5u, 0x47b2cf7fu, 0x30b5ffe9u,
    0xbdbdf21cu, 0xcabac28au, 0x53b39330u, 0x24b4a3a6u, 0xbad03605u, 0xcdd70693u,
    0x54de5729u, 0x23d967bfu, 0xb3667a2eu, 0xc4614ab8u, 0x5d681b02u, 0x2a6f2b94u,
    0xb40bbe37u, 0xc30c8ea1u, 0x5a05df1bu, 0x2d02ef8du
};

/* crc_slice[k][b]: the CRC step for byte b followed by k + 1 zero bytes, so that four bytes are taken
 * in one step ("slicing by 4"; a byte at a time was a fifth of a log call's cost). */
static const uint32_t crc_slice[3][256] = {
    {
        0x00000000u, 0x191b3141u, 0x32366282u, 0x2b2d53c3u, 0x646cc504u, 0x7d77f445u,
        0x565aa786u, 0x4f4196c7u, 0xc8d98a08u, 0xd1c2bb49u, 0xfaefe88au, 0xe3f4d9cbu,
        0xacb54f0cu, 0xb5ae7e4du, 0x9e832d8eu, 0x87981ccfu, 0x4ac21251u, 0x53d92310u,
        0x78f470d3u, 0x61ef4192u, 0x2eaed755u, 0x37b5e614u, 0x1c98b5d7u, 0x05838496u,
        0x821b9859u, 0x9b00a918u, 0xb02dfadbu, 0xa936cb9au, 0xe6775d5du, 0xff6c6c1cu,
        0xd4413fdfu, 0xcd5a0e9eu, 0x958424a2u, 0x8c9f15e3u, 0xa7b24620u, 0xbea97761u,
        0xf1e8e1a6u, 0xe8f3d0e7u, 0xc3de8324u, 0xdac5b265u, 0x5d5daeaau, 0x44469febu,
        0x6f6bcc28u, 0x7670fd69u, 0x39316baeu, 0x202a5aefu, 0x0b07092cu, 0x121c386du,
        0xdf4636f3u, 0xc65d07b2u, 0xed705471u, 0xf46b6530u, 0xbb2af3f7u, 0xa231c2b6u,
        0x891c9175u, 0x9007a034u, 0x179fbcfbu, 0x0e848dbau, 0x25a9de79u, 0x3cb2ef38u,
        0x73f379ffu, 0x6ae848beu, 0x41c51b7du, 0x58de2a3cu, 0xf0794f05u, 0xe9627e44u,
        0xc24f2d87u, 0xdb541cc6u, 0x94158a01u, 0x8d0ebb40u, 0xa623e883u, 0xbf38d9c2u,
        0x38a0c50du, 0x21bbf44cu, 0x0a96a78fu, 0x138d96ceu, 0x5ccc0009u, 0x45d73148u,
        0x6efa628bu, 0x77e153cau, 0xbabb5d54u, 0xa3a06c15u, 0x888d3fd6u, 0x91960e97u,
        0xded79850u, 0xc7cca911u, 0xece1fad2u, 0xf5facb93u, 0x7262d75cu, 0x6b79e61du,
        0x4054b5deu, 0x594f849fu, 0x160e1258u, 0x0f152319u, 0x243870dau, 0x3d23419bu,
        0x65fd6ba7u, 0x7ce65ae6u, 0x57cb0925u, 0x4ed03864u, 0x0191aea3u, 0x188a9fe2u,
        0x33a7cc21u, 0x2abcfd60u, 0xad24e1afu, 0xb43fd0eeu, 0x9f12832du, 0x8609b26cu,
        0xc94824abu, 0xd05315eau, 0xfb7e4629u, 0xe2657768u, 0x2f3f79f6u, 0x362448b7u,
        0x1d091b74u, 0x04122a35u, 0x4b53bcf2u, 0x52488db3u, 0x7965de70u, 0x607eef31u,
        0xe7e6f3feu, 0xfefdc2bfu, 0xd5d0917cu, 0xcccba03du, 0x838a36fau, 0x9a9107bbu,
        0xb1bc5478u, 0xa8a76539u, 0x3b83984bu, 0x2298a90au, 0x09b5fac9u, 0x10aecb88u,
        0x5fef5d4fu, 0x46f46c0eu, 0x6dd93fcdu, 0x74c20e8cu, 0xf35a1243u, 0xea412302u,
        0xc16c70c1u, 0xd8774180u, 0x9736d747u, 0x8e2de606u, 0xa500b5c5u, 0xbc1b8484u,
        0x71418a1au, 0x685abb5bu, 0x4377e898u, 0x5a6cd9d9u, 0x152d4f1eu, 0x0c367e5fu,
        0x271b2d9cu, 0x3e001cddu, 0xb9980012u, 0xa0833153u, 0x8bae6290u, 0x92b553d1u,
        0xddf4c516u, 0xc4eff457u, 0xefc2a794u, 0xf6d996d5u, 0xae07bce9u, 0xb71c8da8u,
        0x9c31de6bu, 0x852aef2au, 0xca6b79edu, 0xd37048acu, 0xf85d1b6fu, 0xe1462a2eu,
        0x66de36e1u, 0x7fc507a0u, 0x54e85463u, 0x4df36522u, 0x02b2f3e5u, 0x1ba9c2a4u,
        0x30849167u, 0x299fa026u, 0xe4c5aeb8u, 0xfdde9ff9u, 0xd6f3cc3au, 0xcfe8fd7bu,
        0x80a96bbcu, 0x99b25afdu, 0xb29f093eu, 0xab84387fu, 0x2c1c24b0u, 0x350715f1u,
        0x1e2a4632u, 0x07317773u, 0x4870e1b4u, 0x516bd0f5u, 0x7a468336u, 0x635db277u,
        0xcbfad74eu, 0xd2e1e60fu, 0xf9ccb5ccu, 0xe0d7848du, 0xaf96124au, 0xb68d230bu,
        0x9da070c8u, 0x84bb4189u, 0x03235d46u, 0x1a386c07u, 0x31153fc4u, 0x280e0e85u,
        0x674f9842u, 0x7e54a903u, 0x5579fac0u, 0x4c62cb81u, 0x8138c51fu, 0x9823f45eu,
        0xb30ea79du, 0xaa1596dcu, 0xe554001bu, 0xfc4f315au, 0xd7626299u, 0xce7953d8u,
        0x49e14f17u, 0x50fa7e56u, 0x7bd72d95u, 0x62cc1cd4u, 0x2d8d8a13u, 0x3496bb52u,
        0x1fbbe891u, 0x06a0d9d0u, 0x5e7ef3ecu, 0x4765c2adu, 0x6c48916eu, 0x7553a02fu,
        0x3a1236e8u, 0x230907a9u, 0x0824546au, 0x113f652bu, 0x96a779e4u, 0x8fbc48a5u,
        0xa4911b66u, 0xbd8a2a27u, 0xf2cbbce0u, 0xebd08da1u, 0xc0fdde62u, 0xd9e6ef23u,
        0x14bce1bdu, 0x0da7d0fcu, 0x268a833fu, 0x3f91b27eu, 0x70d024b9u, 0x69cb15f8u,
        0x42e6463bu, 0x5bfd777au, 0xdc656bb5u, 0xc57e5af4u, 0xee530937u, 0xf7483876u,
        0xb809aeb1u, 0xa1129ff0u, 0x8a3fcc33u, 0x9324fd72u
    },
    {
        0x00000000u, 0x01c26a37u, 0x0384d46eu, 0x0246be59u, 0x0709a8dcu, 0x06cbc2ebu,
        0x048d7cb2u, 0x054f1685u, 0x0e1351b8u, 0x0fd13b8fu, 0x0d9785d6u, 0x0c55efe1u,
        0x091af964u, 0x08d89353u, 0x0a9e2d0au, 0x0b5c473du, 0x1c26a370u, 0x1de4c947u,
        0x1fa2771eu, 0x1e601d29u, 0x1b2f0bacu, 0x1aed619bu, 0x18abdfc2u, 0x1969b5f5u,
        0x1235f2c8u, 0x13f798ffu, 0x11b126a6u, 0x10734c91u, 0x153c5a14u, 0x14fe3023u,
        0x16b88e7au, 0x177ae44du, 0x384d46e0u, 0x398f2cd7u, 0x3bc9928eu, 0x3a0bf8b9u,
        0x3f44ee3cu, 0x3e86840bu, 0x3cc03a52u, 0x3d025065u, 0x365e1758u, 0x379c7d6fu,
        0x35dac336u, 0x3418a901u, 0x3157bf84u, 0x3095d5b3u, 0x32d36beau, 0x331101ddu,
        0x246be590u, 0x25a98fa7u, 0x27ef31feu, 0x262d5bc9u, 0x23624d4cu, 0x22a0277bu,
        0x20e69922u, 0x2124f315u, 0x2a78b428u, 0x2bbade1fu, 0x29fc6046u, 0x283e0a71u,
        0x2d711cf4u, 0x2cb376c3u, 0x2ef5c89au, 0x2f37a2adu, 0x709a8dc0u, 0x7158e7f7u,
        0x731e59aeu, 0x72dc3399u, 0x7793251cu, 0x76514f2bu, 0x7417f172u, 0x75d59b45u,
        0x7e89dc78u, 0x7f4bb64fu, 0x7d0d0816u, 0x7ccf6221u, 0x798074a4u, 0x78421e93u,
        0x7a04a0cau, 0x7bc6cafdu, 0x6cbc2eb0u, 0x6d7e4487u, 0x6f38fadeu, 0x6efa90e9u,
        0x6bb5866cu, 0x6a77ec5bu, 0x68315202u, 0x69f33835u, 0x62af7f08u, 0x636d153fu,
        0x612bab66u, 0x60e9c151u, 0x65a6d7d4u, 0x6464bde3u, 0x662203bau, 0x67e0698du,
        0x48d7cb20u, 0x4915a117u, 0x4b531f4eu, 0x4a917579u, 0x4fde63fcu, 0x4e1c09cbu,
        0x4c5ab792u, 0x4d98dda5u, 0x46c49a98u, 0x4706f0afu, 0x45404ef6u, 0x448224c1u,
        0x41cd3244u, 0x400f5873u, 0x4249e62au, 0x438b8c1du, 0x54f16850u, 0x55330267u,
        0x5775bc3eu, 0x56b7d609u, 0x53f8c08cu, 0x523aaabbu, 0x507c14e2u, 0x51be7ed5u,
        0x5ae239e8u, 0x5b2053dfu, 0x5966ed86u, 0x58a487b1u, 0x5deb9134u, 0x5c29fb03u,
        0x5e6f455au, 0x5fad2f6du, 0xe1351b80u, 0xe0f771b7u, 0xe2b1cfeeu, 0xe373a5d9u,
        0xe63cb35cu, 0xe7fed96bu, 0xe5b86732u, 0xe47a0d05u, 0xef264a38u, 0xeee4200fu,
        0xeca29e56u, 0xed60f461u, 0xe82fe2e4u, 0xe9ed88d3u, 0xebab368au, 0xea695cbdu,
        0xfd13b8f0u, 0xfcd1d2c7u, 0xfe976c9eu, 0xff5506a9u, 0xfa1a102cu, 0xfbd87a1bu,
        0xf99ec442u, 0xf85cae75u, 0xf300e948u, 0xf2c2837fu, 0xf0843d26u, 0xf1465711u,
        0xf4094194u, 0xf5cb2ba3u, 0xf78d95fau, 0xf64fffcdu, 0xd9785d60u, 0xd8ba3757u,
        0xdafc890eu, 0xdb3ee339u, 0xde71f5bcu, 0xdfb39f8bu, 0xddf521d2u, 0xdc374be5u,
        0xd76b0cd8u, 0xd6a966efu, 0xd4efd8b6u, 0xd52db281u, 0xd062a404u, 0xd1a0ce33u,
        0xd3e6706au, 0xd2241a5du, 0xc55efe10u, 0xc49c9427u, 0xc6da2a7eu, 0xc7184049u,
        0xc25756ccu, 0xc3953cfbu, 0xc1d382a2u, 0xc011e895u, 0xcb4dafa8u, 0xca8fc59fu,
        0xc8c97bc6u, 0xc90b11f1u, 0xcc440774u, 0xcd866d43u, 0xcfc0d31au, 0xce02b92du,
        0x91af9640u, 0x906dfc77u, 0x922b422eu, 0x93e92819u, 0x96a63e9cu, 0x976454abu,
        0x9522eaf2u, 0x94e080c5u, 0x9fbcc7f8u, 0x9e7eadcfu, 0x9c381396u, 0x9dfa79a1u,
        0x98b56f24u, 0x99770513u, 0x9b31bb4au, 0x9af3d17du, 0x8d893530u, 0x8c4b5f07u,
        0x8e0de15eu, 0x8fcf8b69u, 0x8a809decu, 0x8b42f7dbu, 0x89044982u, 0x88c623b5u,
        0x839a6488u, 0x82580ebfu, 0x801eb0e6u, 0x81dcdad1u, 0x8493cc54u, 0x8551a663u,
        0x8717183au, 0x86d5720du, 0xa9e2d0a0u, 0xa820ba97u, 0xaa6604ceu, 0xaba46ef9u,
        0xaeeb787cu, 0xaf29124bu, 0xad6fac12u, 0xacadc625u, 0xa7f18118u, 0xa633eb2fu,
        0xa4755576u, 0xa5b73f41u, 0xa0f829c4u, 0xa13a43f3u, 0xa37cfdaau, 0xa2be979du,
        0xb5c473d0u, 0xb40619e7u, 0xb640a7beu, 0xb782cd89u, 0xb2cddb0cu, 0xb30fb13bu,
        0xb1490f62u, 0xb08b6555u, 0xbbd72268u, 0xba15485fu, 0xb853f606u, 0xb9919c31u,
        0xbcde8ab4u, 0xbd1ce083u, 0xbf5a5edau, 0xbe9834edu
    },
    {
        0x00000000u, 0xb8bc6765u, 0xaa09c88bu, 0x12b5afeeu, 0x8f629757u, 0x37def032u,
        0x256b5fdcu, 0x9dd738b9u, 0xc5b428efu, 0x7d084f8au, 0x6fbde064u, 0xd7018701u,
        0x4ad6bfb8u, 0xf26ad8ddu, 0xe0df7733u, 0x58631056u, 0x5019579fu, 0xe8a530fau,
        0xfa109f14u, 0x42acf871u, 0xdf7bc0c8u, 0x67c7a7adu, 0x75720843u, 0xcdce6f26u,
        0x95ad7f70u, 0x2d111815u, 0x3fa4b7fbu, 0x8718d09eu, 0x1acfe827u, 0xa2738f42u,
        0xb0c620acu, 0x087a47c9u, 0xa032af3eu, 0x188ec85bu, 0x0a3b67b5u, 0xb28700d0u,
        0x2f503869u, 0x97ec5f0cu, 0x8559f0e2u, 0x3de59787u, 0x658687d1u, 0xdd3ae0b4u,
        0xcf8f4f5au, 0x7733283fu, 0xeae41086u, 0x525877e3u, 0x40edd80du, 0xf851bf68u,
        0xf02bf8a1u, 0x48979fc4u, 0x5a22302au, 0xe29e574fu, 0x7f496ff6u, 0xc7f50893u,
        0xd540a77du, 0x6dfcc018u, 0x359fd04eu, 0x8d23b72bu, 0x9f9618c5u, 0x272a7fa0u,
        0xbafd4719u, 0x0241207cu, 0x10f48f92u, 0xa848e8f7u, 0x9b14583du, 0x23a83f58u,
        0x311d90b6u, 0x89a1f7d3u, 0x1476cf6au, 0xaccaa80fu, 0xbe7f07e1u, 0x06c36084u,
        0x5ea070d2u, 0xe61c17b7u, 0xf4a9b859u, 0x4c15df3cu, 0xd1c2e785u, 0x697e80e0u,
        0x7bcb2f0eu, 0xc377486bu, 0xcb0d0fa2u, 0x73b168c7u, 0x6104c729u, 0xd9b8a04cu,
        0x446f98f5u, 0xfcd3ff90u, 0xee66507eu, 0x56da371bu, 0x0eb9274du, 0xb6054028u,
        0xa4b0efc6u, 0x1c0c88a3u, 0x81dbb01au, 0x3967d77fu, 0x2bd27891u, 0x936e1ff4u,
        0x3b26f703u, 0x839a9066u, 0x912f3f88u, 0x299358edu, 0xb4446054u, 0x0cf80731u,
        0x1e4da8dfu, 0xa6f1cfbau, 0xfe92dfecu, 0x462eb889u, 0x549b1767u, 0xec277002u,
        0x71f048bbu, 0xc94c2fdeu, 0xdbf98030u, 0x6345e755u, 0x6b3fa09cu, 0xd383c7f9u,
        0xc1366817u, 0x798a0f72u, 0xe45d37cbu, 0x5ce150aeu, 0x4e54ff40u, 0xf6e89825u,
        0xae8b8873u, 0x1637ef16u, 0x048240f8u, 0xbc3e279du, 0x21e91f24u, 0x99557841u,
        0x8be0d7afu, 0x335cb0cau, 0xed59b63bu, 0x55e5d15eu, 0x47507eb0u, 0xffec19d5u,
        0x623b216cu, 0xda874609u, 0xc832e9e7u, 0x708e8e82u, 0x28ed9ed4u, 0x9051f9b1u,
        0x82e4565fu, 0x3a58313au, 0xa78f0983u, 0x1f336ee6u, 0x0d86c108u, 0xb53aa66du,
        0xbd40e1a4u, 0x05fc86c1u, 0x1749292fu, 0xaff54e4au, 0x322276f3u, 0x8a9e1196u,
        0x982bbe78u, 0x2097d91du, 0x78f4c94bu, 0xc048ae2eu, 0xd2fd01c0u, 0x6a4166a5u,
        0xf7965e1cu, 0x4f2a3979u, 0x5d9f9697u, 0xe523f1f2u, 0x4d6b1905u, 0xf5d77e60u,
        0xe762d18eu, 0x5fdeb6ebu, 0xc2098e52u, 0x7ab5e937u, 0x680046d9u, 0xd0bc21bcu,
        0x88df31eau, 0x3063568fu, 0x22d6f961u, 0x9a6a9e04u, 0x07bda6bdu, 0xbf01c1d8u,
        0xadb46e36u, 0x15080953u, 0x1d724e9au, 0xa5ce29ffu, 0xb77b8611u, 0x0fc7e174u,
        0x9210d9cdu, 0x2aacbea8u, 0x38191146u, 0x80a57623u, 0xd8c66675u, 0x607a0110u,
        0x72cfaefeu, 0xca73c99bu, 0x57a4f122u, 0xef189647u, 0xfdad39a9u, 0x45115eccu,
        0x764dee06u, 0xcef18963u, 0xdc44268du, 0x64f841e8u, 0xf92f7951u, 0x41931e34u,
        0x5326b1dau, 0xeb9ad6bfu, 0xb3f9c6e9u, 0x0b45a18cu, 0x19f00e62u, 0xa14c6907u,
        0x3c9b51beu, 0x842736dbu, 0x96929935u, 0x2e2efe50u, 0x2654b999u, 0x9ee8defcu,
        0x8c5d7112u, 0x34e11677u, 0xa9362eceu, 0x118a49abu, 0x033fe645u, 0xbb838120u,
        0xe3e09176u, 0x5b5cf613u, 0x49e959fdu, 0xf1553e98u, 0x6c820621u, 0xd43e6144u,
        0xc68bceaau, 0x7e37a9cfu, 0xd67f4138u, 0x6ec3265du, 0x7c7689b3u, 0xc4caeed6u,
        0x591dd66fu, 0xe1a1b10au, 0xf3141ee4u, 0x4ba87981u, 0x13cb69d7u, 0xab770eb2u,
        0xb9c2a15cu, 0x017ec639u, 0x9ca9fe80u, 0x241599e5u, 0x36a0360bu, 0x8e1c516eu,
        0x866616a7u, 0x3eda71c2u, 0x2c6fde2cu, 0x94d3b949u, 0x090481f0u, 0xb1b8e695u,
        0xa30d497bu, 0x1bb12e1eu, 0x43d23e48u, 0xfb6e592du, 0xe9dbf6c3u, 0x516791a6u,
        0xccb0a91fu, 0x740cce7au, 0x66b96194u, 0xde0506f1u
    }
};

uint32_t umon_crc32(uint32_t crc, const void *data, size_t len)
{
    const uint8_t *p = data;
    crc = ~crc;
    for (; len >= 4; len -= 4, p += 4) {
        crc ^= (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
        crc = crc_slice[2][crc & 0xff] ^ crc_slice[1][(crc >> 8) & 0xff] ^ crc_slice[0][(crc >> 16) & 0xff] ^
              crc_table[crc >> 24];
    }
    while (len--)
        crc = (crc >> 8) ^ crc_table[(crc ^ *p++) & 0xff];
    return ~crc;
}

size_t umon_base64_encode(char *out, size_t cap, const uint8_t *in, size_t len)
{
    static const char alphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    size_t need = (len + 2) / 3 * 4;
    size_t i, o = 0;
    if (out == NULL || cap <= need)
        return need;
    for (i = 0; i + 2 < len; i += 3) {
        uint32_t v = (uint32_t)in[i] << 16 | (uint32_t)in[i + 1] << 8 | in[i + 2];
        out[o++] = alphabet[v >> 18];
        out[o++] = alphabet[(v >> 12) & 63];
        out[o++] = alphabet[(v >> 6) & 63];
        out[o++] = alphabet[v & 63];
    }
    if (i < len) {
        uint32_t v = (uint32_t)in[i] << 16 | (i + 1 < len ? (uint32_t)in[i + 1] << 8 : 0);
        out[o++] = alphabet[v >> 18];
        out[o++] = alphabet[(v >> 12) & 63];
        out[o++] = i + 1 < len ? alphabet[(v >> 6) & 63] : '=';
        out[o++] = '=';
    }
    out[o] = '\0';
    return o;
}

long umon_console_line(char *out, size_t cap, const uint8_t *frame, size_t frame_len)
{
    size_t marker = sizeof(UMON_CONSOLE_MARKER) - 1;
    size_t b64 = (frame_len + 2) / 3 * 4;
    if (out == NULL || cap < marker + b64 + 2)
        return UMON_E_TOO_LONG;
    memcpy(out, UMON_CONSOLE_MARKER, marker);
    umon_base64_encode(out + marker, cap - marker, frame, frame_len);
    out[marker + b64] = '\n';
    out[marker + b64 + 1] = '\0';
    return (long)(marker + b64 + 1);
}

/* Writes into p when it is not NULL and the piece fits; always counts, so a NULL p measures. */
typedef struct writer {
    uint8_t *p;
    size_t cap;
    size_t len;
} writer;

static void put_bytes(writer *w, const void *src, size_t n)
{
    if (w->p != NULL && n <= w->cap && w->len <= w->cap - n && n > 0)
        memcpy(w->p + w->len, src, n);
    w->len += n;
}

static void put_u8(writer *w, unsigned v)
{
    uint8_t b = (uint8_t)v;
    put_bytes(w, &b, 1);
}

static void put_u16(writer *w, unsigned v)
{
    uint8_t b[2];
    b[0] = (uint8_t)(v >> 8);
    b[1] = (uint8_t)v;
    put_bytes(w, b, 2);
}

static void put_u32(writer *w, uint32_t v)
{
    uint8_t b[4];
    b[0] = (uint8_t)(v >> 24);
    b[1] = (uint8_t)(v >> 16);
    b[2] = (uint8_t)(v >> 8);
    b[3] = (uint8_t)v;
    put_bytes(w, b, 4);
}

static void put_u64(writer *w, uint64_t v)
{
    put_u32(w, (uint32_t)(v >> 32));
    put_u32(w, (uint32_t)v);
}

static void str_resolve(umon_str s, const uint8_t **p, size_t *n)
{
    *p = (const uint8_t *)s.ptr;
    if (s.ptr == NULL)
        *n = 0;
    else if (s.len == UMON_STRLEN)
        *n = u_strlen(s.ptr);
    else
        *n = s.len;
}

/* Length of the well-formed UTF-8 sequence at s (RFC 3629 / Unicode table 3-7), 0 if ill-formed. */
static size_t utf8_sequence(const uint8_t *s, size_t n)
{
    uint8_t b = s[0];
    uint8_t lo = 0x80, hi = 0xbf;
    size_t len, i;
    if (b < 0x80)
        return 1;
    if (b >= 0xc2 && b <= 0xdf)
        len = 2;
    else if (b >= 0xe0 && b <= 0xef) {
        len = 3;
        if (b == 0xe0)
            lo = 0xa0;
        else if (b == 0xed)
            hi = 0x9f;
    } else if (b >= 0xf0 && b <= 0xf4) {
        len = 4;
        if (b == 0xf0)
            lo = 0x90;
        else if (b == 0xf4)
            hi = 0x8f;
    } else
        return 0;
    if (n < len)
        return 0;
    if (s[1] < lo || s[1] > hi)
        return 0;
    for (i = 2; i < len; i++)
        if (s[i] < 0x80 || s[i] > 0xbf)
            return 0;
    return len;
}

/* Writes text with each ill-formed byte replaced by U+FFFD, stopping before the character that
 * would pass limit bytes. Returns the bytes written (or that would be, with w == NULL). */
static size_t put_text(writer *w, const uint8_t *s, size_t n, size_t limit)
{
    static const uint8_t replacement[3] = { 0xef, 0xbf, 0xbd };
    size_t in = 0, out = 0, run = 0;  /* run: well-formed bytes ending at in, not yet written */
    while (in < n) {
        size_t seq, produced;
        /* Eight ASCII bytes at a time: log text is mostly ASCII, and a byte-wise look at each one was
         * the encoder's largest cost. out never passes limit, so limit - out does not wrap. */
        if (n - in >= 8 && limit - out >= 8) {
            uint64_t word;
            memcpy(&word, s + in, 8);
            if ((word & UINT64_C(0x8080808080808080)) == 0) {
                in += 8;
                run += 8;
                out += 8;
                continue;
            }
        }
        seq = s[in] < 0x80 ? 1 : utf8_sequence(s + in, n - in);
        produced = seq ? seq : 3;
        if (out + produced > limit)
            break;
        if (seq) {
            run += seq;
            in += seq;
        } else {
            if (w != NULL) {
                put_bytes(w, s + in - run, run);
                put_bytes(w, replacement, 3);
            }
            run = 0;
            in++;
        }
        out += produced;
    }
    if (w != NULL)
        put_bytes(w, s + in - run, run);
    return out;
}

/* A length prefix, then the text: one pass, the prefix written as 0 and patched once the text's length
 * is known (where the prefix did not fit, put_bytes wrote nothing and nothing is patched). */
static void put_str(writer *w, umon_str s, size_t limit, int wide)
{
    const uint8_t *p;
    size_t n, out, at = w->len, width = wide ? 2 : 1;
    str_resolve(s, &p, &n);
    if (wide)
        put_u16(w, 0);
    else
        put_u8(w, 0);
    out = put_text(w, p, n, limit);
    if (w->p != NULL && width <= w->cap && at <= w->cap - width) {
        if (wide) {
            w->p[at] = (uint8_t)(out >> 8);
            w->p[at + 1] = (uint8_t)out;
        } else {
            w->p[at] = (uint8_t)out;
        }
    }
}

static void put_attr(writer *w, const umon_attr *a)
{
    uint64_t bits;
    put_str(w, a->key, 255, 0);
    switch (a->type) {
    case UMON_ATTR_STRING:
        if (a->value.str.ptr == NULL) {
            put_u8(w, UMON_ATTR_NULL);
        } else {
            put_u8(w, UMON_ATTR_STRING);
            put_str(w, a->value.str, 65535, 1);
        }
        break;
    case UMON_ATTR_INT64:
        put_u8(w, UMON_ATTR_INT64);
        put_u64(w, (uint64_t)a->value.i64);
        break;
    case UMON_ATTR_UINT64:
        put_u8(w, UMON_ATTR_UINT64);
        put_u64(w, a->value.u64);
        break;
    case UMON_ATTR_FLOAT64:
        put_u8(w, UMON_ATTR_FLOAT64);
        memcpy(&bits, &a->value.f64, sizeof bits);
        put_u64(w, bits);
        break;
    case UMON_ATTR_BOOL:
        put_u8(w, UMON_ATTR_BOOL);
        put_u8(w, a->value.boolean ? 1 : 0);
        break;
    case UMON_ATTR_BYTES:
        if (a->value.bytes.ptr == NULL && a->value.bytes.len > 0) {
            put_u8(w, UMON_ATTR_NULL);
        } else {
            size_t n = a->value.bytes.len > 65535 ? 65535 : a->value.bytes.len;
            put_u8(w, UMON_ATTR_BYTES);
            put_u16(w, (unsigned)n);
            put_bytes(w, a->value.bytes.ptr, n);
        }
        break;
    case UMON_ATTR_NULL:
    default:
        put_u8(w, UMON_ATTR_NULL);
        break;
    }
}

typedef void (*body_writer)(writer *w, const void *arg, size_t message_limit);

static void hello_body(writer *w, const void *arg, size_t unused)
{
    const umon_hello *h = arg;
    (void)unused;
    put_str(w, h->name, 63, 0);
    put_str(w, h->token, 255, 0);
    put_str(w, h->client_name, 255, 0);
    put_str(w, h->client_version, 255, 0);
    put_u64(w, h->session);
}

static void record_body(writer *w, const void *arg, size_t message_limit)
{
    const umon_record *r = arg;
    size_t i;
    put_u64(w, r->sequence);
    put_u8(w, (unsigned)r->clock);
    put_u64(w, r->clock == UMON_CLOCK_NONE ? 0 : (uint64_t)r->timestamp);
    put_u8(w, (unsigned)r->level);
    put_str(w, r->logger, 255, 0);
    put_str(w, r->message, message_limit, 1);
    put_u16(w, (unsigned)r->attr_count);
    for (i = 0; i < r->attr_count; i++)
        put_attr(w, &r->attrs[i]);
}

static void goodbye_body(writer *w, const void *arg, size_t unused)
{
    const umon_goodbye *g = arg;
    (void)unused;
    put_u64(w, g->produced);
    put_u64(w, g->dropped);
    put_str(w, g->reason, 255, 0);
}

static long encode_frame(uint8_t *out, size_t cap, unsigned type, body_writer body, const void *arg,
                         size_t message_limit)
{
    size_t limit = cap < UMON_MAX_FRAME ? cap : UMON_MAX_FRAME;
    writer w;
    size_t body_len;
    /* One pass: the body is written in place (put_bytes never passes limit) and its length patched in;
     * a frame that turns out too long leaves out partly written but is reported as UMON_E_TOO_LONG. */
    w.p = out;
    w.cap = limit;
    w.len = 0;
    put_u8(&w, 0x55);
    put_u8(&w, 0x4d);
    put_u8(&w, UMON_PROTOCOL_VERSION);
    put_u8(&w, type);
    put_u32(&w, 0);
    body(&w, arg, message_limit);
    body_len = w.len - 8;
    if (body_len + UMON_FRAME_OVERHEAD > limit)
        return UMON_E_TOO_LONG;
    if (out == NULL)
        return (long)(body_len + UMON_FRAME_OVERHEAD);
    out[4] = (uint8_t)(body_len >> 24);
    out[5] = (uint8_t)(body_len >> 16);
    out[6] = (uint8_t)(body_len >> 8);
    out[7] = (uint8_t)body_len;
    put_u32(&w, umon_crc32(0, out, w.len));
    return (long)w.len;
}

int umon_valid_name(const char *name, size_t len)
{
    size_t i;
    if (name == NULL || len < 1 || len > 63)
        return 0;
    for (i = 0; i < len; i++) {
        char c = name[i];
        int alnum = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
        if (!alnum && (i == 0 || (c != '.' && c != '_' && c != '-')))
            return 0;
    }
    return 1;
}

long umon_encode_hello(uint8_t *out, size_t cap, const umon_hello *hello)
{
    const uint8_t *p;
    size_t n;
    if (hello == NULL)
        return UMON_E_INVALID;
    str_resolve(hello->name, &p, &n);
    if (!umon_valid_name((const char *)p, n))
        return UMON_E_INVALID;
    str_resolve(hello->token, &p, &n);
    if (n > 255)  /* a cut token would only be rejected later, far from the cause */
        return UMON_E_INVALID;
    return encode_frame(out, cap, UMON_FRAME_HELLO, hello_body, hello, 0);
}

long umon_encode_record(uint8_t *out, size_t cap, const umon_record *r)
{
    size_t i, limit, message_len, fixed;
    const uint8_t *p;
    size_t n;
    writer measure = { NULL, 0, 0 };
    if (r == NULL || r->level < UMON_TRACE || r->level > UMON_FATAL || r->clock < UMON_CLOCK_WALL ||
        r->clock > UMON_CLOCK_NONE || r->attr_count > 65535 || (r->attr_count > 0 && r->attrs == NULL))
        return UMON_E_INVALID;
    for (i = 0; i < r->attr_count; i++) {
        str_resolve(r->attrs[i].key, &p, &n);
        if (n == 0)
            return UMON_E_INVALID;
    }
    /* The message is the one field worth cutting: measure the rest, give the message what is left. */
    limit = cap < UMON_MAX_FRAME ? cap : UMON_MAX_FRAME;
    if (r->attr_count == 0) {
        /* What record_body writes besides the message text, without its pass over every field: sequence,
         * clock, timestamp, level, the logger with its length byte, the message's length, no attributes. */
        str_resolve(r->logger, &p, &n);
        fixed = 8 + 1 + 8 + 1 + 1 + put_text(NULL, p, n, 255) + 2 + 2 + UMON_FRAME_OVERHEAD;
    } else {
        record_body(&measure, r, 0);
        fixed = measure.len + UMON_FRAME_OVERHEAD;
    }
    if (fixed > limit)
        return UMON_E_TOO_LONG;
    message_len = limit - fixed;
    if (message_len > 65535)
        message_len = 65535;
    return encode_frame(out, cap, UMON_FRAME_RECORD, record_body, r, message_len);
}

long umon_encode_goodbye(uint8_t *out, size_t cap, const umon_goodbye *goodbye)
{
    if (goodbye == NULL)
        return UMON_E_INVALID;
    return encode_frame(out, cap, UMON_FRAME_GOODBYE, goodbye_body, goodbye, 0);
}

/* ============================================================================================== */
/* 2. Client core                                                                                 */
/* ============================================================================================== */

enum { TCP_DISCONNECTED, TCP_CONNECTING, TCP_CONNECTED };

struct umon_client {
    umon_config cfg;
    char name[64];
    char logger[256];
    int closed;

    uint8_t hello[UMON_FRAME_OVERHEAD + 4 * 256 + 8];
    size_t hello_len;

    /* Frames waiting to be sent occupy buf[head, tail); each frame carries its own length. */
    uint8_t *buf;
    size_t cap, head, tail;
    size_t max_frame;
    uint8_t *scratch;           /* one datagram or one console line */
    size_t scratch_cap;

    uint64_t next_sequence, sent, dropped, pending, connects;

    /* TCP */
    int fd;
    int state;
    size_t hello_left;          /* HELLO bytes this connection has not sent yet */
    size_t frame_left;          /* bytes of the frame at head not sent yet; 0 at a frame boundary */
    unsigned frame_type;
    uint64_t next_attempt_ms, connected_at_ms;
    unsigned backoff_ms;
    volatile int in_signal;     /* a crash handler is flushing: only async-signal-safe calls */
#ifndef UMON_NO_POSIX
    struct sockaddr_storage addr;
    socklen_t addr_len;
#endif
#ifdef UMON_HAVE_THREADS
    pthread_mutex_t lock;
    /* Who holds the lock, so that a crash handler can tell "my own thread crashed inside the client"
     * (go ahead) from "another thread is sending" (wait for it). */
    pthread_t owner;
    volatile int owned;
    pthread_cond_t wake_flusher;
    pthread_t flusher;
    int flusher_running, flusher_stop;
    int flusher_idle;           /* the flusher sleeps a whole interval: a first record must wake it */
    int flusher_kicked;         /* woken early already; no further signal until it has pumped */
#endif
};

static void lock(umon_client *c)
{
#ifdef UMON_HAVE_THREADS
    pthread_mutex_lock(&c->lock);
    c->owner = pthread_self();
    c->owned = 1;
#else
    (void)c;
#endif
}

static void unlock(umon_client *c)
{
#ifdef UMON_HAVE_THREADS
    c->owned = 0;
    pthread_mutex_unlock(&c->lock);
#else
    (void)c;
#endif
}

static size_t frame_length_at(const uint8_t *frame)
{
    return UMON_FRAME_OVERHEAD + ((size_t)frame[4] << 24 | (size_t)frame[5] << 16 |
                                  (size_t)frame[6] << 8 | frame[7]);
}

static void errmsg_set(char *dst, size_t size, const char *fmt, ...) UMON_PRINTF(3, 4);
static void errmsg_set(char *dst, size_t size, const char *fmt, ...)
{
    va_list ap;
    if (dst == NULL || size == 0)
        return;
    va_start(ap, fmt);
    u_vsnprintf(dst, size, fmt, ap);
    va_end(ap);
}

/* Transport primitives, section 3 (or stubs with UMON_NO_POSIX). */
static uint64_t now_ms(umon_client *c);
static int64_t clock_now(umon_client *c);
static uint64_t random_session(void);
static int resolve_address(umon_client *c, const char *address, char *errmsg, size_t errmsg_size);
static void tcp_pump(umon_client *c);
static void tcp_wait_connected(umon_client *c, unsigned timeout_ms);
static int udp_open(umon_client *c, const char *address, char *errmsg, size_t errmsg_size);
static int udp_send(umon_client *c, const uint8_t *payload, size_t len);
static int console_write_all(umon_client *c, const char *line, size_t len);
static void transport_wait(umon_client *c, uint64_t remaining_ms);
static void transport_close(umon_client *c);

/* Makes room for n more bytes at tail, moving pending frames to the front when that suffices. */
static int make_room(umon_client *c, size_t n)
{
    if (c->cap - c->tail >= n)
        return 1;
    if (c->tail - c->head + n > c->cap)
        return 0;
    memmove(c->buf, c->buf + c->head, c->tail - c->head);
    c->tail -= c->head;
    c->head = 0;
    return 1;
}

/* Removes the frame at head, counting it as sent or dropped when it is a record. */
static void consume_frame(umon_client *c, size_t length, unsigned type, int delivered)
{
    c->head += length;
    if (type == UMON_FRAME_RECORD) {
        c->pending--;
        if (delivered)
            c->sent++;
        else
            c->dropped++;
    }
}

static void udp_pump(umon_client *c)
{
    size_t limit = c->scratch_cap;
    while (c->head < c->tail) {
        size_t pos = c->head, len = c->hello_len, records = 0;
        unsigned first_type = c->buf[pos + 3];
        int rc;
        memcpy(c->scratch, c->hello, c->hello_len);
        if (first_type != UMON_FRAME_RECORD) {
            /* GOODBYE travels alone after the HELLO (PROTOCOL.md 5.2). */
            size_t fl = frame_length_at(c->buf + pos);
            if (len + fl <= limit) {
                memcpy(c->scratch + len, c->buf + pos, fl);
                len += fl;
                pos += fl;
            }
        } else {
            while (pos < c->tail && c->buf[pos + 3] == UMON_FRAME_RECORD) {
                size_t fl = frame_length_at(c->buf + pos);
                if (len + fl > limit)
                    break;
                memcpy(c->scratch + len, c->buf + pos, fl);
                len += fl;
                pos += fl;
                records++;
            }
        }
        if (pos == c->head) {  /* cannot fit even alone: max_frame keeps this from happening */
            consume_frame(c, frame_length_at(c->buf + pos), first_type, 0);
            continue;
        }
        rc = udp_send(c, c->scratch, len);
        if (rc == UMON_E_FULL)
            return;  /* socket buffer full: try again on the next call */
        c->head = pos;
        c->pending -= records;
        if (rc == UMON_OK)
            c->sent += records;
        else
            c->dropped += records;
    }
}

static void console_pump(umon_client *c)
{
    while (c->head < c->tail) {
        size_t fl = frame_length_at(c->buf + c->head);
        unsigned type = c->buf[c->head + 3];
        long line = umon_console_line((char *)c->scratch, c->scratch_cap, c->buf + c->head, fl);
        int ok = line > 0 && console_write_all(c, (const char *)c->scratch, (size_t)line) == UMON_OK;
        consume_frame(c, fl, type, ok);
    }
}

static void pump(umon_client *c)
{
    switch (c->cfg.transport) {
    case UMON_TRANSPORT_TCP: tcp_pump(c); break;
    case UMON_TRANSPORT_UDP: udp_pump(c); break;
    case UMON_TRANSPORT_CONSOLE: console_pump(c); break;
    }
}

static int everything_sent(umon_client *c)
{
    return c->head == c->tail && c->frame_left == 0;
}

/* Sends until the buffer is empty or timeout_ms pass. Without wait_for_reconnect it gives up at once
 * when a TCP client waits for a reconnect that is not due before the deadline: nothing can leave then,
 * and a log call or a crash handler must not stall for it. Async-signal-safe when c->in_signal is set. */
static int flush_locked(umon_client *c, unsigned timeout_ms, int wait_for_reconnect)
{
    uint64_t deadline = now_ms(c) + timeout_ms;
    unsigned rounds = 0;
    for (;;) {
        uint64_t now;
        pump(c);
        if (everything_sent(c))
            return UMON_OK;
        now = now_ms(c);
        /* Without a clock (UMON_NO_POSIX) bound the attempts instead of the time. */
        if (now >= deadline || (now == 0 && ++rounds > 1000))
            return UMON_E_TIMEOUT;
        if (!wait_for_reconnect && c->cfg.transport == UMON_TRANSPORT_TCP && c->state == TCP_DISCONNECTED &&
            c->next_attempt_ms >= deadline)
            return UMON_E_TIMEOUT;
        transport_wait(c, deadline - now);
    }
}

static int enqueue_frame_space(umon_client *c, size_t need)
{
    if (make_room(c, need))
        return 1;
    if (c->cfg.blocking) {
        flush_locked(c, c->cfg.flush_timeout_ms, 1);
        return make_room(c, need);
    }
    pump(c);  /* the transport may have drained since the last call */
    return make_room(c, need);
}

#ifdef UMON_HAVE_THREADS
/* With a flusher, TCP and UDP records are left to it (a send() per call would cost the caller far more
 * than the record itself); it comes within 1 ms while records wait. The console stays synchronous. */
static int sends_in_background(umon_client *c)
{
    return c->flusher_running && c->cfg.transport != UMON_TRANSPORT_CONSOLE;
}

/* Wakes the flusher when it would otherwise sleep a whole interval, or when half the buffer waits. */
static void nudge_flusher(umon_client *c)
{
    if (c->flusher_kicked)
        return;
    if (c->flusher_idle || c->tail - c->head >= c->cap / 2) {
        c->flusher_idle = 0;
        c->flusher_kicked = 1;
        pthread_cond_signal(&c->wake_flusher);
    }
}
#endif

static int log_locked(umon_client *c, const umon_record *proto)
{
    umon_record r = *proto;
    long n;
    r.sequence = c->next_sequence++;
    if (make_room(c, c->max_frame)) {
        /* the largest frame fits: encode once, in place */
        n = umon_encode_record(c->buf + c->tail, c->max_frame, &r);
        if (n < 0) {
            c->dropped++;
            return (int)n;
        }
    } else {
        /* nearly full: size the frame first, as it may still fit */
        n = umon_encode_record(NULL, c->max_frame, &r);
        if (n < 0) {
            c->dropped++;
            return (int)n;
        }
        if (!enqueue_frame_space(c, (size_t)n)) {
            c->dropped++;
            return UMON_E_FULL;
        }
        umon_encode_record(c->buf + c->tail, (size_t)n, &r);
    }
    c->tail += (size_t)n;
    c->pending++;
    if (c->cfg.blocking)
        flush_locked(c, c->cfg.flush_timeout_ms, 1);
    else if ((int)r.level >= c->cfg.sync_level)
        flush_locked(c, c->cfg.sync_timeout_ms, 0);  /* an ERROR is often the last word before a crash */
#ifdef UMON_HAVE_THREADS
    else if (sends_in_background(c))
        nudge_flusher(c);
#endif
    else
        pump(c);
    return UMON_OK;
}

int umon_client_log_record(umon_client *c, umon_level level, umon_str logger, umon_str message,
                           const umon_attr *attrs, size_t attr_count)
{
    umon_record r;
    int rc;
    if (c == NULL)
        return UMON_E_CLOSED;
    r.sequence = 0;
    r.clock = c->cfg.clock_kind;
    r.timestamp = clock_now(c);
    r.level = level;
    r.logger = logger.ptr != NULL ? logger : UMON_S(c->logger);
    r.message = message;
    r.attrs = attrs;
    r.attr_count = attr_count;
    lock(c);
    rc = c->closed ? UMON_E_CLOSED : log_locked(c, &r);
    unlock(c);
    return rc;
}

/* Cuts a truncated vsnprintf result back to the last complete UTF-8 character. */
static size_t trim_partial_character(const char *s, size_t len)
{
    size_t i = len, back = 0;
    while (i > 0 && back < 4 && ((unsigned char)s[i - 1] & 0xc0) == 0x80) {
        i--;
        back++;
    }
    if (i > 0 && (unsigned char)s[i - 1] >= 0xc0) {
        unsigned char lead = (unsigned char)s[i - 1];
        size_t want = lead >= 0xf0 ? 4 : lead >= 0xe0 ? 3 : 2;
        if (back + 1 < want)
            return i - 1;
    }
    return len;
}

int umon_client_vlog(umon_client *c, umon_level level, const char *logger, const umon_attr *attrs,
                     size_t attr_count, const char *fmt, va_list ap)
{
    char message[UMON_MESSAGE_MAX];
    size_t len = 0;
    umon_str logger_str = { logger, UMON_STRLEN };
    umon_str message_str;
    if (fmt != NULL) {
        int n = u_vsnprintf(message, sizeof message, fmt, ap);
        if (n > 0) {
            len = (size_t)n;
            if (len >= sizeof message)
                len = trim_partial_character(message, sizeof message - 1);
        }
    }
    message_str.ptr = message;
    message_str.len = len;
    return umon_client_log_record(c, level, logger_str, message_str, attrs, attr_count);
}

int umon_client_log(umon_client *c, umon_level level, const char *logger, const umon_attr *attrs,
                    size_t attr_count, const char *fmt, ...)
{
    va_list ap;
    int rc;
    va_start(ap, fmt);
    rc = umon_client_vlog(c, level, logger, attrs, attr_count, fmt, ap);
    va_end(ap);
    return rc;
}

void umon_client_poll(umon_client *c)
{
    if (c == NULL)
        return;
    lock(c);
    if (!c->closed)
        pump(c);
    unlock(c);
}

int umon_client_flush(umon_client *c, unsigned timeout_ms)
{
    int rc;
    if (c == NULL)
        return UMON_E_CLOSED;
    lock(c);
    rc = c->closed ? UMON_E_CLOSED : flush_locked(c, timeout_ms, 1);
    unlock(c);
    return rc;
}

void umon_client_stats(umon_client *c, umon_stats *stats)
{
    if (stats == NULL)
        return;
    memset(stats, 0, sizeof *stats);
    if (c == NULL)
        return;
    lock(c);
    stats->produced = c->next_sequence;
    stats->sent = c->sent;
    stats->dropped = c->dropped;
    stats->pending = c->pending;
    stats->connects = c->connects;
    unlock(c);
}

#ifdef UMON_HAVE_THREADS
/* How long the flusher may sleep: a whole interval when nothing waits (and nothing did at its last
 * wake-up) or the TCP client only waits for its next reconnect attempt; else 1 ms. Staying on 1 ms for
 * one round after sending keeps a steady trickle batched instead of each record waking the flusher. */
static unsigned flusher_sleep_ms(umon_client *c, int sent_last_round)
{
    unsigned interval = c->cfg.flush_interval_ms;
    if (c->closed || (everything_sent(c) && !sent_last_round))
        return interval;
    if (c->cfg.transport == UMON_TRANSPORT_TCP && c->state == TCP_DISCONNECTED) {
        uint64_t now = now_ms(c);
        uint64_t until = c->next_attempt_ms > now ? c->next_attempt_ms - now : 1;
        return until < interval ? (unsigned)until : interval;
    }
    return 1;
}

static void *flusher_main(void *arg)
{
    umon_client *c = arg;
    int sent_last_round = 0;
    lock(c);
    while (!c->flusher_stop) {
        struct timespec wake;
        unsigned sleep_ms = flusher_sleep_ms(c, sent_last_round);
        c->flusher_idle = sleep_ms == c->cfg.flush_interval_ms && (c->closed || everything_sent(c));
        clock_gettime(CLOCK_REALTIME, &wake);
        wake.tv_sec += sleep_ms / 1000;
        wake.tv_nsec += (long)(sleep_ms % 1000) * 1000000L;
        if (wake.tv_nsec >= 1000000000L) {
            wake.tv_sec++;
            wake.tv_nsec -= 1000000000L;
        }
        pthread_cond_timedwait(&c->wake_flusher, &c->lock, &wake);
        c->owner = pthread_self();
        c->owned = 1;
        c->flusher_idle = 0;
        sent_last_round = !c->flusher_stop && !c->closed && !everything_sent(c);
        if (sent_last_round)
            pump(c);
        c->flusher_kicked = 0;
    }
    unlock(c);
    return NULL;
}

static void stop_flusher(umon_client *c)
{
    lock(c);
    c->flusher_stop = 1;
    pthread_cond_signal(&c->wake_flusher);
    unlock(c);
    if (c->flusher_running && !pthread_equal(pthread_self(), c->flusher))
        pthread_join(c->flusher, NULL);
    c->flusher_running = 0;
}
#endif

static void client_free(umon_client *c)
{
    if (c == NULL)
        return;
#ifdef UMON_HAVE_THREADS
    pthread_mutex_destroy(&c->lock);
    pthread_cond_destroy(&c->wake_flusher);
#endif
    u_free(c->buf);
    u_free(c->scratch);
    u_free(c);
}

umon_client *umon_client_open(const umon_config *config, char *errmsg, size_t errmsg_size)
{
    umon_client *c;
    umon_hello hello;
    long n;
    size_t name_len;
#ifdef UMON_FWCFG
    char fwcfg_token[256];
#endif
    if (config == NULL) {
        errmsg_set(errmsg, errmsg_size, "umonitor: config is NULL: pass a umon_config");
        return NULL;
    }
    if (config->transport != UMON_TRANSPORT_TCP && config->transport != UMON_TRANSPORT_UDP &&
        config->transport != UMON_TRANSPORT_CONSOLE) {
        errmsg_set(errmsg, errmsg_size,
                   "umonitor: transport %d is unknown: use UMON_TRANSPORT_TCP, _UDP or _CONSOLE",
                   (int)config->transport);
        return NULL;
    }
    name_len = config->name ? u_strlen(config->name) : 0;
    if (!umon_valid_name(config->name, name_len)) {
        errmsg_set(errmsg, errmsg_size,
                   "umonitor: unikernel name \"%.80s\" is invalid: use 1 to 63 letters, digits, '.', "
                   "'_' or '-', starting with a letter or digit",
                   config->name ? config->name : "(null)");
        return NULL;
    }
    if (config->token != NULL && u_strlen(config->token) > 255) {
        errmsg_set(errmsg, errmsg_size,
                   "umonitor: token is %lu bytes long: a token has at most 255 bytes (umonitor issues 32)",
                   (unsigned long)u_strlen(config->token));
        return NULL;
    }
    c = u_calloc(1, sizeof *c);
    if (c == NULL) {
        errmsg_set(errmsg, errmsg_size, "umonitor: out of memory allocating the client");
        return NULL;
    }
    c->cfg = *config;
    c->fd = -1;
    memcpy(c->name, config->name, name_len + 1);
    if (config->logger != NULL) {
        size_t logger_len = u_strlen(config->logger);
        if (logger_len > sizeof c->logger - 1)
            logger_len = sizeof c->logger - 1;  /* the encoder cuts it at a character boundary anyway */
        memcpy(c->logger, config->logger, logger_len);
    }
    c->cfg.name = c->name;
    c->cfg.logger = c->logger;
    c->cfg.address = NULL;  /* resolved below; the caller's string need not outlive this call */
    if (c->cfg.buffer_size == 0)
        c->cfg.buffer_size = 64 * 1024;
    if (c->cfg.flush_timeout_ms == 0)
        c->cfg.flush_timeout_ms = 2000;
    if (c->cfg.sync_level == 0)
        c->cfg.sync_level = UMON_ERROR;
    if (c->cfg.sync_timeout_ms == 0)
        c->cfg.sync_timeout_ms = 200;
    if (c->cfg.reconnect_min_ms == 0)
        c->cfg.reconnect_min_ms = 100;
    if (c->cfg.reconnect_max_ms < c->cfg.reconnect_min_ms)
        c->cfg.reconnect_max_ms = c->cfg.reconnect_min_ms > 5000 ? c->cfg.reconnect_min_ms : 5000;
    if (c->cfg.udp_max_datagram == 0 || c->cfg.udp_max_datagram > UMON_UDP_MAX_PAYLOAD)
        c->cfg.udp_max_datagram =
            c->cfg.udp_max_datagram == 0 ? UMON_UDP_ETHERNET_PAYLOAD : UMON_UDP_MAX_PAYLOAD;
#ifdef UMON_NO_POSIX
    if (c->cfg.clock_ns == NULL)
        c->cfg.clock_kind = UMON_CLOCK_NONE;
#endif
    c->backoff_ms = c->cfg.reconnect_min_ms;
#ifdef UMON_HAVE_THREADS
    if (pthread_mutex_init(&c->lock, NULL) != 0) {
        u_free(c);
        errmsg_set(errmsg, errmsg_size, "umonitor: cannot create the client's mutex");
        return NULL;
    }
    if (pthread_cond_init(&c->wake_flusher, NULL) != 0) {
        pthread_mutex_destroy(&c->lock);
        u_free(c);
        errmsg_set(errmsg, errmsg_size, "umonitor: cannot create the client's condition variable");
        return NULL;
    }
#endif

    hello.name = UMON_S(c->name);
    /* A console is read by the host that launched the guest; a token printed there would only leak. */
    hello.token = UMON_S(config->transport == UMON_TRANSPORT_CONSOLE ? "" : config->token);
#ifdef UMON_FWCFG
    /* QEMU guests get their token through fw_cfg, out of `ps` (umonitor_fwcfg.h). */
    if (config->transport != UMON_TRANSPORT_CONSOLE && (config->token == NULL || config->token[0] == '\0') &&
        umon_fwcfg_token(fwcfg_token, sizeof fwcfg_token) > 0)
        hello.token = UMON_S(fwcfg_token);
#endif
    hello.client_name = UMON_S(UMON_CLIENT_NAME);
    hello.client_version = UMON_S(UMON_CLIENT_VERSION);
    hello.session = config->session != 0 ? config->session : random_session();
    c->cfg.session = hello.session;
    n = umon_encode_hello(c->hello, sizeof c->hello, &hello);
    if (n < 0) {
        errmsg_set(errmsg, errmsg_size, "umonitor: cannot encode HELLO: %s", umon_strerror((int)n));
        client_free(c);
        return NULL;
    }
    c->hello_len = (size_t)n;

    switch (config->transport) {
    case UMON_TRANSPORT_TCP:
        c->max_frame = c->cfg.max_frame ? c->cfg.max_frame : 16 * 1024;
        c->scratch_cap = 0;
        break;
    case UMON_TRANSPORT_UDP:
        c->scratch_cap = c->cfg.udp_max_datagram;
        if (c->hello_len + 64 > c->scratch_cap) {
            errmsg_set(errmsg, errmsg_size,
                       "umonitor: udp_max_datagram %lu leaves no room for records after the %lu-byte "
                       "HELLO: raise it (default %u)",
                       (unsigned long)c->scratch_cap, (unsigned long)c->hello_len,
                       UMON_UDP_ETHERNET_PAYLOAD);
            client_free(c);
            return NULL;
        }
        c->max_frame = c->scratch_cap - c->hello_len;
        if (c->cfg.max_frame != 0 && c->cfg.max_frame < c->max_frame)
            c->max_frame = c->cfg.max_frame;
        break;
    case UMON_TRANSPORT_CONSOLE:
        c->max_frame = c->cfg.max_frame ? c->cfg.max_frame : UMON_CONSOLE_MAX_FRAME;
        break;
    }
    if (c->max_frame > UMON_MAX_FRAME)
        c->max_frame = UMON_MAX_FRAME;
    if (c->max_frame > c->cfg.buffer_size)
        c->max_frame = c->cfg.buffer_size;
    if (c->max_frame < 64) {
        errmsg_set(errmsg, errmsg_size,
                   "umonitor: max_frame/buffer_size %lu is too small for any record: use at least 64",
                   (unsigned long)c->max_frame);
        client_free(c);
        return NULL;
    }
    if (config->transport == UMON_TRANSPORT_CONSOLE) {
        size_t frame = c->max_frame > c->hello_len ? c->max_frame : c->hello_len;
        if (frame < UMON_FRAME_OVERHEAD + 64 + 8)
            frame = UMON_FRAME_OVERHEAD + 64 + 8;  /* room for GOODBYE */
        c->scratch_cap = sizeof(UMON_CONSOLE_MARKER) + (frame + 2) / 3 * 4 + 2;
    }
    c->cap = c->cfg.buffer_size;
    c->buf = u_malloc(c->cap);
    c->scratch = c->scratch_cap ? u_malloc(c->scratch_cap) : NULL;
    if (c->buf == NULL || (c->scratch_cap && c->scratch == NULL)) {
        errmsg_set(errmsg, errmsg_size, "umonitor: out of memory for a %lu-byte buffer: lower buffer_size",
                   (unsigned long)c->cap);
        client_free(c);
        return NULL;
    }

    switch (config->transport) {
    case UMON_TRANSPORT_TCP:
        if (resolve_address(c, config->address, errmsg, errmsg_size) != UMON_OK) {
            client_free(c);
            return NULL;
        }
        c->state = TCP_DISCONNECTED;
        c->next_attempt_ms = 0;
        tcp_pump(c);  /* starts the connection */
        /* A collector that is up should get the first records at once, not at the next call. */
        tcp_wait_connected(c, c->cfg.connect_wait_ms ? c->cfg.connect_wait_ms : 200);
        break;
    case UMON_TRANSPORT_UDP:
        if (udp_open(c, config->address, errmsg, errmsg_size) != UMON_OK) {
            client_free(c);
            return NULL;
        }
        break;
    case UMON_TRANSPORT_CONSOLE:
        /* The HELLO line announces the session to the console reader (informational there). */
        if (umon_console_line((char *)c->scratch, c->scratch_cap, c->hello, c->hello_len) > 0)
            console_write_all(c, (const char *)c->scratch, u_strlen((const char *)c->scratch));
        break;
    }
#ifdef UMON_HAVE_THREADS
    if (c->cfg.flush_interval_ms > 0 && pthread_create(&c->flusher, NULL, flusher_main, c) == 0)
        c->flusher_running = 1;  /* without it the client still works, only less promptly */
#endif
    return c;
}

/* Sends GOODBYE and closes the transport; the struct stays valid (closed = 1) for late callers. */
static int client_finish(umon_client *c, const char *reason)
{
    umon_goodbye g;
    uint8_t frame[UMON_FRAME_OVERHEAD + 16 + 1 + 255];
    long n;
    int rc;
#ifdef UMON_HAVE_THREADS
    if (c->flusher_running)
        stop_flusher(c);
#endif
    lock(c);
    if (c->closed) {
        unlock(c);
        return UMON_E_CLOSED;
    }
    g.produced = c->next_sequence;
    g.dropped = c->dropped;
    g.reason = UMON_S(reason);
    n = umon_encode_goodbye(frame, sizeof frame, &g);
    if (n > 0 && !make_room(c, (size_t)n)) {
        flush_locked(c, c->cfg.flush_timeout_ms, 1);
        if (!make_room(c, (size_t)n))
            n = UMON_E_FULL;
    }
    if (n > 0) {
        memcpy(c->buf + c->tail, frame, (size_t)n);
        c->tail += (size_t)n;
    }
    rc = flush_locked(c, c->cfg.flush_timeout_ms, 1);
    if (n < 0)
        rc = (int)n;
    transport_close(c);
    c->closed = 1;
    /* Only the small struct must outlive a closed process-wide client; the buffers can go. */
    u_free(c->buf);
    u_free(c->scratch);
    c->buf = NULL;
    c->scratch = NULL;
    c->head = c->tail = c->cap = 0;
    unlock(c);
    return rc;
}

int umon_client_close(umon_client *c, const char *reason)
{
    int rc;
    if (c == NULL)
        return UMON_E_CLOSED;
    rc = client_finish(c, reason);
    client_free(c);
    return rc;
}

/* ============================================================================================== */
/* 3. POSIX transports                                                                            */
/* ============================================================================================== */
#ifndef UMON_NO_POSIX

#ifdef MSG_NOSIGNAL
#define UMON_SEND_FLAGS MSG_NOSIGNAL
#else
#define UMON_SEND_FLAGS 0  /* SO_NOSIGPIPE is set on the socket instead */
#endif

static uint64_t now_ms(umon_client *c)
{
    struct timespec ts;
    (void)c;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

static int64_t clock_now(umon_client *c)
{
    struct timespec ts;
    if (c->cfg.clock_ns != NULL)
        return c->cfg.clock_ns();
    if (c->cfg.clock_kind == UMON_CLOCK_NONE)
        return 0;
    clock_gettime(c->cfg.clock_kind == UMON_CLOCK_MONOTONIC ? CLOCK_MONOTONIC : CLOCK_REALTIME, &ts);
    return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

static uint64_t random_session(void)
{
    uint64_t r = 0;
    struct timespec ts;
    int fd = open("/dev/urandom", O_RDONLY);
    if (fd >= 0) {
        if (read(fd, &r, sizeof r) != (ssize_t)sizeof r)
            r = 0;
        close(fd);
    }
    /* Without /dev/urandom, time and pid still separate two runs of one program. */
    clock_gettime(CLOCK_REALTIME, &ts);
    r ^= (uint64_t)ts.tv_nsec * 0x9e3779b97f4a7c15u ^ (uint64_t)ts.tv_sec << 20 ^ (uint64_t)getpid();
    return r;
}

static int split_host_port(const char *address, char *host, size_t host_size, const char **port)
{
    const char *colon;
    size_t host_len;
    if (address == NULL)
        return 0;
    if (address[0] == '[') {
        const char *end = strchr(address, ']');
        if (end == NULL || end[1] != ':')
            return 0;
        host_len = (size_t)(end - address - 1);
        address++;
        colon = end + 1;
    } else {
        colon = strrchr(address, ':');
        if (colon == NULL)
            return 0;
        host_len = (size_t)(colon - address);
    }
    if (host_len == 0 || host_len >= host_size || colon[1] == '\0')
        return 0;
    memcpy(host, address, host_len);
    host[host_len] = '\0';
    *port = colon + 1;
    return 1;
}


static int resolve_address(umon_client *c, const char *address, char *errmsg, size_t errmsg_size)
{
    char host[256];
    const char *port = NULL;
    struct addrinfo hints, *res = NULL;
    int rc;
    if (!split_host_port(address, host, sizeof host, &port)) {
        errmsg_set(errmsg, errmsg_size,
                   "umonitor: collector address \"%.200s\" is not host:port: write it like "
                   "127.0.0.1:7000 or [::1]:7000",
                   address ? address : "(null)");
        return UMON_E_ADDRESS;
    }
    memset(&hints, 0, sizeof hints);
    hints.ai_family = AF_UNSPEC;
    hints.ai_socktype = c->cfg.transport == UMON_TRANSPORT_TCP ? SOCK_STREAM : SOCK_DGRAM;
    rc = getaddrinfo(host, port, &hints, &res);
    if (rc != 0 || res == NULL || res->ai_addrlen > sizeof c->addr) {
        errmsg_set(errmsg, errmsg_size,
                   "umonitor: collector address \"%.200s\" cannot be resolved (%s): give a reachable "
                   "host and a numeric port",
                   address, rc != 0 ? gai_strerror(rc) : "no address");
        if (res != NULL)
            freeaddrinfo(res);
        return UMON_E_ADDRESS;
    }
    memcpy(&c->addr, res->ai_addr, res->ai_addrlen);
    c->addr_len = (socklen_t)res->ai_addrlen;
    freeaddrinfo(res);
    return UMON_OK;
}

static int open_socket(umon_client *c, int type)
{
    int fd = socket(c->addr.ss_family, type, 0);
    int flags;
    if (fd < 0)
        return -1;
    flags = fcntl(fd, F_GETFL, 0);
    if (flags < 0 || fcntl(fd, F_SETFL, flags | O_NONBLOCK) < 0) {
        close(fd);
        return -1;
    }
    fcntl(fd, F_SETFD, FD_CLOEXEC);  /* a guest that execs must not leak the log connection */
#ifdef SO_NOSIGPIPE
    {
        int one = 1;
        setsockopt(fd, SOL_SOCKET, SO_NOSIGPIPE, &one, sizeof one);
    }
#endif
    return fd;
}

static void tcp_disconnect(umon_client *c)
{
    uint64_t now = now_ms(c);
    if (c->fd >= 0)
        close(c->fd);
    c->fd = -1;
    /* The receiver discards a frame cut off by the connection's end; it is lost. */
    if (c->frame_left > 0) {
        c->head += c->frame_left;
        if (c->frame_type == UMON_FRAME_RECORD) {
            c->pending--;
            c->dropped++;
        }
        c->frame_left = 0;
    }
    /* A connection that the receiver closes at once (say, for a bad token) must not make us
     * reconnect at the shortest delay forever: only a connection that lived resets the backoff. */
    if (c->state == TCP_CONNECTED && now - c->connected_at_ms >= 1000)
        c->backoff_ms = c->cfg.reconnect_min_ms;
    c->state = TCP_DISCONNECTED;
    c->next_attempt_ms = now + c->backoff_ms;
    c->backoff_ms = c->backoff_ms * 2 > c->cfg.reconnect_max_ms ? c->cfg.reconnect_max_ms
                                                                  : c->backoff_ms * 2;
}

static void tcp_connected(umon_client *c)
{
    int one = 1;
    setsockopt(c->fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    c->state = TCP_CONNECTED;
    c->connected_at_ms = now_ms(c);
    c->connects++;
    c->hello_left = c->hello_len;
}

/* 1 when the peer closed or reset the connection. The receiver never sends data in version 1. */
static int tcp_peer_gone(umon_client *c)
{
    struct pollfd p;
    uint8_t sink[256];
    ssize_t n;
    p.fd = c->fd;
    p.events = POLLIN;
    p.revents = 0;
    if (poll(&p, 1, 0) <= 0)
        return 0;
    if (p.revents & (POLLERR | POLLNVAL))
        return 1;
    n = recv(c->fd, sink, sizeof sink, 0);
    return n == 0 || (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR);
}

static int send_would_block(void)
{
    return errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR || errno == ENOBUFS;
}

static void tcp_pump(umon_client *c)
{
    if (c->state == TCP_DISCONNECTED) {
        if (now_ms(c) < c->next_attempt_ms)
            return;
        c->fd = open_socket(c, SOCK_STREAM);
        if (c->fd < 0) {
            tcp_disconnect(c);
            return;
        }
        if (connect(c->fd, (struct sockaddr *)&c->addr, c->addr_len) == 0) {
            tcp_connected(c);
        } else if (errno == EINPROGRESS || errno == EINTR) {
            c->state = TCP_CONNECTING;
            return;  /* poll for completion on the next call rather than wait here */
        } else {
            tcp_disconnect(c);
            return;
        }
    }
    if (c->state == TCP_CONNECTING) {
        struct pollfd p;
        int err = 0;
        socklen_t len = sizeof err;
        p.fd = c->fd;
        p.events = POLLOUT;
        p.revents = 0;
        if (poll(&p, 1, 0) <= 0)
            return;
        if (getsockopt(c->fd, SOL_SOCKET, SO_ERROR, &err, &len) != 0 || err != 0) {
            tcp_disconnect(c);
            return;
        }
        tcp_connected(c);
    }
    if (tcp_peer_gone(c)) {
        tcp_disconnect(c);
        return;
    }
    while (c->hello_left > 0) {
        ssize_t n = send(c->fd, c->hello + c->hello_len - c->hello_left, c->hello_left, UMON_SEND_FLAGS);
        if (n < 0) {
            if (!send_would_block())
                tcp_disconnect(c);
            return;
        }
        c->hello_left -= (size_t)n;
    }
    while (c->head < c->tail) {
        ssize_t n = send(c->fd, c->buf + c->head, c->tail - c->head, UMON_SEND_FLAGS);
        size_t done;
        if (n < 0) {
            if (!send_would_block())
                tcp_disconnect(c);
            return;
        }
        /* Account whole frames; the frame at head may end up partly sent. */
        done = (size_t)n;
        while (done > 0) {
            size_t take;
            if (c->frame_left == 0) {
                c->frame_left = frame_length_at(c->buf + c->head);
                c->frame_type = c->buf[c->head + 3];
            }
            take = done < c->frame_left ? done : c->frame_left;
            c->head += take;
            c->frame_left -= take;
            done -= take;
            if (c->frame_left == 0 && c->frame_type == UMON_FRAME_RECORD) {
                c->pending--;
                c->sent++;
            }
        }
    }
}

static void tcp_wait_connected(umon_client *c, unsigned timeout_ms)
{
    uint64_t deadline = now_ms(c) + timeout_ms;
    while (c->state == TCP_CONNECTING) {
        struct pollfd p;
        uint64_t now = now_ms(c);
        if (now >= deadline)
            return;
        p.fd = c->fd;
        p.events = POLLOUT;
        p.revents = 0;
        poll(&p, 1, (int)(deadline - now));
        tcp_pump(c);
    }
}

static int udp_open(umon_client *c, const char *address, char *errmsg, size_t errmsg_size)
{
    int rc;
    if (c->cfg.datagram_send != NULL)
        return UMON_OK;
    rc = resolve_address(c, address, errmsg, errmsg_size);
    if (rc != UMON_OK)
        return rc;
    c->fd = open_socket(c, SOCK_DGRAM);
    if (c->fd < 0) {
        errmsg_set(errmsg, errmsg_size, "umonitor: cannot open a UDP socket (%s)", strerror(errno));
        return UMON_E_SYSTEM;
    }
    return UMON_OK;
}

static int udp_send(umon_client *c, const uint8_t *payload, size_t len)
{
    ssize_t n;
    if (c->cfg.datagram_send != NULL)
        return c->cfg.datagram_send(c->cfg.datagram_ctx, payload, len);
    n = sendto(c->fd, payload, len, UMON_SEND_FLAGS, (struct sockaddr *)&c->addr, c->addr_len);
    if (n == (ssize_t)len)
        return UMON_OK;
    return n < 0 && send_would_block() ? UMON_E_FULL : UMON_E_SYSTEM;
}

static int console_write_all(umon_client *c, const char *line, size_t len)
{
    int fd = c->cfg.console_fd > 0 ? c->cfg.console_fd : STDOUT_FILENO;
    if (c->cfg.console_write != NULL) {
        c->cfg.console_write(line, len);
        return UMON_OK;
    }
    /* Text the program printed with stdio must come out before our line, not in the middle of it
     * (not from a signal handler: stdio is not async-signal-safe). */
    if (fd == STDOUT_FILENO && !c->in_signal)
        fflush(stdout);
    while (len > 0) {
        ssize_t n = write(fd, line, len);
        if (n < 0) {
            if (errno == EINTR)
                continue;
            if (errno == EAGAIN || errno == EWOULDBLOCK) {
                struct pollfd p;
                p.fd = fd;
                p.events = POLLOUT;
                p.revents = 0;
                if (poll(&p, 1, 1000) > 0)
                    continue;
            }
            return UMON_E_SYSTEM;
        }
        line += n;
        len -= (size_t)n;
    }
    return UMON_OK;
}

static void transport_wait(umon_client *c, uint64_t remaining_ms)
{
    struct pollfd p;
    int timeout = remaining_ms > 50 ? 50 : (int)remaining_ms;
    if (c->cfg.transport == UMON_TRANSPORT_TCP && c->state == TCP_DISCONNECTED) {
        uint64_t now = now_ms(c);
        if (c->next_attempt_ms > now && c->next_attempt_ms - now < (uint64_t)timeout)
            timeout = (int)(c->next_attempt_ms - now);
        poll(NULL, 0, timeout);
        return;
    }
    if (c->fd < 0) {
        poll(NULL, 0, timeout > 10 ? 10 : timeout);
        return;
    }
    p.fd = c->fd;
    p.events = POLLOUT;
    p.revents = 0;
    poll(&p, 1, timeout);
}

static void transport_close(umon_client *c)
{
    if (c->fd >= 0) {
        if (c->cfg.transport == UMON_TRANSPORT_TCP)
            shutdown(c->fd, SHUT_WR);
        close(c->fd);
    }
    c->fd = -1;
    c->state = TCP_DISCONNECTED;
}

#else /* UMON_NO_POSIX: only callback transports */

static uint64_t now_ms(umon_client *c)
{
    return c->cfg.monotonic_ms != NULL ? c->cfg.monotonic_ms() : 0;
}

static int64_t clock_now(umon_client *c)
{
    return c->cfg.clock_ns != NULL ? c->cfg.clock_ns() : 0;
}

static uint64_t random_session(void)
{
    /* No entropy source is portable here: callers on such targets should pass config->session. */
    static uint64_t counter = 0x9e3779b97f4a7c15u;
    uintptr_t stack_address = (uintptr_t)&counter;
    counter = counter * 6364136223846793005u + 1442695040888963407u;
    return counter ^ (uint64_t)stack_address;
}

static int resolve_address(umon_client *c, const char *address, char *errmsg, size_t errmsg_size)
{
    (void)c;
    errmsg_set(errmsg, errmsg_size,
               "umonitor: TCP to \"%.200s\" needs sockets, which this build (UMON_NO_POSIX) lacks: use "
               "UMON_TRANSPORT_UDP with datagram_send or UMON_TRANSPORT_CONSOLE",
               address ? address : "(null)");
    return UMON_E_UNSUPPORTED;
}

static void tcp_pump(umon_client *c)
{
    (void)c;
}

static void tcp_wait_connected(umon_client *c, unsigned timeout_ms)
{
    (void)c;
    (void)timeout_ms;
}

static int udp_open(umon_client *c, const char *address, char *errmsg, size_t errmsg_size)
{
    if (c->cfg.datagram_send != NULL)
        return UMON_OK;
    errmsg_set(errmsg, errmsg_size,
               "umonitor: UDP to \"%.200s\" needs sockets, which this build (UMON_NO_POSIX) lacks: set "
               "datagram_send (see umonitor_solo5.c)",
               address ? address : "(null)");
    return UMON_E_UNSUPPORTED;
}

static int udp_send(umon_client *c, const uint8_t *payload, size_t len)
{
    return c->cfg.datagram_send(c->cfg.datagram_ctx, payload, len);
}

static int console_write_all(umon_client *c, const char *line, size_t len)
{
    if (c->cfg.console_write != NULL) {
        c->cfg.console_write(line, len);
        return UMON_OK;
    }
#ifdef UMON_FREESTANDING
    (void)line;
    (void)len;
    return UMON_E_UNSUPPORTED;  /* no stdout without a C library: set console_write */
#else
    if (fwrite(line, 1, len, stdout) != len)
        return UMON_E_SYSTEM;
    fflush(stdout);
    return UMON_OK;
#endif
}

static void transport_wait(umon_client *c, uint64_t remaining_ms)
{
    if (c->cfg.wait_ms != NULL)
        c->cfg.wait_ms(remaining_ms > 10 ? 10 : (unsigned)remaining_ms);
}

static void transport_close(umon_client *c)
{
    (void)c;
}

#endif /* UMON_NO_POSIX */

/* ============================================================================================== */
/* 4. Process-wide client                                                                         */
/* ============================================================================================== */

/* Never freed once opened: a send_log() racing with umon_shutdown() must find valid memory. */
static umon_client *volatile default_client;
static char init_error[512];
static int atexit_registered;

static void shutdown_at_exit(void)
{
    umon_shutdown("exit");
}

#ifndef UMON_NO_POSIX
/* ---- crash safety: hand the buffer over when a fatal signal arrives --------------------------- */

static const int crash_signals[] = { SIGSEGV, SIGBUS, SIGILL, SIGFPE, SIGABRT };
static const char *const crash_reasons[] = { "crashed: SIGSEGV", "crashed: SIGBUS", "crashed: SIGILL",
                                             "crashed: SIGFPE", "crashed: SIGABRT" };
#define CRASH_SIGNAL_COUNT (sizeof crash_signals / sizeof crash_signals[0])
/* How long a crashing process may spend handing records over (and waiting for a sender thread). */
#define CRASH_FLUSH_MS 1000u
static struct sigaction crash_previous[CRASH_SIGNAL_COUNT];
static int crash_handlers_installed;
static volatile sig_atomic_t crash_flushing;  /* one thread flushes; others crashing meanwhile wait */
#if defined(__GNUC__) || defined(__clang__)
#define CLAIM_CRASH_FLUSH() __sync_bool_compare_and_swap(&crash_flushing, 0, 1)
#else
#define CLAIM_CRASH_FLUSH() (!crash_flushing && (crash_flushing = 1))
#endif

static void crash_pause_ms(unsigned ms)
{
    struct timespec ts;
    ts.tv_sec = 0;
    ts.tv_nsec = (long)ms * 1000000L;
    nanosleep(&ts, NULL);
}

/* Async-signal-safe: the lock is only tried, and pump() makes system calls from the async-signal-safe
 * list (send, sendto, write, poll, connect, clock_gettime) on the client's own memory. With goodbye
 * the process is about to die: a GOODBYE follows the records and the client stays locked and closed. */
static int crash_flush_client(umon_client *c, const char *goodbye)
{
    int locked = 0, rc;
#ifdef UMON_HAVE_THREADS
    unsigned waited;
    for (waited = 0; waited < CRASH_FLUSH_MS; waited++) {
        if (pthread_mutex_trylock(&c->lock) == 0) {
            locked = 1;
            break;
        }
        /* This very thread crashed inside the client: the frames before tail are complete, go ahead. */
        if (c->owned && pthread_equal(c->owner, pthread_self()))
            break;
        crash_pause_ms(1);
    }
    if (waited == CRASH_FLUSH_MS)
        return UMON_E_TIMEOUT;  /* another thread holds the client; leave it alone rather than garble it */
#else
    locked = 1;
#endif
    if (c->closed || c->buf == NULL) {
        if (locked)
            unlock(c);
        return UMON_E_CLOSED;
    }
    c->in_signal = 1;
    rc = flush_locked(c, CRASH_FLUSH_MS, 0);
    if (goodbye != NULL) {
        umon_goodbye g;
        long n;
        g.produced = c->next_sequence;
        g.dropped = c->dropped;
        g.reason = UMON_S(goodbye);
        n = umon_encode_goodbye(NULL, c->cap, &g);
        if (n > 0 && make_room(c, (size_t)n)) {
            umon_encode_goodbye(c->buf + c->tail, (size_t)n, &g);
            c->tail += (size_t)n;
            rc = flush_locked(c, CRASH_FLUSH_MS, 0);
        }
        c->closed = 1;  /* no other thread may log after the GOODBYE in the moments left */
        return rc;
    }
    c->in_signal = 0;
    if (locked)
        unlock(c);
    return rc;
}

static void crash_handler(int sig, siginfo_t *info, void *context)
{
    int saved_errno = errno;
    size_t i;
    umon_client *c = default_client;
    int dies;
    (void)context;
    for (i = 0; i < CRASH_SIGNAL_COUNT && crash_signals[i] != sig; i++)
        ;
    if (i == CRASH_SIGNAL_COUNT)
        return;
    /* With the default disposition the signal kills the process once we are done: say GOODBYE.
     * A program's own handler may survive the signal, so then the session stays open. */
    dies = !(crash_previous[i].sa_flags & SA_SIGINFO) && crash_previous[i].sa_handler == SIG_DFL;
    if (CLAIM_CRASH_FLUSH()) {
        if (c != NULL)
            crash_flush_client(c, dies ? crash_reasons[i] : NULL);
        if (!dies)
            crash_flushing = 0;
    } else {
        unsigned waited;
        for (waited = 0; crash_flushing && waited < 2 * CRASH_FLUSH_MS; waited++)
            crash_pause_ms(1);  /* another thread crashed first: let it finish before we die */
    }
    /* Back to what was there before, and let the signal take its course: a fault the kernel raised
     * repeats when this handler returns (with its original siginfo), anything else is raised again. */
    sigaction(sig, &crash_previous[i], NULL);
    if (info == NULL || info->si_code <= 0 || sig == SIGABRT)
        raise(sig);
    errno = saved_errno;
}

static void install_crash_handlers(void)
{
    struct sigaction sa;
    size_t i;
    if (crash_handlers_installed)
        return;
    memset(&sa, 0, sizeof sa);
    sa.sa_sigaction = crash_handler;
    sa.sa_flags = SA_SIGINFO;
#ifdef SA_ONSTACK
    sa.sa_flags |= SA_ONSTACK;  /* a stack overflow is survivable only on the program's sigaltstack */
#endif
    sigfillset(&sa.sa_mask);
    for (i = 0; i < CRASH_SIGNAL_COUNT; i++)
        sigaction(crash_signals[i], &sa, &crash_previous[i]);
    crash_handlers_installed = 1;
}

int umon_crash_flush(void)
{
    umon_client *c = default_client;
    return c == NULL ? UMON_E_CLOSED : crash_flush_client(c, NULL);
}
#else
int umon_crash_flush(void)
{
    umon_client *c = default_client;
    return c == NULL ? UMON_E_CLOSED : umon_client_flush(c, 1000);  /* no signals here: a plain flush */
}
#endif

int umon_init(const umon_config *config)
{
    umon_client *c;
    init_error[0] = '\0';
    c = umon_client_open(config, init_error, sizeof init_error);
    if (c == NULL)
        return UMON_E_INVALID;
    if (default_client != NULL)
        client_finish(default_client, "reinit");
    default_client = c;
#ifndef UMON_NO_POSIX
    if (!config->no_crash_handler)
        install_crash_handlers();
#endif
#ifndef UMON_FREESTANDING
    if (!atexit_registered && atexit(shutdown_at_exit) == 0)
        atexit_registered = 1;
#else
    (void)atexit_registered;
    (void)shutdown_at_exit;  /* no atexit: the unikernel calls umon_shutdown() before it returns */
#endif
    return UMON_OK;
}

#ifndef UMON_NO_POSIX
/* UMONITOR_SYNC_LEVEL: a level name (TRACE ... FATAL) or NEVER; returns 0 for anything else. */
static int sync_level_named(const char *value)
{
    static const char *const names[] = { "TRACE", "DEBUG", "INFO", "WARN", "ERROR", "FATAL", "NEVER" };
    int i;
    for (i = 0; i < 7; i++)
        if (strcasecmp(value, names[i]) == 0)
            return i + 1;
    return 0;
}

/* A program that logs nothing because the environment lacks something should hear why, once, even if
 * it ignores the return code (umon_init_from_env() may be called by the trace hooks, too). */
static void report_env_problem_once(void)
{
    static char reported[sizeof init_error];
    if (strcmp(reported, init_error) == 0)
        return;
    memcpy(reported, init_error, sizeof reported);
    fprintf(stderr, "%s\n", init_error);
}
#endif

int umon_init_from_env(void)
{
#ifdef UMON_NO_POSIX
    errmsg_set(init_error, sizeof init_error,
               "umonitor: this build (UMON_NO_POSIX) has no environment: call umon_init()");
    return UMON_E_UNSUPPORTED;
#else
    umon_config config;
    const char *tcp = getenv("UMONITOR_TCP");
    const char *udp = getenv("UMONITOR_UDP");
    const char *sync = getenv("UMONITOR_SYNC_LEVEL");
    int rc;
    memset(&config, 0, sizeof config);
    config.flush_interval_ms = 100;
    config.name = getenv("UMONITOR_NAME");
    config.token = getenv("UMONITOR_TOKEN");
    if (config.name == NULL || config.name[0] == '\0') {
        int has_address = (tcp != NULL && tcp[0] != '\0') || (udp != NULL && udp[0] != '\0');
        errmsg_set(init_error, sizeof init_error,
                   "umonitor: UMONITOR_NAME is not set, so this program sends no log records: run it under "
                   "umonitor, or set UMONITOR_NAME=<name>%s as `umonitor listen` prints them",
                   has_address ? "" : " and UMONITOR_TCP=host:port or UMONITOR_UDP=host:port");
        report_env_problem_once();
        return UMON_E_INVALID;
    }
    if (sync != NULL && sync[0] != '\0') {
        config.sync_level = sync_level_named(sync);
        if (config.sync_level == 0) {
            errmsg_set(init_error, sizeof init_error,
                       "umonitor: UMONITOR_SYNC_LEVEL=\"%.40s\" is not a level: use TRACE, DEBUG, INFO, WARN, "
                       "ERROR (the default) or FATAL, or NEVER; using ERROR", sync);
            report_env_problem_once();
        }
    }
    if (tcp != NULL && tcp[0] != '\0') {
        config.transport = UMON_TRANSPORT_TCP;
        config.address = tcp;
    } else if (udp != NULL && udp[0] != '\0') {
        config.transport = UMON_TRANSPORT_UDP;
        config.address = udp;
    } else {
        config.transport = UMON_TRANSPORT_CONSOLE;
    }
    rc = umon_init(&config);
    if (rc != UMON_OK)
        report_env_problem_once();
    return rc;
#endif
}

const char *umon_init_error(void)
{
    return init_error;
}

umon_client *umon_default_client(void)
{
    umon_client *c = default_client;
    return c != NULL && !c->closed ? c : NULL;
}

int umon_shutdown(const char *reason)
{
    umon_client *c = default_client;
    if (c == NULL)
        return UMON_E_CLOSED;
    return client_finish(c, reason);
}

int send_log(umon_level level, const char *fmt, ...)
{
    va_list ap;
    int rc;
    va_start(ap, fmt);
    rc = umon_client_vlog(default_client, level, NULL, NULL, 0, fmt, ap);
    va_end(ap);
    return rc;
}

int send_log_attrs(umon_level level, const umon_attr *attrs, size_t attr_count, const char *fmt, ...)
{
    va_list ap;
    int rc;
    va_start(ap, fmt);
    rc = umon_client_vlog(default_client, level, NULL, attrs, attr_count, fmt, ap);
    va_end(ap);
    return rc;
}

int umon_log_at(umon_level level, const char *function, const char *file, int line,
                const umon_attr *attrs, size_t attr_count, const char *fmt, ...)
{
    umon_attr local[32];
    umon_attr *all = local;
    const umon_attr *sent;
    size_t i, n = attr_count + 3;
    va_list ap;
    int rc;
    if (n > sizeof local / sizeof local[0]) {
#ifdef UMON_FREESTANDING
        all = NULL;  /* the arena is for clients, not for every call */
#else
        all = malloc(n * sizeof *all);
#endif
    }
    if (all != NULL) {
        all[0] = UMON_A_STR("function", function);
        all[1] = UMON_A_STR("file", file);
        all[2] = UMON_A_I64("line", line);
        for (i = 0; i < attr_count; i++)
            all[3 + i] = attrs[i];
        sent = all;
    } else {  /* the record matters more than its location */
        sent = attrs;
        n = attr_count;
    }
    va_start(ap, fmt);
    rc = umon_client_vlog(default_client, level, NULL, sent, n, fmt, ap);
    va_end(ap);
#ifndef UMON_FREESTANDING
    if (all != local)
        free(all);
#endif
    return rc;
}
