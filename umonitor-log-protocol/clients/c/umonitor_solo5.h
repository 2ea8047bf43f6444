/*
 * umonitor_solo5.h - open the process-wide client (send_log) in a Solo5 unikernel. See
 * umonitor_solo5.c; link umonitor_log.c and umonitor_net.c built with -DUMON_FREESTANDING.
 */
#ifndef UMONITOR_SOLO5_H
#define UMONITOR_SOLO5_H

#include <stdint.h>

/* Records as @UM1: lines on the Solo5 console (umonitor reads the tender's output). session 0 =
 * derived from the wall clock. Returns UMON_OK or an error code (umon_init_error() says why). */
int umon_solo5_init_console(const char *name, uint64_t session);

/* Records as UDP datagrams on the Solo5 network device netdev (the manifest's name), from ip to
 * collector_ip:collector_port; gateway_ip NULL when the collector is on the same link (a tap). */
int umon_solo5_init_udp(const char *name, const char *token, uint64_t session, const char *netdev,
                        const uint8_t ip[4], const uint8_t collector_ip[4], uint16_t collector_port,
                        const uint8_t *gateway_ip);

/* Answers ARP and sends what is buffered; call it from the unikernel's main loop when idle. */
void umon_solo5_poll(void);

#endif
