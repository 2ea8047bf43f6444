/* Checks the encoder byte for byte against the shared test vectors (PROTOCOL.md section 9): for
 * every valid frame/tcp/udp vector, encoding its decoded frames must give exactly its hex; for a
 * valid console vector made only of frame lines, the lines must match its text. */
#define _POSIX_C_SOURCE 200809L
#include <dirent.h>
#include <errno.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "umonitor_log.h"

static int checked, skipped;

static umon_str jstr(json_t *obj, const char *key)
{
    json_t *v = json_object_get(obj, key);
    umon_str s = { "", 0 };
    if (json_is_string(v)) {
        s.ptr = json_string_value(v);
        s.len = json_string_length(v);
    }
    return s;
}

static uint64_t jdec_u(json_t *obj, const char *key)
{
    const char *s = json_string_value(json_object_get(obj, key));
    return s ? strtoull(s, NULL, 10) : 0;
}

static int64_t jdec_i(json_t *obj, const char *key)
{
    const char *s = json_string_value(json_object_get(obj, key));
    return s ? strtoll(s, NULL, 10) : 0;
}

static size_t unhex(const char *hex, uint8_t *out, size_t cap)
{
    size_t i, n = strlen(hex) / 2;
    if (n > cap)
        return (size_t)-1;
    for (i = 0; i < n; i++) {
        unsigned v;
        if (sscanf(hex + 2 * i, "%2x", &v) != 1)
            return (size_t)-1;
        out[i] = (uint8_t)v;
    }
    return n;
}

static int level_of(const char *name)
{
    static const char *names[] = { "TRACE", "DEBUG", "INFO", "WARN", "ERROR", "FATAL" };
    int i;
    for (i = 0; name != NULL && i < 6; i++)
        if (strcmp(name, names[i]) == 0)
            return i + 1;
    return 0;
}

/* Encodes one decoded frame object; returns the frame length or a negative code. */
static long encode_json_frame(json_t *f, uint8_t *out, size_t cap, uint8_t *scratch, size_t scratch_cap)
{
    const char *type = json_string_value(json_object_get(f, "type"));
    if (type == NULL)
        return UMON_E_INVALID;
    if (strcmp(type, "HELLO") == 0) {
        umon_hello h;
        h.name = jstr(f, "name");
        h.token = jstr(f, "token");
        h.client_name = jstr(f, "client");
        h.client_version = jstr(f, "client_version");
        h.session = jdec_u(f, "session");
        return umon_encode_hello(out, cap, &h);
    }
    if (strcmp(type, "GOODBYE") == 0) {
        umon_goodbye g;
        g.produced = jdec_u(f, "produced");
        g.dropped = jdec_u(f, "dropped");
        g.reason = jstr(f, "reason");
        return umon_encode_goodbye(out, cap, &g);
    }
    if (strcmp(type, "RECORD") == 0) {
        static umon_attr attrs[65535];
        json_t *list = json_object_get(f, "attributes");
        const char *clock = json_string_value(json_object_get(f, "clock"));
        umon_record r;
        size_t i, used = 0;
        r.sequence = jdec_u(f, "sequence");
        r.clock = clock && strcmp(clock, "MONOTONIC") == 0 ? UMON_CLOCK_MONOTONIC
                  : clock && strcmp(clock, "NONE") == 0    ? UMON_CLOCK_NONE
                                                           : UMON_CLOCK_WALL;
        r.timestamp = jdec_i(f, "timestamp");
        r.level = (umon_level)level_of(json_string_value(json_object_get(f, "level")));
        r.logger = jstr(f, "logger");
        r.message = jstr(f, "message");
        r.attr_count = json_array_size(list);
        r.attrs = attrs;
        for (i = 0; i < r.attr_count; i++) {
            json_t *a = json_array_get(list, i);
            const char *t = json_string_value(json_object_get(a, "type"));
            json_t *v = json_object_get(a, "value");
            umon_attr *x = &attrs[i];
            x->key = jstr(a, "key");
            if (t == NULL || strcmp(t, "NULL") == 0) {
                x->type = UMON_ATTR_NULL;
            } else if (strcmp(t, "STRING") == 0) {
                x->type = UMON_ATTR_STRING;
                x->value.str = jstr(a, "value");
            } else if (strcmp(t, "INT64") == 0) {
                x->type = UMON_ATTR_INT64;
                x->value.i64 = jdec_i(a, "value");
            } else if (strcmp(t, "UINT64") == 0) {
                x->type = UMON_ATTR_UINT64;
                x->value.u64 = jdec_u(a, "value");
            } else if (strcmp(t, "FLOAT64") == 0) {
                uint64_t bits = strtoull(json_string_value(v), NULL, 16);
                x->type = UMON_ATTR_FLOAT64;
                memcpy(&x->value.f64, &bits, sizeof bits);
            } else if (strcmp(t, "BOOL") == 0) {
                x->type = UMON_ATTR_BOOL;
                x->value.boolean = json_is_true(v);
            } else if (strcmp(t, "BYTES") == 0) {
                size_t n = unhex(json_string_value(v), scratch + used, scratch_cap - used);
                if (n == (size_t)-1)
                    return UMON_E_INVALID;
                x->type = UMON_ATTR_BYTES;
                x->value.bytes.ptr = scratch + used;
                x->value.bytes.len = n;
                used += n;
            } else {
                return UMON_E_INVALID;
            }
        }
        return umon_encode_record(out, cap, &r);
    }
    return UMON_E_INVALID;
}

