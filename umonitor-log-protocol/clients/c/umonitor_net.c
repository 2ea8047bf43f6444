/* umonitor_net.c - see umonitor_net.h. Byte layouts: Ethernet II, ARP (RFC 826), IPv4 (RFC 791),
 * UDP (RFC 768), checksums RFC 1071. */
#include "umonitor_net.h"

#ifdef UMON_FREESTANDING
/* provided by every freestanding C environment */
void *memcpy(void *dst, const void *src, size_t n);
void *memset(void *dst, int c, size_t n);
int memcmp(const void *a, const void *b, size_t n);
#else
#include <string.h>
#endif

#include "umonitor_log.h"

static const uint8_t broadcast[6] = { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff };
static const uint8_t zero_mac[6] = { 0, 0, 0, 0, 0, 0 };

static void put16(uint8_t *p, unsigned v)
{
    p[0] = (uint8_t)(v >> 8);
    p[1] = (uint8_t)v;
}

static unsigned get16(const uint8_t *p)
{
    return (unsigned)p[0] << 8 | p[1];
}

static uint32_t checksum_add(uint32_t sum, const uint8_t *data, size_t len)
{
    size_t i;
    for (i = 0; i + 1 < len; i += 2)
        sum += (uint32_t)data[i] << 8 | data[i + 1];
    if (len & 1)
        sum += (uint32_t)data[len - 1] << 8;
    return sum;
}

static uint16_t checksum_finish(uint32_t sum)
{
    while (sum >> 16)
        sum = (sum & 0xffff) + (sum >> 16);
    return (uint16_t)~sum;
}

uint16_t umon_net_checksum(uint32_t partial, const uint8_t *data, size_t len)
{
    return checksum_finish(checksum_add(partial, data, len));
}

static void ethernet(uint8_t *out, const uint8_t dst[6], const uint8_t src[6], unsigned type)
{
    memcpy(out, dst, 6);
    memcpy(out + 6, src, 6);
    put16(out + 12, type);
}

size_t umon_net_build_udp(uint8_t *out, size_t cap, const uint8_t src_mac[6], const uint8_t dst_mac[6],
                          const uint8_t src_ip[4], const uint8_t dst_ip[4], uint16_t src_port,
                          uint16_t dst_port, uint16_t ip_id, const uint8_t *payload, size_t len)
{
    size_t total = UMON_NET_ETHER_HEADER + 20 + 8 + len;
    uint8_t *ip = out + UMON_NET_ETHER_HEADER;
    uint8_t *udp = ip + 20;
    uint8_t pseudo[12];
    uint32_t sum;
    uint16_t udp_sum;
    if (len > UMON_NET_MAX_PAYLOAD || cap < total)
        return 0;
    ethernet(out, dst_mac, src_mac, UMON_NET_ETHERTYPE_IPV4);
    ip[0] = 0x45;                       /* version 4, 5 words of header */
    ip[1] = 0;                          /* DSCP/ECN */
    put16(ip + 2, (unsigned)(20 + 8 + len));
    put16(ip + 4, ip_id);
    put16(ip + 6, 0x4000);              /* don't fragment */
    ip[8] = 64;                         /* TTL */
    ip[9] = 17;                         /* UDP */
    put16(ip + 10, 0);
    memcpy(ip + 12, src_ip, 4);
    memcpy(ip + 16, dst_ip, 4);
    put16(ip + 10, umon_net_checksum(0, ip, 20));

    put16(udp, src_port);
    put16(udp + 2, dst_port);
    put16(udp + 4, (unsigned)(8 + len));
    put16(udp + 6, 0);
    if (len > 0)
        memcpy(udp + 8, payload, len);
    memcpy(pseudo, src_ip, 4);
    memcpy(pseudo + 4, dst_ip, 4);
    pseudo[8] = 0;
    pseudo[9] = 17;
    put16(pseudo + 10, (unsigned)(8 + len));
    sum = checksum_add(checksum_add(0, pseudo, 12), udp, 8 + len);
    udp_sum = checksum_finish(sum);
    put16(udp + 6, udp_sum == 0 ? 0xffff : udp_sum);  /* 0 would mean "no checksum" */
    return total;
}

size_t umon_net_build_arp(uint8_t *out, size_t cap, unsigned op, const uint8_t sender_mac[6],
                          const uint8_t sender_ip[4], const uint8_t target_mac[6], const uint8_t target_ip[4])
{
    uint8_t *arp = out + UMON_NET_ETHER_HEADER;
    size_t total = UMON_NET_ETHER_HEADER + 28;
    if (cap < 60)
        return 0;
    ethernet(out, op == 1 ? broadcast : target_mac, sender_mac, UMON_NET_ETHERTYPE_ARP);
    put16(arp, 1);                      /* hardware: Ethernet */
    put16(arp + 2, UMON_NET_ETHERTYPE_IPV4);
    arp[4] = 6;
    arp[5] = 4;
    put16(arp + 6, op);
    memcpy(arp + 8, sender_mac, 6);
    memcpy(arp + 14, sender_ip, 4);
    memcpy(arp + 18, op == 1 ? zero_mac : target_mac, 6);
    memcpy(arp + 24, target_ip, 4);
    /* pad to the 60-byte Ethernet minimum: some links drop runts */
    memset(out + total, 0, 60 - total);
    return 60;
}

