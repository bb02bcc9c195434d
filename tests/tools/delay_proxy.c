/* delay_proxy: a TCP forwarder that adds latency, for the partition test on
 * a kernel without netem. Every chunk read from either side is written to
 * the other side DELAY_MS later, so a round trip through it takes twice
 * DELAY_MS more. When either side closes or fails, what it sent is still
 * delivered, then both sides are closed; a connection whose target cannot
 * be reached is closed at once, and the client reconnects as it would.
 *
 * usage: delay_proxy LISTEN_IP:PORT TARGET_IP:PORT DELAY_MS
 * Prints "listening" on stdout once bound. Runs until SIGTERM or SIGINT,
 * then closes every socket, frees every buffer and exits 0; 64 on bad
 * usage, 1 when it cannot listen. */
#include <arpa/inet.h>
#include <errno.h>
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

#define MAX_PAIRS 64
#define CHUNK 16384
#define MAX_QUEUED (1 << 20) /* per direction: stop reading beyond this */

struct chunk {
	struct chunk *next;
	long due;
	size_t len, off;
	unsigned char data[];
};

struct pair {
	int fd[2];		 /* 0: the accepted client, 1: the connection to the target */
	bool connecting;	 /* fd[1] has not connected yet */
	bool eof[2];		 /* fd[d] said goodbye: close once queue[d] is written */
	struct chunk *head[2], *tail[2]; /* read from fd[d], to be written to fd[1 - d] */
	size_t queued[2];
};

static volatile sig_atomic_t stop;

static void on_signal(int sig)
{
	(void)sig;
	stop = 1;
}

static long now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000L + ts.tv_nsec / 1000000L;
}

static bool parse_addr(const char *s, struct sockaddr_in *a)
{
	char host[64];
	const char *colon = strrchr(s, ':');
	char *end;
	if (!colon || (size_t)(colon - s) >= sizeof(host))
		return false;
	memcpy(host, s, (size_t)(colon - s));
	host[colon - s] = '\0';
	long port = strtol(colon + 1, &end, 10);
	memset(a, 0, sizeof(*a));
	a->sin_family = AF_INET;
	a->sin_port = htons((unsigned short)port);
	return *end == '\0' && port > 0 && port < 65536 && inet_pton(AF_INET, host, &a->sin_addr) == 1;
}

static void pair_close(struct pair *p)
{
	for (int d = 0; d < 2; d++) {
		if (p->fd[d] >= 0)
			close(p->fd[d]);
		p->fd[d] = -1;
		while (p->head[d]) {
			struct chunk *c = p->head[d];
			p->head[d] = c->next;
			free(c);
		}
		p->tail[d] = NULL;
		p->queued[d] = 0;
		p->eof[d] = false;
	}
	p->connecting = false;
}

/* Reads what fd[d] has into a chunk due DELAY later; false when the side is done. */
static bool pair_read(struct pair *p, int d, long delay)
{
	struct chunk *c = malloc(sizeof(*c) + CHUNK);
	if (!c)
		return false;
	ssize_t r = read(p->fd[d], c->data, CHUNK);
	if (r <= 0) {
		free(c);
		if (r < 0 && (errno == EAGAIN || errno == EINTR))
			return true;
		p->eof[d] = true;
		return r == 0;
	}
	c->next = NULL;
	c->due = now_ms() + delay;
	c->len = (size_t)r;
	c->off = 0;
	if (p->tail[d])
		p->tail[d]->next = c;
	else
		p->head[d] = c;
	p->tail[d] = c;
	p->queued[d] += (size_t)r;
	return true;
}

/* Writes the chunks of queue[d] that are due to fd[1 - d]; false on a write error. */
static bool pair_write(struct pair *p, int d, long now)
{
	while (p->head[d] && p->head[d]->due <= now) {
		struct chunk *c = p->head[d];
		ssize_t w = write(p->fd[1 - d], c->data + c->off, c->len - c->off);
		if (w < 0)
			return errno == EAGAIN || errno == EINTR;
		c->off += (size_t)w;
		p->queued[d] -= (size_t)w;
		if (c->off < c->len)
			return true;
		p->head[d] = c->next;
		if (!p->head[d])
			p->tail[d] = NULL;
		free(c);
	}
	return true;
}

