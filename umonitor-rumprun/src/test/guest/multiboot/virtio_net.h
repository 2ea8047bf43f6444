/*
 * A minimal driver for QEMU's virtio-net-pci in its legacy (transitional) interface, for the multiboot
 * test guest: finds the device on PCI bus 0, sets up its receive and transmit queues and moves whole
 * Ethernet frames, polling (the guest runs with interrupts off). Enough for umonitor_net.c's UDP.
 */
#ifndef MBGUEST_VIRTIO_NET_H
#define MBGUEST_VIRTIO_NET_H

#include <stddef.h>
#include <stdint.h>

/* 1 when a virtio-net device was found and is ready; its MAC address is copied into mac. */
int virtio_net_init(uint8_t mac[6]);

/* Sends one Ethernet frame and waits until the device took it: 0, or -1 on failure. */
int virtio_net_write(void *ctx, const uint8_t *frame, size_t len);

/* Copies one received Ethernet frame into buf: its length, or 0 when none waits. */
long virtio_net_read(void *ctx, uint8_t *buf, size_t cap);

#endif