static void to_hex(const uint8_t *p, size_t n, char *out)
{
    size_t i;
    for (i = 0; i < n; i++)
        sprintf(out + 2 * i, "%02x", p[i]);
    out[2 * n] = '\0';
}

static void check_vector(const char *path)
{
    static uint8_t out[1 << 20], scratch[1 << 20];
    static char hex[(1 << 21) + 1];
    static char text[1 << 21];
    json_error_t err;
    json_t *v = json_load_file(path, JSON_ALLOW_NUL, &err);
    const char *transport, *expected;
    json_t *frames;
    size_t i, len = 0, text_len = 0;
    if (v == NULL) {
        fprintf(stderr, "%s: not JSON (%s line %d)\n", path, err.text, err.line);
        CHECK(v != NULL);
        return;
    }
    transport = json_string_value(json_object_get(v, "transport"));
    frames = json_object_get(v, "frames");
    if (json_object_get(v, "error") != NULL || transport == NULL || !json_is_array(frames)) {
        skipped++;  /* invalid input: that is a decoder's test */
        json_decref(v);
        return;
    }
    for (i = 0; i < json_array_size(frames); i++) {
        long n = encode_json_frame(json_array_get(frames, i), out + len, sizeof out - len, scratch,
                                   sizeof scratch);
        if (n < 0) {
            fprintf(stderr, "%s: frame %lu does not encode: %s\n", path, (unsigned long)i, umon_strerror((int)n));
            CHECK(n >= 0);
            json_decref(v);
            return;
        }
        if (strcmp(transport, "console") == 0) {
            long line = umon_console_line(text + text_len, sizeof text - text_len, out + len, (size_t)n);
            CHECK(line > 0);
            text_len += line > 0 ? (size_t)line : 0;
        }
        len += (size_t)n;
    }
    if (strcmp(transport, "console") == 0) {
        const char *input = json_string_value(json_object_get(v, "text"));
        json_t *console_text = json_object_get(v, "console_text");
        /* Only vectors made purely of frame lines as a sender writes them say how to encode. */
        if (input == NULL || json_array_size(console_text) > 0 || strstr(input, "\r") != NULL ||
            json_array_size(frames) == 0) {
            skipped++;
        } else {
            checked++;
            CHECK(strcmp(input, text) == 0);
            if (strcmp(input, text) != 0)
                fprintf(stderr, "%s:\n  expected %s\n  encoded  %s\n", path, input, text);
        }
        json_decref(v);
        return;
    }
    expected = json_string_value(json_object_get(v, "hex"));
    checked++;
    CHECK(expected != NULL);
    to_hex(out, len, hex);
    if (expected != NULL && strcmp(expected, hex) != 0) {
        fprintf(stderr, "%s: encoder output differs\n  expected %s\n  encoded  %s\n", path, expected, hex);
        CHECK(strcmp(expected, hex) == 0);
    }
    json_decref(v);
}

static int by_name(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

int main(int argc, char **argv)
{
    const char *dir = argc > 1 ? argv[1] : "../../vectors";
    DIR *d = opendir(dir);
    struct dirent *e;
    char *names[4096];
    size_t count = 0, i;
    if (d == NULL) {
        fprintf(stderr, "test_vectors: cannot open the vector directory %s (%s): run from "
                        "umonitor-log-protocol/clients/c or pass the directory\n", dir, strerror(errno));
        return 1;
    }
    while ((e = readdir(d)) != NULL && count < 4096) {
        size_t n = strlen(e->d_name);
        if (n > 5 && strcmp(e->d_name + n - 5, ".json") == 0) {
            names[count] = malloc(strlen(dir) + n + 2);
            sprintf(names[count], "%s/%s", dir, e->d_name);
            count++;
        }
    }
    closedir(d);
    qsort(names, count, sizeof names[0], by_name);
    for (i = 0; i < count; i++) {
        check_vector(names[i]);
        free(names[i]);
    }
    printf("test_vectors: %d vectors encoded byte for byte, %d skipped (invalid input or console text)\n",
           checked, skipped);
    CHECK(checked > 0);
    return check_report("test_vectors");
}
