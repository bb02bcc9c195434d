/* Reference: NATS JetStream publishing, for the benchmark only. A minimal
 * client of the NATS text protocol (INFO, CONNECT, SUB, PUB, MSG, PING,
 * PONG): creates a file-stored stream "BENCH" on subject bench.x, then
 * publishes N 1 KiB messages, each with a reply inbox on which JetStream
 * acknowledges it as stored, keeping at most WINDOW unacknowledged
 * (WINDOW 1: synchronous publish, one at a time).
 *
 * usage: nats_ref PORT N WINDOW
 * prints: seconds msgs_per_s */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

static int fd = -1;
static char buf[1 << 20];
static size_t have;

static double now_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static int send_all(const char *p, size_t len)
{
	while (len) {
		ssize_t w = write(fd, p, len);
		if (w <= 0)
			return -1;
		p += w;
		len -= (size_t)w;
	}
	return 0;
}

/* Reads until one MSG arrives (answering PINGs on the way); copies its
 * payload's start into payload. Returns 0, or -1 on error or -ERR. */
static int next_msg(char *payload, size_t plen)
{
	for (;;) {
		char *eol = memmem(buf, have, "\r\n", 2);
		if (eol) {
			size_t line = (size_t)(eol - buf) + 2;
			if (!strncmp(buf, "MSG ", 4)) {
				/* MSG subject sid [reply] bytes */
				char *sp = eol;
				while (sp > buf && sp[-1] != ' ')
					sp--;
				size_t n = strtoul(sp, NULL, 10);
				if (have < line + n + 2)
					goto more;
				size_t c = n < plen - 1 ? n : plen - 1;
				memcpy(payload, buf + line, c);
				payload[c] = 0;
				line += n + 2;
				memmove(buf, buf + line, have - line);
				have -= line;
				return 0;
			}
			if (!strncmp(buf, "PING", 4) && send_all("PONG\r\n", 6) < 0)
				return -1;
			if (!strncmp(buf, "-ERR", 4)) {
				fprintf(stderr, "nats_ref: %.*s\n", (int)(eol - buf), buf);
				return -1;
			}
			memmove(buf, buf + line, have - line);
			have -= line;
			continue;
		}
more:
		if (have == sizeof(buf))
			return -1;
		ssize_t r = read(fd, buf + have, sizeof(buf) - have);
		if (r <= 0)
			return -1;
		have += (size_t)r;
	}
}

int main(int argc, char **argv)
{
	if (argc != 4) {
		fprintf(stderr, "usage: nats_ref PORT N WINDOW\n");
		return 2;
	}
	int port = atoi(argv[1]);
	long n = atol(argv[2]), window = atol(argv[3]);
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons((uint16_t)port) };
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	fd = socket(AF_INET, SOCK_STREAM, 0);
	int one = 1;
	setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	if (fd < 0 || connect(fd, (struct sockaddr *)&a, sizeof(a)) < 0) {
		perror("nats_ref: connect");
		return 1;
	}
	static const char hello[] = "CONNECT {\"verbose\":false,\"pedantic\":false,\"headers\":false}\r\n"
				    "SUB _INBOX.bench.> 1\r\n";
	static const char stream[] = "{\"name\":\"BENCH\",\"subjects\":[\"bench.x\"],\"storage\":\"file\"}";
	char line[256], reply[512];
	snprintf(line, sizeof(line), "PUB $JS.API.STREAM.CREATE.BENCH _INBOX.bench.create %zu\r\n", strlen(stream));
	if (send_all(hello, strlen(hello)) < 0 || send_all(line, strlen(line)) < 0 ||
	    send_all(stream, strlen(stream)) < 0 || send_all("\r\n", 2) < 0 || next_msg(reply, sizeof(reply)) < 0)
		return 1;
	if (strstr(reply, "\"error\"")) {
		fprintf(stderr, "nats_ref: stream: %s\n", reply);
		return 1;
	}
	static char msg[1024 + 128];
	memset(msg, 'x', sizeof(msg));
	long sent = 0, acked = 0;
	double t0 = now_s();
	while (acked < n) {
		/* fill the window, in one write */
		size_t off = 0;
		static char out[1 << 20];
		while (sent < n && sent - acked < window && off + sizeof(msg) + 128 < sizeof(out)) {
			off += (size_t)snprintf(out + off, 128, "PUB bench.x _INBOX.bench.%ld 1024\r\n", sent);
			memcpy(out + off, msg, 1024);
			off += 1024;
			memcpy(out + off, "\r\n", 2);
			off += 2;
			sent++;
		}
		if (off && send_all(out, off) < 0)
			return 1;
		if (next_msg(reply, sizeof(reply)) < 0)
			return 1;
		if (strstr(reply, "\"error\"")) {
			fprintf(stderr, "nats_ref: publish: %s\n", reply);
			return 1;
		}
		acked++;
	}
	double t = now_s() - t0;
	printf("%.3f %.0f\n", t, (double)n / t);
	close(fd);
	return 0;
}
