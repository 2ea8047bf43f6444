/*
 * umonitor_solo5.c - the client's transports for Solo5 unikernels, which have no network stack:
 * the console through solo5_console_write, and UDP as hand-built Ethernet frames (umonitor_net.c)
 * through solo5_net_write / solo5_net_read. Written against Solo5's public solo5.h API only.
 *
 * Build it only for Solo5, with the client freestanding (Solo5 has no C library):
 *   x86_64-solo5-none-static-cc -DUMON_FREESTANDING -c umonitor_log.c umonitor_net.c umonitor_solo5.c
 * (`make solo5-demo SOLO5_HOME=...` builds test/solo5_demo.c that way, for solo5-spt and solo5-hvt.)
 */
#include "solo5.h"

#include "umonitor_log.h"
#include "umonitor_net.h"
#include "umonitor_solo5.h"


static umon_net solo5_net;
static solo5_handle_t solo5_net_handle;

static int64_t wall_ns(void)
{
    return (int64_t)solo5_clock_wall();
}

static uint64_t monotonic_ms(void)
{
    return solo5_clock_monotonic() / 1000000u;
}

static void wait_ms(unsigned ms)
{
    solo5_handle_set_t ready;
    solo5_yield(solo5_clock_monotonic() + (solo5_time_t)ms * 1000000u, &ready);
}

static int write_frame(void *ctx, const uint8_t *frame, size_t len)
{
    (void)ctx;
    return solo5_net_write(solo5_net_handle, frame, len) == SOLO5_R_OK ? 0 : -1;
}

static long read_frame(void *ctx, uint8_t *buf, size_t cap)
{
    size_t got = 0;
    solo5_result_t r;
    (void)ctx;
    r = solo5_net_read(solo5_net_handle, buf, cap, &got);
    if (r == SOLO5_R_OK)
        return (long)got;
    return r == SOLO5_R_AGAIN ? 0 : -1;
}

static void solo5_defaults(umon_config *config, const char *name, const char *token, uint64_t session)
{
    static const umon_config empty;
    *config = empty;
    config->name = name;
    config->token = token;
    /* No entropy source in the Solo5 API: the wall clock at boot separates two runs well enough. */
    config->session = session != 0 ? session : solo5_clock_wall() ^ 0x9e3779b97f4a7c15u;
    config->clock_ns = wall_ns;
    config->clock_kind = UMON_CLOCK_WALL;
    config->monotonic_ms = monotonic_ms;
    config->wait_ms = wait_ms;
}

int umon_solo5_init_console(const char *name, uint64_t session)
{
    umon_config config;
    solo5_defaults(&config, name, NULL, session);
    config.transport = UMON_TRANSPORT_CONSOLE;
    config.console_write = solo5_console_write;
    return umon_init(&config);
}

int umon_solo5_init_udp(const char *name, const char *token, uint64_t session, const char *netdev,
                        const uint8_t ip[4], const uint8_t collector_ip[4], uint16_t collector_port,
                        const uint8_t *gateway_ip)
{
    umon_config config;
    struct solo5_net_info info;
    if (solo5_net_acquire(netdev, &solo5_net_handle, &info) != SOLO5_R_OK)
        return UMON_E_SYSTEM;
    solo5_net.write_frame = write_frame;
    solo5_net.read_frame = read_frame;
    solo5_net.io_ctx = NULL;
    umon_net_init(&solo5_net, info.mac_address, ip, collector_ip, collector_port, gateway_ip);
    solo5_defaults(&config, name, token, session);
    config.transport = UMON_TRANSPORT_UDP;
    config.datagram_send = umon_net_send;
    config.datagram_ctx = &solo5_net;
    config.udp_max_datagram = info.mtu >= 1500 ? UMON_NET_MAX_PAYLOAD : info.mtu - 28;
    return umon_init(&config);
}

void umon_solo5_poll(void)
{
    /* After umon_solo5_init_console() no network device was acquired: solo5_net has no read_frame
     * and umon_net_poll() returns at once, so one main loop serves every transport. */
    umon_net_poll(&solo5_net);
    umon_client_poll(umon_default_client());
}
