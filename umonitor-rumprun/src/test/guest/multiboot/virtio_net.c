/*
 * virtio_net.c - see virtio_net.h. Written from the virtio 1.x specification's "legacy interface"
 * sections: the I/O BAR's register layout, the split virtqueue's memory layout (descriptor table,
 * available ring, used ring on the next 4096-byte boundary) and the 10-byte legacy net header.
 */
#include "virtio_net.h"

#include "freestanding.h"

#define PCI_ADDRESS 0xcf8
#define PCI_DATA 0xcfc
#define VIRTIO_VENDOR 0x1af4
#define VIRTIO_NET_LEGACY_DEVICE 0x1000

/* Legacy I/O BAR registers. */
#define REG_DEVICE_FEATURES 0x00
#define REG_DRIVER_FEATURES 0x04
#define REG_QUEUE_PFN 0x08
#define REG_QUEUE_SIZE 0x0c
#define REG_QUEUE_SELECT 0x0e
#define REG_QUEUE_NOTIFY 0x10
#define REG_STATUS 0x12
#define REG_CONFIG 0x14 /* device configuration while MSI-X is off: the MAC first */

#define STATUS_ACKNOWLEDGE 1
#define STATUS_DRIVER 2
#define STATUS_DRIVER_OK 4
#define FEATURE_MAC (1u << 5)

#define DESC_WRITE 2
#define AVAIL_NO_INTERRUPT 1
#define QUEUE_MAX 256
#define NET_HEADER 10
#define RX_BUFFERS 16
#define BUFFER_SIZE 2048

struct desc {
    uint64_t addr;
    uint32_t len;
    uint16_t flags;
    uint16_t next;
};

struct queue {
    uint16_t size;
    volatile struct desc *desc;
    volatile uint16_t *avail; /* flags, idx, ring[size] */
    volatile uint8_t *used;   /* flags, idx, then {u32 id, u32 len}[size] */
    uint16_t last_used;
};

/* Ring memory for QUEUE_MAX entries per queue: 4096 of descriptors, the available ring, then the used ring
 * at 8192; three pages each. */
static uint8_t rings[2][3 * 4096] __attribute__((aligned(4096)));
static uint8_t rx_buffers[RX_BUFFERS][BUFFER_SIZE] __attribute__((aligned(16)));
static uint8_t tx_buffer[BUFFER_SIZE] __attribute__((aligned(16)));
static struct queue rx, tx;
static uint16_t io;

static void barrier(void) { __asm__ volatile("" ::: "memory"); }

static uint32_t pci_read(unsigned dev, unsigned reg)
{
    outl(PCI_ADDRESS, 0x80000000u | (uint32_t)dev << 11 | (reg & 0xfc));
    return inl(PCI_DATA);
}

static void pci_write(unsigned dev, unsigned reg, uint32_t value)
{
    outl(PCI_ADDRESS, 0x80000000u | (uint32_t)dev << 11 | (reg & 0xfc));
    outl(PCI_DATA, value);
}

static uint16_t used_idx(struct queue *q) { return *(volatile uint16_t *)(q->used + 2); }

static int setup_queue(struct queue *q, unsigned index, uint8_t *memory)
{
    outw((uint16_t)(io + REG_QUEUE_SELECT), (uint16_t)index);
    q->size = inw((uint16_t)(io + REG_QUEUE_SIZE));
    if (q->size == 0 || q->size > QUEUE_MAX)
        return 0;
    memset(memory, 0, sizeof rings[0]);
    q->desc = (volatile struct desc *)memory;
    q->avail = (volatile uint16_t *)(memory + 16u * q->size);
    q->used = memory + ((16u * q->size + 2u * (3u + q->size) + 4095u) & ~4095u);
    q->avail[0] = AVAIL_NO_INTERRUPT;
    q->last_used = 0;
    outl((uint16_t)(io + REG_QUEUE_PFN), (uint32_t)(uintptr_t)memory >> 12);
    return 1;
}

