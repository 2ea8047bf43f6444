/* Encoder unit tests: CRC-32, base64, frames checked against bytes assembled by hand from
 * PROTOCOL.md, text sanitising and cutting, and the argument checks. */
#include <stdint.h>
#include <string.h>

#include "check.h"
#include "decode.h"
#include "umonitor_log.h"

/* Wraps a hand-written body in header and CRC, the way section 3 describes. */
static size_t hand_frame(uint8_t *out, unsigned type, const uint8_t *body, size_t n)
{
    uint32_t crc;
    out[0] = 0x55;
    out[1] = 0x4d;
    out[2] = 1;
    out[3] = (uint8_t)type;
    out[4] = (uint8_t)(n >> 24);
    out[5] = (uint8_t)(n >> 16);
    out[6] = (uint8_t)(n >> 8);
    out[7] = (uint8_t)n;
    memcpy(out + 8, body, n);
    crc = umon_crc32(0, out, 8 + n);
    out[8 + n] = (uint8_t)(crc >> 24);
    out[9 + n] = (uint8_t)(crc >> 16);
    out[10 + n] = (uint8_t)(crc >> 8);
    out[11 + n] = (uint8_t)crc;
    return n + 12;
}

static void test_crc32(void)
{
    const char *s = "123456789";
    CHECK(umon_crc32(0, s, 9) == 0xCBF43926u);
    CHECK(umon_crc32(umon_crc32(0, s, 4), s + 4, 5) == 0xCBF43926u);
    CHECK(umon_crc32(0, "", 0) == 0);
    CHECK(umon_crc32(0, "a", 1) == 0xE8B7BE43u);
}

static void test_base64(void)
{
    /* RFC 4648 section 10 */
    static const char *in[] = { "", "f", "fo", "foo", "foob", "fooba", "foobar" };
    static const char *out[] = { "", "Zg==", "Zm8=", "Zm9v", "Zm9vYg==", "Zm9vYmE=", "Zm9vYmFy" };
    char buf[32];
    size_t i;
    uint8_t all[256];
    char big[400];
    uint8_t back[256];
    for (i = 0; i < 7; i++) {
        size_t n = umon_base64_encode(buf, sizeof buf, (const uint8_t *)in[i], strlen(in[i]));
        CHECK_EQ_LONG(n, strlen(out[i]));
        CHECK(strcmp(buf, out[i]) == 0);
    }
    /* too small a buffer: the length is reported and nothing is written */
    buf[0] = 'X';
    CHECK_EQ_LONG(umon_base64_encode(buf, 8, (const uint8_t *)"foobar", 6), 8);
    CHECK(buf[0] == 'X');
    for (i = 0; i < 256; i++)
        all[i] = (uint8_t)i;
    CHECK_EQ_LONG(umon_base64_encode(big, sizeof big, all, 256), 344);
    CHECK_EQ_LONG(base64_decode(big, 344, back, sizeof back), 256);
    CHECK(memcmp(all, back, 256) == 0);
    CHECK(strchr(big, '+') != NULL && strchr(big, '/') != NULL);
}

static void test_hello_bytes(void)
{
    static const uint8_t body[] = {
        0x05, 'g', 'u', 'e', 's', 't',          /* name */
        0x03, 't', 'o', 'k',                    /* token */
        0x01, 'c',                              /* client name */
        0x05, '0', '.', '1', '.', '0',          /* client version */
        0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07, 0x08 /* session */
    };
    uint8_t expected[64], actual[64];
    size_t n = hand_frame(expected, UMON_FRAME_HELLO, body, sizeof body);
    umon_hello h;
    h.name = UMON_S("guest");
    h.token = UMON_S("tok");
    h.client_name = UMON_S("c");
    h.client_version = UMON_S("0.1.0");
    h.session = 0x0102030405060708u;
    CHECK_EQ_LONG(umon_encode_hello(actual, sizeof actual, &h), n);
    CHECK(memcmp(actual, expected, n) == 0);
    CHECK_EQ_LONG(umon_encode_hello(NULL, UMON_MAX_FRAME, &h), n);
    CHECK_EQ_LONG(umon_encode_hello(actual, n - 1, &h), UMON_E_TOO_LONG);

    h.name = UMON_S("-bad");
    CHECK_EQ_LONG(umon_encode_hello(actual, sizeof actual, &h), UMON_E_INVALID);
    h.name = UMON_S("a/b");
    CHECK_EQ_LONG(umon_encode_hello(actual, sizeof actual, &h), UMON_E_INVALID);
    h.name = UMON_S("");
    CHECK_EQ_LONG(umon_encode_hello(actual, sizeof actual, &h), UMON_E_INVALID);
    CHECK(umon_valid_name("0.a_b-C", 7));
    CHECK(umon_valid_name("a234567890123456789012345678901234567890123456789012345678901234", 63));
    CHECK(!umon_valid_name("a234567890123456789012345678901234567890123456789012345678901234", 64));
}