int main(int argc, char **argv)
{
	struct sockaddr_in listen_at, target;
	char *end;
	long delay = argc == 4 ? strtol(argv[3], &end, 10) : -1;
	if (argc != 4 || !parse_addr(argv[1], &listen_at) || !parse_addr(argv[2], &target) || *end || delay < 0 ||
	    delay > 60000) {
		fprintf(stderr, "usage: delay_proxy LISTEN_IP:PORT TARGET_IP:PORT DELAY_MS (0-60000)\n");
		return 64;
	}
	int one = 1;
	int lfd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (lfd < 0 || setsockopt(lfd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) < 0 ||
	    bind(lfd, (struct sockaddr *)&listen_at, sizeof(listen_at)) < 0 || listen(lfd, 16) < 0) {
		fprintf(stderr, "delay_proxy: cannot listen on %s: %s\n", argv[1], strerror(errno));
		if (lfd >= 0)
			close(lfd);
		return 1;
	}
	struct sigaction sa = { .sa_handler = on_signal };
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);
	printf("listening\n");
	fflush(stdout);

	static struct pair pairs[MAX_PAIRS];
	for (int i = 0; i < MAX_PAIRS; i++)
		pairs[i].fd[0] = pairs[i].fd[1] = -1;
	struct pollfd pfd[1 + 2 * MAX_PAIRS];
	while (!stop) {
		long now = now_ms(), timeout = 1000;
		pfd[0] = (struct pollfd){ .fd = lfd, .events = POLLIN };
		for (int i = 0; i < MAX_PAIRS; i++) {
			struct pair *p = &pairs[i];
			for (int d = 0; d < 2; d++) {
				struct pollfd *f = &pfd[1 + 2 * i + d];
				*f = (struct pollfd){ .fd = p->fd[d] };
				if (p->fd[d] < 0)
					continue;
				if (d == 1 && p->connecting) {
					f->events = POLLOUT;
					continue;
				}
				if (!p->eof[d] && p->queued[d] < MAX_QUEUED && !(d == 0 && p->connecting))
					f->events |= POLLIN;
				/* this side is written to from the other side's queue */
				struct chunk *c = p->head[1 - d];
				if (c && c->due <= now)
					f->events |= POLLOUT;
				else if (c && c->due - now < timeout)
					timeout = c->due - now;
			}
		}
		if (poll(pfd, 1 + 2 * MAX_PAIRS, (int)timeout) < 0 && errno != EINTR)
			break;
		now = now_ms();
		if (pfd[0].revents & POLLIN) {
			int c = accept4(lfd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
			int slot = -1;
			for (int i = 0; i < MAX_PAIRS && slot < 0; i++)
				if (pairs[i].fd[0] < 0)
					slot = i;
			if (c >= 0 && slot < 0) {
				close(c);
			} else if (c >= 0) {
				struct pair *p = &pairs[slot];
				p->fd[0] = c;
				p->fd[1] = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
				p->connecting = true;
				if (p->fd[1] < 0 || (connect(p->fd[1], (struct sockaddr *)&target, sizeof(target)) < 0 &&
						     errno != EINPROGRESS))
					pair_close(p);
			}
		}
		for (int i = 0; i < MAX_PAIRS; i++) {
			struct pair *p = &pairs[i];
			bool ok = p->fd[0] >= 0;
			for (int d = 0; d < 2 && ok; d++) {
				short re = pfd[1 + 2 * i + d].revents;
				if (pfd[1 + 2 * i + d].fd != p->fd[d] || !re)
					continue;
				if (d == 1 && p->connecting) {
					int err = 0;
					socklen_t len = sizeof(err);
					getsockopt(p->fd[1], SOL_SOCKET, SO_ERROR, &err, &len);
					ok = !err && !(re & (POLLERR | POLLHUP));
					p->connecting = false;
					continue;
				}
				if (re & (POLLIN | POLLHUP | POLLERR))
					ok = pair_read(p, d, delay);
				if (ok && (re & POLLOUT))
					ok = pair_write(p, 1 - d, now);
			}
			/* a side that said goodbye: close once what it sent is delivered */
			if (ok && ((p->eof[0] && !p->head[0]) || (p->eof[1] && !p->head[1])))
				ok = false;
			if (!ok && p->fd[0] >= 0)
				pair_close(p);
		}
	}
	for (int i = 0; i < MAX_PAIRS; i++)
		pair_close(&pairs[i]);
	close(lfd);
	return 0;
}
