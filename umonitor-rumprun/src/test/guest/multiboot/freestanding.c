/* freestanding.c - see freestanding.h; plus the 64-bit division gcc calls on i386, which 32-bit
 * libgcc would provide (it is not installed here: no multilib). */
#include "freestanding.h"

void *memcpy(void *dst, const void *src, size_t n)
{
    uint8_t *d = dst;
    const uint8_t *s = src;
    while (n--)
        *d++ = *s++;
    return dst;
}

void *memmove(void *dst, const void *src, size_t n)
{
    uint8_t *d = dst;
    const uint8_t *s = src;
    if (d < s) {
        while (n--)
            *d++ = *s++;
    } else {
        while (n--)
            d[n] = s[n];
    }
    return dst;
}

void *memset(void *dst, int c, size_t n)
{
    uint8_t *d = dst;
    while (n--)
        *d++ = (uint8_t)c;
    return dst;
}

int memcmp(const void *a, const void *b, size_t n)
{
    const uint8_t *x = a, *y = b;
    for (; n--; x++, y++)
        if (*x != *y)
            return *x < *y ? -1 : 1;
    return 0;
}

uint64_t __udivmoddi4(uint64_t n, uint64_t d, uint64_t *remainder);

/* Shift-and-subtract long division; d == 0 yields all ones, as no caller divides by zero. */
uint64_t __udivmoddi4(uint64_t n, uint64_t d, uint64_t *remainder)
{
    uint64_t q = 0, r = 0;
    int bit;
    for (bit = 63; bit >= 0; bit--) {
        r = r << 1 | ((n >> bit) & 1);
        if (d != 0 && r >= d) {
            r -= d;
            q |= (uint64_t)1 << bit;
        }
    }
    if (remainder)
        *remainder = r;
    return d == 0 ? ~(uint64_t)0 : q;
}
