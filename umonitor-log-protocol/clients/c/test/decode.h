/* Just enough of a decoder for the C tests to look inside what the client sent. The real decoders
 * (Java, with every check of PROTOCOL.md section 6) are tested against the shared vectors. */
#ifndef UMON_TEST_DECODE_H
#define UMON_TEST_DECODE_H

#include <stdint.h>
#include <string.h>

#include "umonitor_log.h"

typedef struct {
    unsigned type;
    size_t length;          /* whole frame */
    uint64_t sequence;      /* RECORD */
    unsigned level;         /* RECORD */
    char message[5000];     /* RECORD message, GOODBYE reason, HELLO token; NUL-terminated */
    char name[256];         /* HELLO name, RECORD logger */
    uint64_t session;       /* HELLO */
    uint64_t produced, dropped; /* GOODBYE */
    unsigned attr_count;
    struct {
        char key[64];
        unsigned type;
        uint64_t number;    /* INT64, UINT64, BOOL */
        char text[64];      /* STRING */
    } attrs[8];             /* the first 8 attributes */
} test_frame;

static inline uint64_t be(const uint8_t *p, int n)
{
    uint64_t v = 0;
    int i;
    for (i = 0; i < n; i++)
        v = v << 8 | p[i];
    return v;
}

static inline size_t copy_str(char *dst, size_t cap, const uint8_t *p, size_t n)
{
    if (n >= cap)
        n = cap - 1;
    memcpy(dst, p, n);
    dst[n] = '\0';
    return n;
}

/* Parses one frame at p; returns its length, or 0 when the bytes are not one intact frame. */
static inline size_t parse_frame(const uint8_t *p, size_t avail, test_frame *f)
{
    size_t body, pos;
    memset(f, 0, sizeof *f);
    if (avail < 12 || p[0] != 0x55 || p[1] != 0x4d || p[2] != 1)
        return 0;
    body = (size_t)be(p + 4, 4);
    if (body + 12 > avail)
        return 0;
    if (be(p + 8 + body, 4) != umon_crc32(0, p, 8 + body))
        return 0;
    f->type = p[3];
    f->length = body + 12;
    pos = 8;
    if (f->type == UMON_FRAME_HELLO) {
        pos += 1 + copy_str(f->name, sizeof f->name, p + pos + 1, p[pos]);
        pos += 1 + copy_str(f->message, sizeof f->message, p + pos + 1, p[pos]);
        pos += 1 + p[pos];
        pos += 1 + p[pos];
        f->session = be(p + pos, 8);
    } else if (f->type == UMON_FRAME_RECORD) {
        size_t n;
        f->sequence = be(p + pos, 8);
        pos += 8 + 1 + 8;
        f->level = p[pos++];
        pos += 1 + copy_str(f->name, sizeof f->name, p + pos + 1, p[pos]);
        n = (size_t)be(p + pos, 2);
        copy_str(f->message, sizeof f->message, p + pos + 2, n);
        pos += 2 + n;
        f->attr_count = (unsigned)be(p + pos, 2);
        pos += 2;
        for (n = 0; n < f->attr_count && n < 8; n++) {
            unsigned type;
            pos += 1 + copy_str(f->attrs[n].key, sizeof f->attrs[n].key, p + pos + 1, p[pos]);
            type = f->attrs[n].type = p[pos++];
            if (type == UMON_ATTR_STRING || type == UMON_ATTR_BYTES) {
                size_t len = (size_t)be(p + pos, 2);
                copy_str(f->attrs[n].text, sizeof f->attrs[n].text, p + pos + 2, len);
                pos += 2 + len;
            } else if (type == UMON_ATTR_BOOL) {
                f->attrs[n].number = p[pos++];
            } else if (type != UMON_ATTR_NULL) {
                f->attrs[n].number = be(p + pos, 8);
                pos += 8;
            }
        }
    } else if (f->type == UMON_FRAME_GOODBYE) {
        f->produced = be(p + pos, 8);
        f->dropped = be(p + pos + 8, 8);
        copy_str(f->message, sizeof f->message, p + pos + 17, p[pos + 16]);
    } else {
        return 0;
    }
    return f->length;
}

/* RFC 4648 base64 decoding of exactly n characters; returns bytes written or -1. */
static inline long base64_decode(const char *s, size_t n, uint8_t *out, size_t cap)
{
    size_t i, o = 0;
    if (n % 4 != 0)
        return -1;
    for (i = 0; i < n; i += 4) {
        uint32_t v = 0;
        int j, pad = 0;
        for (j = 0; j < 4; j++) {
            char c = s[i + j];
            int d;
            if (c >= 'A' && c <= 'Z') d = c - 'A';
            else if (c >= 'a' && c <= 'z') d = c - 'a' + 26;
            else if (c >= '0' && c <= '9') d = c - '0' + 52;
            else if (c == '+') d = 62;
            else if (c == '/') d = 63;
            else if (c == '=' && i + 4 == n && j >= 2) { d = 0; pad++; }
            else return -1;
            v = v << 6 | (uint32_t)d;
        }
        if (o + 3 - (size_t)pad > cap)
            return -1;
        out[o++] = (uint8_t)(v >> 16);
        if (pad < 2) out[o++] = (uint8_t)(v >> 8);
        if (pad < 1) out[o++] = (uint8_t)v;
    }
    return (long)o;
}

/* Decodes one "@UM1:...\n" line into a frame; returns 1 on success. */
static inline int parse_console_line(const char *line, size_t len, test_frame *f)
{
    uint8_t frame[8192];
    long n;
    if (len < 6 || strncmp(line, "@UM1:", 5) != 0 || line[len - 1] != '\n')
        return 0;
    n = base64_decode(line + 5, len - 6, frame, sizeof frame);
    return n > 0 && parse_frame(frame, (size_t)n, f) == (size_t)n;
}

#endif
