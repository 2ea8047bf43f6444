/* Sends records as hand-built Ethernet/IPv4/UDP frames (umonitor_net.c, the code the Solo5
 * transport uses) through a Linux tap device, the way a Solo5 unikernel sends them through its
 * network device. Run inside the network namespace that holds the tap (SoloNetFramesTapIT):
 *
 *   net_tap_sender TAP OWN_IP COLLECTOR_IP PORT COUNT
 *
 * After the GOODBYE it keeps answering ARP until a UDP datagram for OWN_IP arrives (the test's
 * receiver sends one, which makes the kernel resolve OWN_IP) or 5 s pass, then prints its counters. */
#define _DEFAULT_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/if_tun.h>
#include <net/if.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <time.h>
#include <unistd.h>

#include "umonitor_log.h"
#include "umonitor_net.h"

static int tap_fd = -1;

static int tap_write(void *ctx, const uint8_t *frame, size_t len)
{
    (void)ctx;
    return write(tap_fd, frame, len) == (ssize_t)len ? 0 : -1;
}

static long tap_read(void *ctx, uint8_t *buf, size_t cap)
{
    ssize_t n;
    (void)ctx;
    n = read(tap_fd, buf, cap);
    if (n < 0)
        return errno == EAGAIN || errno == EWOULDBLOCK ? 0 : -1;
    return (long)n;
}

static uint64_t mono_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

int main(int argc, char **argv)
{
    static umon_net net;
    static const uint8_t mac[6] = { 0x02, 0x75, 0x6d, 0x00, 0x00, 0x02 };  /* locally administered */
    struct ifreq ifr;
    uint8_t own[4], collector[4];
    umon_config cfg;
    umon_stats stats;
    int count, i, rc;
    uint64_t deadline;
    if (argc != 6 || inet_pton(AF_INET, argv[2], own) != 1 || inet_pton(AF_INET, argv[3], collector) != 1) {
        fprintf(stderr, "usage: net_tap_sender TAP OWN_IP COLLECTOR_IP PORT COUNT\n");
        return 2;
    }
    count = atoi(argv[5]);
    tap_fd = open("/dev/net/tun", O_RDWR | O_NONBLOCK);
    memset(&ifr, 0, sizeof ifr);
    ifr.ifr_flags = IFF_TAP | IFF_NO_PI;
    strncpy(ifr.ifr_name, argv[1], IFNAMSIZ - 1);
    if (tap_fd < 0 || ioctl(tap_fd, TUNSETIFF, &ifr) != 0) {
        fprintf(stderr, "cannot attach to tap %s: %s\n", argv[1], strerror(errno));
        return 2;
    }

    net.write_frame = tap_write;
    net.read_frame = tap_read;
    umon_net_init(&net, mac, own, collector, (uint16_t)atoi(argv[4]), NULL);

    memset(&cfg, 0, sizeof cfg);
    cfg.transport = UMON_TRANSPORT_UDP;
    cfg.name = "tap-guest";
    cfg.token = "0123456789abcdef0123456789abcdef";
    cfg.datagram_send = umon_net_send;
    cfg.datagram_ctx = &net;
    cfg.udp_max_datagram = UMON_NET_MAX_PAYLOAD;
    cfg.flush_timeout_ms = 10000;
    if (umon_init(&cfg) != UMON_OK) {
        fprintf(stderr, "%s\n", umon_init_error());
        return 2;
    }
    for (i = 0; i < count; i++)
        send_log_attrs(UMON_INFO, (umon_attr[]){ UMON_A_I64("i", i), UMON_A_STR("via", "tap") }, 2,
                       "raw frame record %d \xc3\xbc", i);
    umon_client_stats(umon_default_client(), &stats);
    rc = umon_shutdown("done");

    deadline = mono_ms() + 5000;
    while (net.udp_received == 0 && mono_ms() < deadline) {
        struct pollfd p;
        p.fd = tap_fd;
        p.events = POLLIN;
        p.revents = 0;
        poll(&p, 1, 50);
        umon_net_poll(&net);
    }
    printf("produced %llu dropped %llu shutdown %s\n", (unsigned long long)stats.produced,
           (unsigned long long)stats.dropped, umon_strerror(rc));
    printf("arp requests %llu arp replies %llu datagrams %llu udp received %llu\n",
           (unsigned long long)net.arp_requests_sent, (unsigned long long)net.arp_replies_sent,
           (unsigned long long)net.datagrams_sent, (unsigned long long)net.udp_received);
    close(tap_fd);
    return rc == UMON_OK && stats.dropped == 0 ? 0 : 1;
}