static void test_record_bytes(void)
{
    static const uint8_t body[] = {
        0, 0, 0, 0, 0, 0, 0, 1,                 /* sequence */
        0x00,                                   /* flags: wall clock */
        0, 0, 0, 0, 0, 0, 0, 2,                 /* timestamp */
        0x03,                                   /* INFO */
        0x00,                                   /* logger "" */
        0x00, 0x02, 'h', 'i',                   /* message */
        0x00, 0x07,                             /* attribute count */
        0x01, 'n', 0x00,
        0x01, 's', 0x01, 0x00, 0x02, 0xc3, 0xa9,
        0x01, 'i', 0x02, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xfe,
        0x01, 'u', 0x03, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
        0x01, 'f', 0x04, 0x3f, 0xf8, 0, 0, 0, 0, 0, 0,
        0x01, 'b', 0x05, 0x01,
        0x01, 'y', 0x06, 0x00, 0x02, 0x00, 0xff
    };
    static const uint8_t bytes[] = { 0x00, 0xff };
    uint8_t expected[128], actual[128];
    size_t n = hand_frame(expected, UMON_FRAME_RECORD, body, sizeof body);
    umon_attr attrs[7];
    umon_record r;
    attrs[0] = UMON_A_NULL("n");
    attrs[1] = UMON_A_STR("s", "\xc3\xa9");
    attrs[2] = UMON_A_I64("i", -2);
    attrs[3] = UMON_A_U64("u", UINT64_MAX);
    attrs[4] = UMON_A_F64("f", 1.5);
    attrs[5] = UMON_A_BOOL("b", 5);
    attrs[6] = UMON_A_BYTES("y", bytes, 2);
    r.sequence = 1;
    r.clock = UMON_CLOCK_WALL;
    r.timestamp = 2;
    r.level = UMON_INFO;
    r.logger = UMON_S(NULL);
    r.message = UMON_S("hi");
    r.attrs = attrs;
    r.attr_count = 7;
    CHECK_EQ_LONG(umon_encode_record(actual, sizeof actual, &r), n);
    CHECK(memcmp(actual, expected, n) == 0);
    CHECK_EQ_LONG(umon_encode_record(NULL, sizeof actual, &r), n);

    /* NONE sends timestamp 0 whatever was given; monotonic sets flag bit 0 */
    r.attr_count = 0;
    r.clock = UMON_CLOCK_NONE;
    r.timestamp = 99;
    CHECK(umon_encode_record(actual, sizeof actual, &r) > 0);
    CHECK(actual[16] == 0x02 && be(actual + 17, 8) == 0);
    r.clock = UMON_CLOCK_MONOTONIC;
    CHECK(umon_encode_record(actual, sizeof actual, &r) > 0);
    CHECK(actual[16] == 0x01 && be(actual + 17, 8) == 99);

    /* a NULL string pointer is an explicit null, never a crash */
    attrs[0] = UMON_A_STR("p", NULL);
    r.attr_count = 1;
    CHECK(umon_encode_record(actual, sizeof actual, &r) > 0);
    CHECK(actual[34] == 'p' && actual[35] == UMON_ATTR_NULL);
}

static void test_goodbye_bytes(void)
{
    static const uint8_t body[] = {
        0, 0, 0, 0, 0, 0, 0x01, 0x00,
        0, 0, 0, 0, 0, 0, 0, 0x07,
        0x04, 'e', 'x', 'i', 't'
    };
    uint8_t expected[64], actual[64];
    size_t n = hand_frame(expected, UMON_FRAME_GOODBYE, body, sizeof body);
    umon_goodbye g;
    g.produced = 256;
    g.dropped = 7;
    g.reason = UMON_S("exit");
    CHECK_EQ_LONG(umon_encode_goodbye(actual, sizeof actual, &g), n);
    CHECK(memcmp(actual, expected, n) == 0);
}

static umon_record message_record(umon_str message)
{
    umon_record r;
    memset(&r, 0, sizeof r);
    r.level = UMON_WARN;
    r.message = message;
    return r;
}