static void offer(struct queue *q, uint16_t descriptor, unsigned queue_index)
{
    uint16_t idx = q->avail[1];
    q->avail[2 + idx % q->size] = descriptor;
    barrier();
    q->avail[1] = (uint16_t)(idx + 1);
    barrier();
    outw((uint16_t)(io + REG_QUEUE_NOTIFY), (uint16_t)queue_index);
}

int virtio_net_init(uint8_t mac[6])
{
    unsigned dev, i;
    for (dev = 0; dev < 32; dev++) {
        uint32_t id = pci_read(dev, 0);
        if ((id & 0xffff) == VIRTIO_VENDOR && id >> 16 == VIRTIO_NET_LEGACY_DEVICE)
            break;
    }
    if (dev == 32)
        return 0;
    uint32_t bar = pci_read(dev, 0x10);
    if ((bar & 1) == 0)
        return 0;
    io = (uint16_t)(bar & 0xfffc);
    pci_write(dev, 0x04, (pci_read(dev, 0x04) & 0xffff) | 0x5); /* I/O space and bus mastering */

    outb((uint16_t)(io + REG_STATUS), 0);
    outb((uint16_t)(io + REG_STATUS), STATUS_ACKNOWLEDGE);
    outb((uint16_t)(io + REG_STATUS), STATUS_ACKNOWLEDGE | STATUS_DRIVER);
    outl((uint16_t)(io + REG_DRIVER_FEATURES), inl((uint16_t)(io + REG_DEVICE_FEATURES)) & FEATURE_MAC);
    if (!setup_queue(&rx, 0, rings[0]) || !setup_queue(&tx, 1, rings[1]))
        return 0;
    for (i = 0; i < 6; i++)
        mac[i] = inb((uint16_t)(io + REG_CONFIG + i));
    outb((uint16_t)(io + REG_STATUS), STATUS_ACKNOWLEDGE | STATUS_DRIVER | STATUS_DRIVER_OK);
    for (i = 0; i < RX_BUFFERS && i < rx.size; i++) {
        rx.desc[i].addr = (uint32_t)(uintptr_t)rx_buffers[i];
        rx.desc[i].len = BUFFER_SIZE;
        rx.desc[i].flags = DESC_WRITE;
        offer(&rx, (uint16_t)i, 0);
    }
    return 1;
}

int virtio_net_write(void *ctx, const uint8_t *frame, size_t len)
{
    unsigned long spins;
    (void)ctx;
    if (io == 0 || len + NET_HEADER > BUFFER_SIZE)
        return -1;
    memset(tx_buffer, 0, NET_HEADER);
    memcpy(tx_buffer + NET_HEADER, frame, len);
    tx.desc[0].addr = (uint32_t)(uintptr_t)tx_buffer;
    tx.desc[0].len = (uint32_t)(len + NET_HEADER);
    tx.desc[0].flags = 0;
    offer(&tx, 0, 1);
    /* One frame in flight: wait until the device has used it, so tx_buffer may be reused. */
    for (spins = 0; used_idx(&tx) == tx.last_used; spins++) {
        if (spins > 200000000ul)
            return -1;
        __asm__ volatile("pause");
    }
    tx.last_used++;
    return 0;
}

long virtio_net_read(void *ctx, uint8_t *buf, size_t cap)
{
    (void)ctx;
    if (io == 0 || used_idx(&rx) == rx.last_used)
        return 0;
    barrier();
    volatile uint32_t *element = (volatile uint32_t *)(rx.used + 4 + 8u * (rx.last_used % rx.size));
    uint32_t id = element[0], len = element[1];
    rx.last_used++;
    long n = 0;
    if (id < RX_BUFFERS && len > NET_HEADER) {
        n = (long)(len - NET_HEADER);
        if ((size_t)n > cap)
            n = (long)cap;
        memcpy(buf, rx_buffers[id] + NET_HEADER, (size_t)n);
    }
    offer(&rx, (uint16_t)id, 0);
    return n;
}
