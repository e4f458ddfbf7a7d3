/* ly_idle PORT N: opens N idle TCP connections to 127.0.0.1:PORT, holds
 * them, and then times a GET /healthz on a new connection. Prints
 * "idle: N held, /healthz 200 in X ms" and exits 0 when the probe answered
 * 200 within 2 seconds, 1 otherwise. A test tool for issue 15: idle
 * clients must not starve the processor or its probes. */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

static double now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

static int connect_to(int port)
{
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons((uint16_t)port) };
    inet_pton(AF_INET, "127.0.0.1", &a.sin_addr);
    if (fd >= 0 && connect(fd, (struct sockaddr *)&a, sizeof a) != 0) {
        close(fd);
        return -1;
    }
    return fd;
}

int main(int argc, char **argv)
{
    if (argc != 3) {
        fprintf(stderr, "usage: ly_idle PORT N\n");
        return 2;
    }
    int port = atoi(argv[1]), n = atoi(argv[2]), held = 0;
    struct rlimit rl;
    if (getrlimit(RLIMIT_NOFILE, &rl) == 0) {
        rl.rlim_cur = rl.rlim_max;
        setrlimit(RLIMIT_NOFILE, &rl);
    }
    for (int i = 0; i < n; i++)
        held += connect_to(port) >= 0;
    sleep(1); /* the server has them all by now */
    double t0 = now_ms();
    int fd = connect_to(port);
    char buf[512] = "";
    ssize_t got = -1;
    if (fd >= 0) {
        const char req[] = "GET /healthz HTTP/1.0\r\n\r\n";
        if (write(fd, req, sizeof req - 1) == (ssize_t)(sizeof req - 1)) {
            struct pollfd p = { fd, POLLIN, 0 };
            if (poll(&p, 1, 2000) == 1)
                got = read(fd, buf, sizeof buf - 1);
        }
    }
    double ms = now_ms() - t0;
    int ok = got > 12 && strncmp(buf + 9, "200", 3) == 0 && ms <= 2000;
    printf("idle: %d held, /healthz %s in %.0f ms\n", held, ok ? "200" : "FAILED", ms);
    return ok ? 0 : 1;
}
