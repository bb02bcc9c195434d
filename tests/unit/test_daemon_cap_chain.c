/* Unit tests for CAP chains in the node's store: Update and Cancel
 * references recorded, cap_state worked out on read, a reference that comes
 * before its alert resolved when the alert is there, only the originating
 * node's warnings counting, and the table added to a store made before it. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "cap_chain.h"
#include "store.h"

static char dir[] = "/tmp/liaison-cap-chain.XXXXXX";

/* A warning from node `from` with CAP identity (sender, id) and references. */
struct warning {
	Liaison__Header h;
	Liaison__Payload p;
	Liaison__EarlyWarning w;
	uint8_t msgid[16];
};

static void warning(struct warning *x, const char *from, const char *id, const char *type,
		    char **refs, size_t n_refs, int seq)
{
	liaison__header__init(&x->h);
	liaison__payload__init(&x->p);
	liaison__early_warning__init(&x->w);
	memset(x->msgid, seq, 16);
	x->h.id.data = x->msgid;
	x->h.id.len = 16;
	x->h.sender = (char *)from;
	x->h.sequence = (uint64_t)seq;
	x->h.type = LIAISON__MESSAGE_TYPE__WARNING;
	x->h.precedence = LIAISON__PRECEDENCE__FLASH;
	x->p.body_case = LIAISON__PAYLOAD__BODY_WARNING;
	x->p.warning = &x->w;
	if (id) {
		x->w.cap_sender = "ew@example.org";
		x->w.cap_identifier = (char *)id;
		x->w.cap_sent = "2026-11-27T19:55:00+00:00";
	}
	x->w.msg_type = (char *)type;
	x->w.references = refs;
	x->w.n_references = n_refs;
}

static void put(struct store *s, struct warning *x)
{
	int64_t pos;
	assert_int_equal(store_begin(s), 0);
	assert_int_equal(store_put_message(s, &x->h, (const uint8_t *)"env", 3, 1, &pos), 0);
	assert_int_equal(cap_chain_record(s, pos, &x->h, &x->p), 0);
	assert_int_equal(store_commit(s), 0);
}

static void test_chain(void **state)
{
	char err[256];
	struct store *s = store_open(dir, false, err, sizeof(err));
	struct warning w1, u1, c1, u2, w2, other, native, nupd;
	char *ref_w1[] = { "ew@example.org,EW-1,2026-11-27T19:55:00+00:00" };
	char *ref_both[] = { "ew@example.org,EW-1,2026-11-27T19:55:00+00:00", "malformed",
			     "ew@example.org,EW-2,2026-11-27T19:55:00+00:00" };
	char *ref_w2[] = { "ew@example.org,EW-4,2026-11-27T19:55:00+00:00" };
	(void)state;
	assert_non_null(s);

	warning(&w1, "A", "EW-1", "Alert", NULL, 0, 1);
	put(s, &w1);
	assert_string_equal(cap_chain_state(s, &w1.h, &w1.p), "actual");
	warning(&u1, "A", "EW-2", "Update", ref_w1, 1, 2);
	put(s, &u1);
	assert_string_equal(cap_chain_state(s, &w1.h, &w1.p), "updated");
	assert_string_equal(cap_chain_state(s, &u1.h, &u1.p), "actual");
	/* another node's Cancel changes nothing: liaison vouches for nodes */
	warning(&other, "B", "EW-9", "Cancel", ref_w1, 1, 9);
	put(s, &other);
	assert_string_equal(cap_chain_state(s, &w1.h, &w1.p), "updated");
	warning(&c1, "A", "EW-3", "Cancel", ref_both, 3, 3);
	put(s, &c1);
	assert_string_equal(cap_chain_state(s, &w1.h, &w1.p), "cancelled");
	assert_string_equal(cap_chain_state(s, &u1.h, &u1.p), "cancelled");
	assert_string_equal(cap_chain_state(s, &c1.h, &c1.p), "actual");

	/* the update first, then the alert it refers to */
	warning(&u2, "A", "EW-5", "Update", ref_w2, 1, 5);
	put(s, &u2);
	warning(&w2, "A", "EW-4", "Alert", NULL, 0, 4);
	put(s, &w2);
	assert_string_equal(cap_chain_state(s, &w2.h, &w2.p), "updated");

	/* a warning written in liaison, updated with --updates */
	Liaison__Reference r = LIAISON__REFERENCE__INIT, *rp = &r;
	warning(&native, "A", NULL, "", NULL, 0, 6);
	put(s, &native);
	assert_string_equal(cap_chain_state(s, &native.h, &native.p), "actual");
	warning(&nupd, "A", NULL, "", NULL, 0, 7);
	r.id.data = native.msgid;
	r.id.len = 16;
	r.kind = LIAISON__REFERENCE_KIND__CANCELS;
	nupd.h.references = &rp;
	nupd.h.n_references = 1;
	put(s, &nupd);
	assert_string_equal(cap_chain_state(s, &native.h, &native.p), "cancelled");

	/* not a warning: no state */
	native.h.type = LIAISON__MESSAGE_TYPE__SITREP;
	assert_null(cap_chain_state(s, &native.h, &native.p));
	store_close(&s);
}

/* A store made before CAP chains gets the table when it is opened. */
static void test_old_store(void **state)
{
	char err[256], path[256];
	sqlite3 *db;
	struct store *s;
	struct warning w1, u1;
	char *ref_w1[] = { "ew@example.org,EW-1,2026-11-27T19:55:00+00:00" };
	(void)state;

	snprintf(path, sizeof(path), "%s/old", dir);
	assert_int_equal(mkdir(path, 0700), 0);
	s = store_open(path, false, err, sizeof(err));
	if (!s)
		fail_msg("%s", err);
	warning(&w1, "A", "EW-1", "Alert", NULL, 0, 1);
	put(s, &w1);
	store_close(&s);
	snprintf(path, sizeof(path), "%s/old/liaison.db", dir);
	assert_int_equal(sqlite3_open(path, &db), SQLITE_OK);
	assert_int_equal(sqlite3_exec(db, "DROP TABLE cap_refs", NULL, NULL, NULL), SQLITE_OK);
	sqlite3_close(db);

	snprintf(path, sizeof(path), "%s/old", dir);
	s = store_open(path, false, err, sizeof(err));
	assert_non_null(s);
	assert_string_equal(cap_chain_state(s, &w1.h, &w1.p), "actual");
	warning(&u1, "A", "EW-2", "Update", ref_w1, 1, 2);
	put(s, &u1);
	assert_string_equal(cap_chain_state(s, &w1.h, &w1.p), "updated");
	store_close(&s);
}

static int setup(void **state)
{
	(void)state;
	return mkdtemp(dir) ? 0 : -1;
}

static int teardown(void **state)
{
	char cmd[300];
	(void)state;
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	return system(cmd) == 0 ? 0 : -1;
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_chain),
		cmocka_unit_test(test_old_store),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