void umon_net_init(umon_net *n, const uint8_t mac[6], const uint8_t ip[4], const uint8_t collector_ip[4],
                   uint16_t collector_port, const uint8_t *gateway_ip)
{
    int (*write_frame)(void *, const uint8_t *, size_t) = n->write_frame;
    long (*read_frame)(void *, uint8_t *, size_t) = n->read_frame;
    void *io_ctx = n->io_ctx;
    memset(n, 0, sizeof *n);
    n->write_frame = write_frame;
    n->read_frame = read_frame;
    n->io_ctx = io_ctx;
    memcpy(n->mac, mac, 6);
    memcpy(n->ip, ip, 4);
    memcpy(n->collector_ip, collector_ip, 4);
    memcpy(n->next_hop_ip, gateway_ip != NULL ? gateway_ip : collector_ip, 4);
    n->collector_port = collector_port;
    n->source_port = (uint16_t)(49152u + (mac[4] << 8 | mac[5]) % 16384u);
}

static void handle_arp(umon_net *n, const uint8_t *arp, size_t len)
{
    unsigned op;
    if (len < 28 || get16(arp) != 1 || get16(arp + 2) != UMON_NET_ETHERTYPE_IPV4 || arp[4] != 6 || arp[5] != 4)
        return;
    op = get16(arp + 6);
    /* Whoever speaks for the next hop, request or reply, tells us its MAC. */
    if (memcmp(arp + 14, n->next_hop_ip, 4) == 0 && memcmp(arp + 8, broadcast, 6) != 0) {
        memcpy(n->next_hop_mac, arp + 8, 6);
        n->resolved = 1;
    }
    if (op == 1 && memcmp(arp + 24, n->ip, 4) == 0 && n->write_frame != NULL) {
        size_t fl = umon_net_build_arp(n->frame, sizeof n->frame, 2, n->mac, n->ip, arp + 8, arp + 14);
        if (fl > 0 && n->write_frame(n->io_ctx, n->frame, fl) == 0)
            n->arp_replies_sent++;
    }
}

static void handle_ipv4(umon_net *n, const uint8_t *ip, size_t len)
{
    size_t header;
    if (len < 20 || (ip[0] >> 4) != 4)
        return;
    header = (size_t)(ip[0] & 0x0f) * 4;
    if (header < 20 || header > len || umon_net_checksum(0, ip, header) != 0)
        return;
    if (ip[9] == 17 && memcmp(ip + 16, n->ip, 4) == 0)
        n->udp_received++;
}

int umon_net_poll(umon_net *n)
{
    uint8_t in[UMON_NET_MAX_FRAME + 4];
    int frames = 0;
    /* Nothing to read from (no device acquired, say a console-only unikernel): polling is still safe. */
    if (n == NULL || n->read_frame == NULL)
        return 0;
    for (;;) {
        long len = n->read_frame(n->io_ctx, in, sizeof in);
        unsigned type;
        if (len <= 0)
            return frames;
        frames++;
        if ((size_t)len < UMON_NET_ETHER_HEADER)
            continue;
        if (memcmp(in, n->mac, 6) != 0 && memcmp(in, broadcast, 6) != 0)
            continue;  /* not for us (a tap also sees multicast) */
        type = get16(in + 12);
        if (type == UMON_NET_ETHERTYPE_ARP)
            handle_arp(n, in + UMON_NET_ETHER_HEADER, (size_t)len - UMON_NET_ETHER_HEADER);
        else if (type == UMON_NET_ETHERTYPE_IPV4)
            handle_ipv4(n, in + UMON_NET_ETHER_HEADER, (size_t)len - UMON_NET_ETHER_HEADER);
    }
}

int umon_net_send(void *net, const uint8_t *payload, size_t len)
{
    umon_net *n = net;
    size_t fl;
    if (n == NULL || n->write_frame == NULL)
        return UMON_E_UNSUPPORTED;
    umon_net_poll(n);
    if (!n->resolved) {
        if (n->attempts_since_arp++ % 8 == 0) {
            fl = umon_net_build_arp(n->frame, sizeof n->frame, 1, n->mac, n->ip, zero_mac, n->next_hop_ip);
            if (fl > 0 && n->write_frame(n->io_ctx, n->frame, fl) == 0)
                n->arp_requests_sent++;
        }
        return UMON_E_FULL;
    }
    fl = umon_net_build_udp(n->frame, sizeof n->frame, n->mac, n->next_hop_mac, n->ip, n->collector_ip,
                            n->source_port, n->collector_port, n->ip_id++, payload, len);
    if (fl == 0)
        return UMON_E_TOO_LONG;
    if (n->write_frame(n->io_ctx, n->frame, fl) != 0)
        return UMON_E_SYSTEM;
    n->datagrams_sent++;
    return UMON_OK;
}
