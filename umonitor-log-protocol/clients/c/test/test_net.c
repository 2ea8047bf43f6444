/* Frame building of the raw-Ethernet UDP path (umonitor_net.c): checksums, byte layouts, ARP
 * resolution and answering, over an in-memory "wire". The same frames cross a real tap device in
 * SoloNetFramesTapIT. */
#include <string.h>

#include "check.h"
#include "umonitor_log.h"
#include "umonitor_net.h"

static uint8_t wire_out[16][1600];
static size_t wire_out_len[16];
static int wire_out_count;
static uint8_t wire_in[4][1600];
static size_t wire_in_len[4];
static int wire_in_count, wire_in_next;

static int fake_write(void *ctx, const uint8_t *frame, size_t len)
{
    (void)ctx;
    if (wire_out_count < 16) {
        memcpy(wire_out[wire_out_count], frame, len);
        wire_out_len[wire_out_count++] = len;
    }
    return 0;
}

static long fake_read(void *ctx, uint8_t *buf, size_t cap)
{
    (void)ctx;
    if (wire_in_next >= wire_in_count || wire_in_len[wire_in_next] > cap)
        return 0;
    memcpy(buf, wire_in[wire_in_next], wire_in_len[wire_in_next]);
    return (long)wire_in_len[wire_in_next++];
}

static const uint8_t my_mac[6] = { 0x02, 0, 0, 0, 0, 0x02 };
static const uint8_t host_mac[6] = { 0x0a, 0xbb, 0xcc, 0xdd, 0xee, 0x01 };
static const uint8_t my_ip[4] = { 10, 0, 0, 2 };
static const uint8_t host_ip[4] = { 10, 0, 0, 1 };

static void test_checksum(void)
{
    /* RFC 1071 section 3 example: the sum of these words is ddf2, the checksum its complement */
    static const uint8_t words[] = { 0x00, 0x01, 0xf2, 0x03, 0xf4, 0xf5, 0xf6, 0xf7 };
    CHECK(umon_net_checksum(0, words, sizeof words) == (uint16_t)~0xddf2u);
    /* a well-known IPv4 header (Wikipedia "IPv4 header checksum" example): checksum b861 */
    {
        static const uint8_t header[] = { 0x45, 0x00, 0x00, 0x73, 0x00, 0x00, 0x40, 0x00, 0x40, 0x11,
                                          0x00, 0x00, 0xc0, 0xa8, 0x00, 0x01, 0xc0, 0xa8, 0x00, 0xc7 };
        CHECK(umon_net_checksum(0, header, sizeof header) == 0xb861);
    }
}

static void test_udp_frame(void)
{
    uint8_t f[1600];
    uint8_t pseudo[12];
    const uint8_t payload[] = "hello";
    size_t n = umon_net_build_udp(f, sizeof f, my_mac, host_mac, my_ip, host_ip, 50000, 7000, 0x1234,
                                  payload, 5);
    CHECK_EQ_LONG(n, 14 + 20 + 8 + 5);
    CHECK(memcmp(f, host_mac, 6) == 0 && memcmp(f + 6, my_mac, 6) == 0 && f[12] == 0x08 && f[13] == 0x00);
    CHECK(f[14] == 0x45 && f[16] == 0 && f[17] == 33 && f[18] == 0x12 && f[19] == 0x34);
    CHECK(f[20] == 0x40 && f[22] == 64 && f[23] == 17);
    CHECK(umon_net_checksum(0, f + 14, 20) == 0);                 /* header checksum verifies */
    CHECK(memcmp(f + 26, my_ip, 4) == 0 && memcmp(f + 30, host_ip, 4) == 0);
    CHECK(f[34] == 0xc3 && f[35] == 0x50 && f[36] == 0x1b && f[37] == 0x58 && f[38] == 0 && f[39] == 13);
    memcpy(pseudo, my_ip, 4);
    memcpy(pseudo + 4, host_ip, 4);
    pseudo[8] = 0;
    pseudo[9] = 17;
    pseudo[10] = 0;
    pseudo[11] = 13;
    CHECK(umon_net_checksum(~(uint32_t)umon_net_checksum(0, pseudo, 12) & 0xffff, f + 34, 13) == 0);
    CHECK(memcmp(f + 42, "hello", 5) == 0);
    CHECK_EQ_LONG(umon_net_build_udp(f, 40, my_mac, host_mac, my_ip, host_ip, 1, 2, 3, payload, 5), 0);
    CHECK_EQ_LONG(umon_net_build_udp(f, sizeof f, my_mac, host_mac, my_ip, host_ip, 1, 2, 3, f, 1473), 0);
}