static void test_text_sanitising(void)
{
    uint8_t out[70000];
    test_frame f;
    umon_record r;
    umon_str nul_inside = { "a\0b", 3 };
    char logger[400];
    long n;

    /* ill-formed UTF-8 is replaced by U+FFFD, byte by byte */
    r = message_record(UMON_S("a\xff" "b"));
    CHECK(umon_encode_record(out, sizeof out, &r) > 0 && parse_frame(out, sizeof out, &f));
    CHECK(strcmp(f.message, "a\xef\xbf\xbd" "b") == 0);
    r = message_record(UMON_S("\xc0\xaf"));                       /* overlong '/' */
    CHECK(umon_encode_record(out, sizeof out, &r) > 0 && parse_frame(out, sizeof out, &f));
    CHECK(strcmp(f.message, "\xef\xbf\xbd\xef\xbf\xbd") == 0);
    r = message_record(UMON_S("\xed\xa0\x80"));                   /* a surrogate */
    CHECK(umon_encode_record(out, sizeof out, &r) > 0 && parse_frame(out, sizeof out, &f));
    CHECK(strlen(f.message) == 9);
    r = message_record(UMON_S("\xf4\x90\x80\x80"));               /* above U+10FFFF */
    CHECK(umon_encode_record(out, sizeof out, &r) > 0 && parse_frame(out, sizeof out, &f));
    CHECK(strlen(f.message) == 12);
    r = message_record(UMON_S("\xf0\x9f\x9a\x80 \xe6\x97\xa5"));  /* well-formed stays */
    CHECK(umon_encode_record(out, sizeof out, &r) > 0 && parse_frame(out, sizeof out, &f));
    CHECK(strcmp(f.message, "\xf0\x9f\x9a\x80 \xe6\x97\xa5") == 0);

    /* NUL is data when the length is explicit */
    r = message_record(nul_inside);
    CHECK(umon_encode_record(out, sizeof out, &r) > 0 && parse_frame(out, sizeof out, &f));
    CHECK(memcmp(f.message, "a\0b", 4) == 0);

    /* str8 fields are cut to 255 bytes at a character boundary */
    memset(logger, 'x', 300);
    logger[300] = '\0';
    r = message_record(UMON_S(""));
    r.logger = UMON_S(logger);
    CHECK(umon_encode_record(out, sizeof out, &r) > 0 && parse_frame(out, sizeof out, &f));
    CHECK_EQ_LONG(strlen(f.name), 255);
    memcpy(logger + 254, "\xc3\xa9", 3);
    CHECK(umon_encode_record(out, sizeof out, &r) > 0 && parse_frame(out, sizeof out, &f));
    CHECK_EQ_LONG(strlen(f.name), 254);

    /* a long message is cut so the frame fits the space given, at a character boundary */
    {
        static char big[70000];
        size_t i;
        for (i = 0; i + 3 < sizeof big; i += 3)
            memcpy(big + i, "\xe2\x82\xac", 3);  /* euro sign */
        big[i] = '\0';
        r = message_record(UMON_S(big));
        n = umon_encode_record(out, 100, &r);
        CHECK(n > 0 && n <= 100);
        CHECK(parse_frame(out, (size_t)n, &f) == (size_t)n);
        CHECK(strlen(f.message) % 3 == 0 && strlen(f.message) > 0);
        n = umon_encode_record(out, sizeof out, &r);
        CHECK_EQ_LONG(n, UMON_MAX_FRAME - 1);  /* 65535 minus a partial character */
        CHECK(parse_frame(out, (size_t)n, &f) == (size_t)n);
    }
}

static void test_invalid_records(void)
{
    uint8_t out[256];
    umon_attr attrs[1];
    umon_record r = message_record(UMON_S("m"));
    r.level = (umon_level)0;
    CHECK_EQ_LONG(umon_encode_record(out, sizeof out, &r), UMON_E_INVALID);
    r.level = (umon_level)7;
    CHECK_EQ_LONG(umon_encode_record(out, sizeof out, &r), UMON_E_INVALID);
    r.level = UMON_INFO;
    attrs[0] = UMON_A_I64("", 1);
    r.attrs = attrs;
    r.attr_count = 1;
    CHECK_EQ_LONG(umon_encode_record(out, sizeof out, &r), UMON_E_INVALID);
    /* the attributes alone overflow the space: too long, even with an empty message */
    attrs[0] = UMON_A_STR("k", "0123456789012345678901234567890123456789");
    CHECK_EQ_LONG(umon_encode_record(out, 60, &r), UMON_E_TOO_LONG);
    CHECK(umon_encode_record(out, sizeof out, &r) > 0);
}

static void test_console_line(void)
{
    uint8_t frame[64];
    char line[128];
    test_frame f;
    umon_goodbye g;
    long n, len;
    g.produced = 1;
    g.dropped = 0;
    g.reason = UMON_S("");
    n = umon_encode_goodbye(frame, sizeof frame, &g);
    len = umon_console_line(line, sizeof line, frame, (size_t)n);
    CHECK_EQ_LONG(len, 5 + (n + 2) / 3 * 4 + 1);
    CHECK(strncmp(line, "@UM1:", 5) == 0 && line[len - 1] == '\n' && line[len] == '\0');
    CHECK(parse_console_line(line, (size_t)len, &f) && f.type == UMON_FRAME_GOODBYE && f.produced == 1);
    CHECK_EQ_LONG(umon_console_line(line, (size_t)len, frame, (size_t)n), UMON_E_TOO_LONG);
}

int main(void)
{
    test_crc32();
    test_base64();
    test_hello_bytes();
    test_record_bytes();
    test_goodbye_bytes();
    test_text_sanitising();
    test_invalid_records();
    test_console_line();
    return check_report("test_encoder");
}
