/* hold_conns: many TCP connections to a node's federation port that start a
 * ZeroMQ greeting and never finish the CURVE handshake, for the handshake-
 * starvation test. Each connection sends the first 10 bytes of a ZMTP 3
 * greeting and then says nothing; one the node closes (its handshake timer)
 * is opened again at once, so N stay pending for as long as the tool runs.
 *
 * usage: hold_conns HOST PORT N
 * Prints "holding N" on stdout once N connections are established, then,
 * once a second while anything changed, "holding K reopened R refused F".
 * Runs until SIGTERM or SIGINT, then closes every connection and exits 0;
 * 64 on bad usage, 1 when it cannot open sockets (raise ulimit -n). */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

enum conn_state { C_CLOSED, C_CONNECTING, C_HELD };

static volatile sig_atomic_t stop;

static void on_signal(int sig)
{
	(void)sig;
	stop = 1;
}

/* Starts a non-blocking connect; returns the fd or -1 (errno set). */
static int open_conn(const struct sockaddr_in *to)
{
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -1;
	if (connect(fd, (const struct sockaddr *)to, sizeof(*to)) < 0 && errno != EINPROGRESS) {
		int e = errno;
		close(fd);
		errno = e;
		return -1;
	}
	return fd;
}

static long now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000L + ts.tv_nsec / 1000000L;
}

int main(int argc, char **argv)
{
	/* ZMTP 3 signature and the major version byte: enough for the node to
	 * start a handshake and wait for the rest of the greeting */
	static const unsigned char greeting[10] = { 0xff, 0, 0, 0, 0, 0, 0, 0, 1, 0x7f };
	struct sockaddr_in to = { .sin_family = AF_INET };
	char *end;

	if (argc != 4 || inet_pton(AF_INET, argv[1], &to.sin_addr) != 1) {
		fprintf(stderr, "usage: hold_conns HOST PORT N\n");
		return 64;
	}
	long port = strtol(argv[2], &end, 10), n = strtol(argv[3], &end, 10);
	if (port < 1 || port > 65535 || n < 1 || n > 100000 || *end) {
		fprintf(stderr, "hold_conns: PORT must be 1-65535 and N 1-100000\n");
		return 64;
	}
	to.sin_port = htons((unsigned short)port);
	struct pollfd *p = calloc((size_t)n, sizeof(*p));
	enum conn_state *st = calloc((size_t)n, sizeof(*st));
	if (!p || !st) {
		fprintf(stderr, "hold_conns: out of memory\n");
		return 1;
	}
	struct sigaction sa = { .sa_handler = on_signal };
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);

	long held = 0, reopened = 0, refused = 0, last_report = 0;
	bool announced = false, changed = false;
	int ret = 0;
	for (long i = 0; i < n; i++)
		p[i].fd = -1;
	while (!stop) {
		for (long i = 0; i < n; i++) {
			if (st[i] != C_CLOSED)
				continue;
			p[i].fd = open_conn(&to);
			if (p[i].fd < 0) {
				if (errno == EMFILE || errno == ENFILE) {
					fprintf(stderr, "hold_conns: cannot open socket %ld: %s (raise ulimit -n)\n", i,
						strerror(errno));
					ret = 1;
					goto out;
				}
				refused++;
				continue;
			}
			p[i].events = POLLOUT;
			st[i] = C_CONNECTING;
		}
		if (poll(p, (nfds_t)n, 200) < 0 && errno != EINTR)
			break;
		for (long i = 0; i < n; i++) {
			if (p[i].fd < 0 || !p[i].revents)
				continue;
			bool gone = p[i].revents & (POLLERR | POLLHUP | POLLNVAL);
			if (!gone && st[i] == C_CONNECTING && (p[i].revents & POLLOUT)) {
				int err = 0;
				socklen_t len = sizeof(err);
				getsockopt(p[i].fd, SOL_SOCKET, SO_ERROR, &err, &len);
				if (err || write(p[i].fd, greeting, sizeof(greeting)) != (ssize_t)sizeof(greeting)) {
					gone = true;
				} else {
					st[i] = C_HELD;
					p[i].events = POLLIN;
					held++;
				}
			} else if (!gone && (p[i].revents & POLLIN)) {
				/* the node's half of the greeting, or its close */
				char buf[512];
				ssize_t r = read(p[i].fd, buf, sizeof(buf));
				gone = r == 0 || (r < 0 && errno != EAGAIN && errno != EINTR);
			}
			if (gone) {
				if (st[i] == C_HELD) {
					held--;
					reopened++;
				} else {
					refused++;
				}
				close(p[i].fd);
				p[i].fd = -1;
				st[i] = C_CLOSED;
				changed = true;
			}
		}
		if (!announced && held == n) {
			printf("holding %ld\n", held);
			fflush(stdout);
			announced = true;
		}
		if (announced && changed && now_ms() - last_report >= 1000) {
			printf("holding %ld reopened %ld refused %ld\n", held, reopened, refused);
			fflush(stdout);
			last_report = now_ms();
			changed = false;
		}
	}
out:
	for (long i = 0; i < n; i++)
		if (p[i].fd >= 0)
			close(p[i].fd);
	free(p);
	free(st);
	return ret;
}