static void test_arp_and_send(void)
{
    static umon_net net;
    uint8_t payload[100];
    memset(payload, 'x', sizeof payload);
    net.write_frame = fake_write;
    net.read_frame = fake_read;
    umon_net_init(&net, my_mac, my_ip, host_ip, 7000, NULL);

    /* unresolved: an ARP request goes out, the datagram waits */
    CHECK_EQ_LONG(umon_net_send(&net, payload, sizeof payload), UMON_E_FULL);
    CHECK_EQ_LONG(wire_out_count, 1);
    CHECK_EQ_LONG(wire_out_len[0], 60);
    CHECK(memcmp(wire_out[0], "\xff\xff\xff\xff\xff\xff", 6) == 0 && wire_out[0][12] == 0x08 &&
          wire_out[0][13] == 0x06);
    CHECK(wire_out[0][21] == 1 && memcmp(wire_out[0] + 22, my_mac, 6) == 0 &&
          memcmp(wire_out[0] + 28, my_ip, 4) == 0 && memcmp(wire_out[0] + 38, host_ip, 4) == 0);

    /* the host asks who has my_ip: we answer; its request also tells us its MAC */
    umon_net_build_arp(wire_in[0], sizeof wire_in[0], 1, host_mac, host_ip, NULL, my_ip);
    wire_in_len[0] = 60;
    wire_in_count = 1;
    CHECK_EQ_LONG(umon_net_poll(&net), 1);
    CHECK_EQ_LONG(wire_out_count, 2);
    CHECK(memcmp(wire_out[1], host_mac, 6) == 0 && wire_out[1][21] == 2);
    CHECK(memcmp(wire_out[1] + 22, my_mac, 6) == 0 && memcmp(wire_out[1] + 32, host_mac, 6) == 0 &&
          memcmp(wire_out[1] + 38, host_ip, 4) == 0);
    CHECK(net.resolved && memcmp(net.next_hop_mac, host_mac, 6) == 0 && net.arp_replies_sent == 1);

    /* resolved: the datagram goes to the host's MAC */
    CHECK_EQ_LONG(umon_net_send(&net, payload, sizeof payload), UMON_OK);
    CHECK_EQ_LONG(wire_out_count, 3);
    CHECK(memcmp(wire_out[2], host_mac, 6) == 0 && wire_out_len[2] == 14 + 28 + 100);
    CHECK_EQ_LONG(umon_net_send(&net, payload, 1473), UMON_E_TOO_LONG);

    /* a UDP datagram for us is counted; one for someone else is not */
    umon_net_build_udp(wire_in[1], sizeof wire_in[1], host_mac, my_mac, host_ip, my_ip, 9, 9, 1, payload, 4);
    wire_in_len[1] = 14 + 28 + 4;
    umon_net_build_udp(wire_in[2], sizeof wire_in[2], host_mac, my_mac, host_ip, host_ip, 9, 9, 1, payload, 4);
    wire_in_len[2] = 14 + 28 + 4;
    wire_in_count = 3;
    umon_net_poll(&net);
    CHECK_EQ_LONG(net.udp_received, 1);
}

/* What umon_solo5_poll() does after umon_solo5_init_console(): no device, so no read_frame. It used to
 * call through the NULL pointer and kill the unikernel. */
static void test_poll_without_a_device_is_a_no_op(void)
{
    static umon_net none;
    uint8_t payload[4] = { 1, 2, 3, 4 };
    CHECK_EQ_LONG(umon_net_poll(&none), 0);
    CHECK_EQ_LONG(umon_net_poll(NULL), 0);
    CHECK_EQ_LONG(umon_net_send(&none, payload, sizeof payload), UMON_E_UNSUPPORTED);
}

int main(void)
{
    test_checksum();
    test_udp_frame();
    test_arp_and_send();
    test_poll_without_a_device_is_a_no_op();
    return check_report("test_net");
}
