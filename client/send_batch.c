/* liaison send --batch: JSON lines, each through the one mapper (send_map.c),
 * all checked before the first is sent, then pipelined. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "client.h"
#include "progress.h"
#include "hexid.h"
#include "timefmt.h"

#define BATCH_WINDOW 256 /* requests in flight */

/* Parses every line of the batch; on the first bad one prints FILE:LINE and
 * returns CLIENT_EX_USAGE with nothing kept. */
int send_batch_load(struct client *cl, const char *path, Liaison__SendRequest ***out,
		    size_t **lines_out, size_t *n_out)
{
	FILE *f = strcmp(path, "-") == 0 ? cl->in : fopen(path, "r");
	const char *name = f == cl->in ? "stdin" : path;
	Liaison__SendRequest **reqs = NULL, **nr;
	size_t n = 0, cap = 0, lineno = 0, *lines = NULL, *nl;
	char *line = NULL, err[300];
	size_t linecap = 0;
	ssize_t len;
	int64_t now = time_now_ms();
	int ret = 0;

	if (!f) {
		client_err("%s: %s", path, strerror(errno));
		return CLIENT_EX_USAGE;
	}
	while ((len = getline(&line, &linecap, f)) >= 0) {
		json_error_t je;
		json_t *j;
		Liaison__SendRequest *s;

		lineno++;
		while (len && (line[len - 1] == '\n' || line[len - 1] == '\r' || line[len - 1] == ' '))
			line[--len] = '\0';
		if (len == 0)
			continue;
		j = json_loadb(line, (size_t)len, JSON_REJECT_DUPLICATES, &je);
		if (!j) {
			client_err("%s:%zu: %s", name, lineno, je.text);
			ret = CLIENT_EX_USAGE;
			break;
		}
		s = send_from_json(j, now, err, sizeof(err));
		json_decref(j);
		if (!s) {
			client_err("%s:%zu: %s", name, lineno, err);
			ret = CLIENT_EX_USAGE;
			break;
		}
		if (n == cap) {
			cap = cap ? cap * 2 : 64;
			nr = realloc(reqs, cap * sizeof(*reqs));
			nl = nr ? realloc(lines, cap * sizeof(*lines)) : NULL;
			if (nr)
				reqs = nr;
			if (nl)
				lines = nl;
			if (!nr || !nl) {
				send_request_free(s);
				client_err("out of memory");
				ret = CLIENT_EX_FAIL;
				break;
			}
		}
		reqs[n] = s;
		lines[n++] = lineno;
	}
	if (!ret && ferror(f)) {
		client_err("%s: %s", name, strerror(errno));
		ret = CLIENT_EX_USAGE;
	}
	free(line);
	if (f != cl->in)
		fclose(f);
	if (ret) {
		for (size_t i = 0; i < n; i++)
			send_request_free(reqs[i]);
		free(reqs);
		free(lines);
		return ret;
	}
	*out = reqs;
	*lines_out = lines;
	*n_out = n;
	return 0;
}

void send_print_id(FILE *out, const Liaison__ApiReply *r)
{
	char hex[HEXID_LEN];
	uint8_t id[16] = {0};
	if (r->kind_case == LIAISON__API_REPLY__KIND_SEND && r->send && r->send->id.len) {
		memcpy(id, r->send->id.data, r->send->id.len < 16 ? r->send->id.len : 16);
	}
	hexid_format(id, hex);
	fprintf(out, "%s\n", hex);
}

/* Sends every request, at most BATCH_WINDOW in flight; prints the ids in
 * order. A node error stops sending; what is in flight is drained. */
int send_batch_send(struct conn *c, FILE *out, Liaison__SendRequest **reqs, const size_t *lines,
		    size_t n)
{
	size_t sent = 0, done = 0;
	uint64_t first_id = 0, id;
	int ret = 0, rc;
	bool stop = false;
	int tmo = (int)(conn_timeout(c) * 1000);
	size_t ok = 0;
	struct progress pg;

	progress_start(&pg, stderr, n);

	while (done < sent || (!stop && sent < n)) {
		while (!stop && sent < n && sent - done < BATCH_WINDOW) {
			Liaison__ApiRequest req = LIAISON__API_REQUEST__INIT;
			req.kind_case = LIAISON__API_REQUEST__KIND_SEND;
			req.send = reqs[sent];
			rc = conn_send(c, &req, &id);
			if (rc)
				return rc;
			if (sent == 0)
				first_id = id;
			sent++;
		}
		Liaison__ApiReply *r;
		int64_t deadline = time_mono_ms() + tmo;
		do {
			int64_t left = deadline - time_mono_ms();
			rc = conn_recv(c, left > 0 ? (int)left : 0, &r);
		} while (rc == CONN_TIMEOUT && time_mono_ms() < deadline);
		if (rc == CONN_TIMEOUT)
			return conn_timeout_error(c);
		if (rc)
			return rc;
		if (r->request_id < first_id || r->request_id - first_id >= sent) {
			liaison__api_reply__free_unpacked(r, NULL);
			continue; /* not one of ours */
		}
		size_t idx = (size_t)(r->request_id - first_id);
		if (r->error) {
			client_err("line %zu: %s", lines[idx],
				   r->message && r->message[0] ? r->message : "refused");
			if (!ret)
				ret = r->error > 0 && r->error < 256 ? r->error : CLIENT_EX_FAIL;
			stop = true;
		} else {
			send_print_id(out, r);
			ok++;
		}
		liaison__api_reply__free_unpacked(r, NULL);
		done++;
		progress_update(&pg, ok);
	}
	fflush(out);
	progress_end(&pg, ok);
	return ret;
}

void send_batch_free(Liaison__SendRequest **reqs, size_t *lines, size_t n)
{
	for (size_t i = 0; i < n; i++)
		send_request_free(reqs[i]);
	free(reqs);
	free(lines);
}
