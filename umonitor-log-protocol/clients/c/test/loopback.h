/* A socket on 127.0.0.1 with a port the kernel picks, for the C tests that play the collector. */
#ifndef UMON_TEST_LOOPBACK_H
#define UMON_TEST_LOOPBACK_H

#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

/* Bound on loopback, not yet listening (a test may want connections refused first); *port gets its port.
 * Exits the test on failure. */
static inline int loopback_socket(int type, unsigned short *port)
{
    struct sockaddr_in a;
    socklen_t len = sizeof a;
    int fd = socket(AF_INET, type, 0);
    memset(&a, 0, sizeof a);
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (fd < 0 || bind(fd, (struct sockaddr *)&a, sizeof a) != 0 ||
        getsockname(fd, (struct sockaddr *)&a, &len) != 0) {
        perror("loopback socket");
        exit(2);
    }
    *port = ntohs(a.sin_port);
    return fd;
}

/* A TCP socket on loopback that already accepts connections. */
static inline int loopback_listener(unsigned short *port)
{
    int fd = loopback_socket(SOCK_STREAM, port);
    if (listen(fd, 4) != 0) {
        perror("listen");
        exit(2);
    }
    return fd;
}

#endif
