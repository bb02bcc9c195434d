/* Reference row: 1 KiB messages at QoS 1 from one client to another through
 * a mosquitto broker (MQTT 5, up to WINDOW publishes in flight), counted at
 * the subscriber.
 *
 *   mqtt_ref PORT N WINDOW     prints "seconds msgs/s" */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <mosquitto.h>

static pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t cv = PTHREAD_COND_INITIALIZER;
static long acked, arrived, target;
static int connected, subscribed;

static double now_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void bump(long *v, int *flag)
{
	pthread_mutex_lock(&mu);
	if (v)
		(*v)++;
	if (flag)
		*flag += 1;
	pthread_cond_broadcast(&cv);
	pthread_mutex_unlock(&mu);
}

static void on_connect(struct mosquitto *m, void *arg, int rc)
{
	(void)arg;
	if (rc == 0 && m)
		bump(NULL, &connected);
}

static void on_publish(struct mosquitto *m, void *arg, int mid)
{
	(void)m, (void)arg, (void)mid;
	bump(&acked, NULL);
}

static void on_subscribe(struct mosquitto *m, void *arg, int mid, int n, const int *qos)
{
	(void)m, (void)arg, (void)mid, (void)n, (void)qos;
	bump(NULL, &subscribed);
}

static void on_message(struct mosquitto *m, void *arg, const struct mosquitto_message *msg)
{
	(void)m, (void)arg;
	if (msg->payloadlen == 1024)
		bump(&arrived, NULL);
}

/* Waits until *v reaches want or the deadline passes. */
static int wait_for(void *v, int is_long, long want, double seconds)
{
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	ts.tv_sec += (time_t)seconds;
	int ok = 1;
	pthread_mutex_lock(&mu);
	while ((is_long ? *(long *)v : *(int *)v) < want)
		if (pthread_cond_timedwait(&cv, &mu, &ts)) {
			ok = 0;
			break;
		}
	pthread_mutex_unlock(&mu);
	return ok;
}

static struct mosquitto *client(const char *id, int port, int window)
{
	struct mosquitto *m = mosquitto_new(id, true, NULL);
	if (!m)
		return NULL;
	mosquitto_int_option(m, MOSQ_OPT_PROTOCOL_VERSION, MQTT_PROTOCOL_V5);
	mosquitto_int_option(m, MOSQ_OPT_SEND_MAXIMUM, window);
	mosquitto_int_option(m, MOSQ_OPT_RECEIVE_MAXIMUM, window);
	mosquitto_connect_callback_set(m, on_connect);
	mosquitto_publish_callback_set(m, on_publish);
	mosquitto_subscribe_callback_set(m, on_subscribe);
	mosquitto_message_callback_set(m, on_message);
	if (mosquitto_connect(m, "127.0.0.1", port, 30) != MOSQ_ERR_SUCCESS || mosquitto_loop_start(m)) {
		mosquitto_destroy(m);
		return NULL;
	}
	return m;
}

int main(int argc, char **argv)
{
	if (argc != 4) {
		fprintf(stderr, "usage: mqtt_ref PORT N WINDOW\n");
		return 64;
	}
	int port = atoi(argv[1]), window = atoi(argv[3]);
	target = atol(argv[2]);
	int ret = 1;
	static char payload[1024];
	memset(payload, 'x', sizeof(payload));
	mosquitto_lib_init();
	struct mosquitto *sub = client("bench-sub", port, window);
	struct mosquitto *pub = client("bench-pub", port, window);
	if (!sub || !pub || !wait_for(&connected, 0, 2, 10)) {
		fprintf(stderr, "mqtt_ref: cannot connect to the broker on port %d\n", port);
		goto out;
	}
	if (mosquitto_subscribe(sub, NULL, "bench/t", 1) || !wait_for(&subscribed, 0, 1, 10)) {
		fprintf(stderr, "mqtt_ref: cannot subscribe\n");
		goto out;
	}
	double t0 = now_s();
	for (long sent = 0; sent < target; sent++) {
		if (!wait_for(&acked, 1, sent - window + 1, 60) ||
		    mosquitto_publish(pub, NULL, "bench/t", sizeof(payload), payload, 1, false) != MOSQ_ERR_SUCCESS) {
			fprintf(stderr, "mqtt_ref: publish failed after %ld\n", sent);
			goto out;
		}
	}
	if (!wait_for(&arrived, 1, target, 120)) {
		fprintf(stderr, "mqtt_ref: %ld of %ld arrived\n", arrived, target);
		goto out;
	}
	double s = now_s() - t0;
	printf("%.3f %.1f\n", s, (double)target / s);
	ret = 0;
out:
	if (pub) {
		mosquitto_disconnect(pub);
		mosquitto_loop_stop(pub, true);
		mosquitto_destroy(pub);
	}
	if (sub) {
		mosquitto_disconnect(sub);
		mosquitto_loop_stop(sub, true);
		mosquitto_destroy(sub);
	}
	mosquitto_lib_cleanup();
	return ret;
}
