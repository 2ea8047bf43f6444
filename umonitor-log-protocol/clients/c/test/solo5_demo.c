/* A Solo5 unikernel that logs through the client's Solo5 transports (Solo5TransportIT):
 *
 *   solo5-spt build/solo5_demo.spt console COUNT
 *   solo5-spt --net:service0=TAP build/solo5_demo.spt udp OWN_IP COLLECTOR_IP PORT TOKEN COUNT
 *
 * Solo5 has no environment and no C library: the command line configures it, and the client is
 * built with -DUMON_FREESTANDING. */
#include "solo5.h"

#include "umonitor_log.h"
#include "umonitor_solo5.h"

static const char *word(const char **p, unsigned *len)
{
    const char *start;
    while (**p == ' ')
        (*p)++;
    start = *p;
    while (**p != ' ' && **p != '\0')
        (*p)++;
    *len = (unsigned)(*p - start);
    return start;
}

static int same(const char *w, unsigned len, const char *literal)
{
    unsigned i;
    for (i = 0; i < len; i++)
        if (literal[i] != w[i])
            return 0;
    return literal[len] == '\0';
}

static unsigned number(const char *w, unsigned len)
{
    unsigned v = 0, i;
    for (i = 0; i < len && w[i] >= '0' && w[i] <= '9'; i++)
        v = v * 10 + (unsigned)(w[i] - '0');
    return v;
}

static int ipv4(const char *w, unsigned len, uint8_t out[4])
{
    unsigned part = 0, i, value = 0, digits = 0;
    for (i = 0; i <= len; i++) {
        if (i == len || w[i] == '.') {
            if (digits == 0 || value > 255 || part > 3)
                return 0;
            out[part++] = (uint8_t)value;
            value = digits = 0;
        } else if (w[i] >= '0' && w[i] <= '9') {
            value = value * 10 + (unsigned)(w[i] - '0');
            digits++;
        } else {
            return 0;
        }
    }
    return part == 4;
}

static void say(const char *text)
{
    unsigned n = 0;
    while (text[n] != '\0')
        n++;
    solo5_console_write(text, n);
}

int solo5_app_main(const struct solo5_start_info *si)
{
    const char *p = si->cmdline;
    unsigned len, count = 10, i;
    const char *mode = word(&p, &len);
    int rc;
    if (same(mode, len, "console")) {
        const char *w = word(&p, &len);
        if (len > 0)
            count = number(w, len);
        rc = umon_solo5_init_console("solo5-demo", 0);
    } else if (same(mode, len, "udp")) {
        uint8_t own[4], collector[4];
        char token[64];
        const char *w_own = word(&p, &len);
        unsigned own_len = len, collector_len, port, token_len;
        const char *w_collector = word(&p, &collector_len);
        const char *w;
        w = word(&p, &len);
        port = number(w, len);
        w = word(&p, &token_len);
        if (token_len >= sizeof token)
            token_len = sizeof token - 1;
        for (i = 0; i < token_len; i++)
            token[i] = w[i];
        token[token_len] = '\0';
        w = word(&p, &len);
        if (len > 0)
            count = number(w, len);
        if (!ipv4(w_own, own_len, own) || !ipv4(w_collector, collector_len, collector) || port == 0) {
            say("solo5_demo: usage: udp OWN_IP COLLECTOR_IP PORT TOKEN [COUNT]\n");
            return SOLO5_EXIT_FAILURE;
        }
        rc = umon_solo5_init_udp("solo5-demo", token, 0, "service0", own, collector, (uint16_t)port, 0);
    } else {
        say("solo5_demo: usage: console [COUNT] | udp OWN_IP COLLECTOR_IP PORT TOKEN [COUNT]\n");
        return SOLO5_EXIT_FAILURE;
    }
    if (rc != UMON_OK) {
        say(umon_init_error());
        say("\n");
        return SOLO5_EXIT_FAILURE;
    }
    say("solo5_demo: logging\n");  /* ordinary console text between the frames */
    for (i = 0; i < count; i++) {
        send_log_attrs(UMON_INFO, (umon_attr[]){ UMON_A_I64("i", i), UMON_A_STR("via", "solo5") }, 2,
                       "solo5 record %u \xc3\xbc", i);
        umon_solo5_poll();  /* a main loop polls whatever the transport: safe on the console too */
    }
    rc = umon_shutdown("done");
    say(rc == UMON_OK ? "solo5_demo: done\n" : "solo5_demo: shutdown timed out\n");
    return rc == UMON_OK ? SOLO5_EXIT_SUCCESS : SOLO5_EXIT_FAILURE;
}
