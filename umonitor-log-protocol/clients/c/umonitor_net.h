/*
 * umonitor_net.h - UDP over raw Ethernet frames, for targets that can send and receive Ethernet
 * frames but have no network stack (Solo5: solo5_net_write / solo5_net_read). Builds Ethernet,
 * ARP, IPv4 (with header checksum) and UDP (with checksum) by hand; resolves the collector's (or the
 * gateway's) MAC address with ARP and answers ARP requests for its own address. Pure C99 with no
 * system calls: the caller supplies write_frame / read_frame, so the same code runs over a Linux tap
 * device in the tests and over a Solo5 network device in a unikernel (umonitor_solo5.c).
 *
 * Use with the client: config.transport = UMON_TRANSPORT_UDP, config.datagram_send = umon_net_send,
 * config.datagram_ctx = &net, config.udp_max_datagram <= UMON_NET_MAX_PAYLOAD. Not thread-safe on its
 * own; the client calls it under its lock.
 */
#ifndef UMONITOR_NET_H
#define UMONITOR_NET_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#define UMON_NET_ETHER_HEADER 14u
#define UMON_NET_MAX_FRAME 1514u                   /* Ethernet header + 1500-byte MTU */
#define UMON_NET_MAX_PAYLOAD (1500u - 20u - 8u)    /* 1472: UDP payload in one unfragmented frame */
#define UMON_NET_ETHERTYPE_IPV4 0x0800u
#define UMON_NET_ETHERTYPE_ARP 0x0806u

typedef struct umon_net {
    uint8_t mac[6];
    uint8_t ip[4];
    uint8_t collector_ip[4];
    uint8_t next_hop_ip[4];     /* the collector, or the gateway when it is not on this link */
    uint16_t collector_port;
    uint16_t source_port;

    /* Sends one Ethernet frame: 0 when sent, negative when not. */
    int (*write_frame)(void *ctx, const uint8_t *frame, size_t len);
    /* Receives one waiting Ethernet frame without blocking: its length, 0 when none, negative on error. */
    long (*read_frame)(void *ctx, uint8_t *buf, size_t cap);
    void *io_ctx;

    uint8_t next_hop_mac[6];
    int resolved;
    unsigned attempts_since_arp;
    uint16_t ip_id;
    uint64_t arp_requests_sent, arp_replies_sent, datagrams_sent, udp_received;
    uint8_t frame[UMON_NET_MAX_FRAME];
} umon_net;

/* Prepares n (all state cleared). gateway_ip NULL: the collector is on this link. */
void umon_net_init(umon_net *n, const uint8_t mac[6], const uint8_t ip[4], const uint8_t collector_ip[4],
                   uint16_t collector_port, const uint8_t *gateway_ip);

/* Reads every waiting frame: learns the next hop's MAC from ARP, answers ARP requests for n->ip,
 * counts UDP datagrams addressed to n->ip. Returns the number of frames read; 0 (and nothing else)
 * when n has no read_frame, so a main loop may poll whatever transport is in use. */
int umon_net_poll(umon_net *n);

/* The client's datagram_send: sends payload to the collector as one UDP datagram. Returns UMON_OK,
 * UMON_E_FULL while the next hop's MAC is still being resolved (the client retries; an ARP request
 * goes out on the first try and every 8th after), UMON_E_TOO_LONG, UMON_E_SYSTEM, or
 * UMON_E_UNSUPPORTED when n has no write_frame. */
int umon_net_send(void *net, const uint8_t *payload, size_t len);

/* Frame builders; each returns the frame length, or 0 when cap is too small. */
size_t umon_net_build_udp(uint8_t *out, size_t cap, const uint8_t src_mac[6], const uint8_t dst_mac[6],
                          const uint8_t src_ip[4], const uint8_t dst_ip[4], uint16_t src_port,
                          uint16_t dst_port, uint16_t ip_id, const uint8_t *payload, size_t len);
/* op 1 = request (dst MAC broadcast, target MAC zero), 2 = reply. */
size_t umon_net_build_arp(uint8_t *out, size_t cap, unsigned op, const uint8_t sender_mac[6],
                          const uint8_t sender_ip[4], const uint8_t target_mac[6], const uint8_t target_ip[4]);

/* RFC 1071 Internet checksum of data, continuing from a partial sum (0 to start); returns the
 * one's complement of the folded sum, ready to store big-endian. */
uint16_t umon_net_checksum(uint32_t partial, const uint8_t *data, size_t len);

#ifdef __cplusplus
}
#endif

#endif /* UMONITOR_NET_H */
