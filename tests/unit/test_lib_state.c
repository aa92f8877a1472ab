// SPDX-License-Identifier: MIT
/* lib/state.c: the container registry on disk, and discovery naming hutch's containers from it. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "hutch/discovery.h"
#include "hutch/state.h"
#include "hutch/strv.h"
#include "hutch/util.h"

static char root[] = "/tmp/hutch-unit-state.XXXXXX";

static void make(const char *id_char, const char *name, uint64_t created)
{
	struct hutch_state st;
	hutch_state_init(&st);
	memset(st.id, id_char[0], HUTCH_ID_LEN);
	st.id[0] = 'f';
	st.id[HUTCH_ID_LEN] = '\0';
	snprintf(st.name, sizeof(st.name), "%s", name);
	snprintf(st.image, sizeof(st.image), "busybox");
	st.created_ns = created;
	st.status = HUTCH_STATUS_EXITED;
	st.exit_code = 0;
	char dir[256];
	snprintf(dir, sizeof(dir), "%s/%s", root, st.id);
	assert_int_equal(mkdir(dir, 0700), 0);
	assert_int_equal(hutch_state_write(root, &st), 0);
	hutch_state_free(&st);
}

static int setup(void **state)
{
	if (!mkdtemp(root))
		return -1;
	make("a", "web", 100);
	make("b", "db", 200);
	make("c", "cache", 300);
	return 0;
}

static int teardown(void **state)
{
	char cmd[300];
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", root);
	return system(cmd) == 0 ? 0 : -1;
}

/* The image's StopSignal and Labels survive the state's JSON (absent: none, SIGTERM). */
static void test_labels_stop_signal(void **state)
{
	struct hutch_state st, back;
	char *json = NULL;
	hutch_state_init(&st);
	snprintf(st.id, sizeof(st.id), "f00d");
	st.stop_signal = 3;
	assert_int_equal(strv_push(&st.labels, "a=1"), 0);
	assert_int_equal(strv_push(&st.labels, "b"), 0);
	assert_int_equal(hutch_state_to_json(&st, &json), 0);
	assert_int_equal(hutch_state_from_json(json, &back), 0);
	assert_int_equal(back.stop_signal, 3);
	assert_string_equal(back.labels[0], "a=1");
	assert_string_equal(back.labels[1], "b");
	assert_null(back.labels[2]);
	hutch_state_free(&back);
	free(json);
	strv_free(st.labels);
	st.labels = NULL;
	st.stop_signal = 0;
	assert_int_equal(hutch_state_to_json(&st, &json), 0);
	assert_null(strstr(json, "labels"));
	assert_int_equal(hutch_state_from_json(json, &back), 0);
	assert_int_equal(back.stop_signal, 0);
	assert_null(back.labels);
	hutch_state_free(&back);
	free(json);
	hutch_state_free(&st);
}

static void test_list(void **state)
{
	struct hutch_state *v;
	size_t n;
	assert_int_equal(hutch_state_list(root, &v, &n), 0);
	assert_int_equal(n, 3);
	assert_string_equal(v[0].name, "cache"); /* newest first */
	assert_string_equal(v[2].name, "web");
	hutch_state_list_free(v, n);
	/* a directory without a state is skipped, a missing root is empty */
	char dir[300];
	snprintf(dir, sizeof(dir), "%s/junk", root);
	assert_int_equal(mkdir(dir, 0700), 0);
	assert_int_equal(hutch_state_list(root, &v, &n), 0);
	assert_int_equal(n, 3);
	hutch_state_list_free(v, n);
	rmdir(dir);
	assert_int_equal(hutch_state_list("/nonexistent/hutch", &v, &n), 0);
	assert_int_equal(n, 0);
}

static void test_find(void **state)
{
	struct hutch_state st;
	assert_int_equal(hutch_state_find(root, "db", &st), 0);
	assert_string_equal(st.name, "db");
	assert_int_equal(st.id[1], 'b');
	hutch_state_free(&st);
	assert_int_equal(hutch_state_find(root, "fc", &st), 0); /* unique id prefix */
	assert_string_equal(st.name, "cache");
	hutch_state_free(&st);
	assert_int_equal(hutch_state_find(root, "f", &st), -ENOTUNIQ);
	assert_int_equal(hutch_state_find(root, "nosuch", &st), -ENOENT);
	assert_int_equal(hutch_state_find(root, "", &st), -EINVAL);
	assert_int_equal(hutch_state_read(root, "../etc", &st), -EINVAL);
}

static void test_discovery(void **state)
{
	char id[HUTCH_ID_LEN + 1], path[128];
	memset(id, 'a', HUTCH_ID_LEN);
	id[0] = 'f';
	id[HUTCH_ID_LEN] = '\0';
	snprintf(path, sizeof(path), "/hutch/%s", id);
	struct discovery_id did;
	assert_int_equal(discovery_parse_path(path, &did), 1);
	assert_int_equal(did.runtime, SAMPLER_RUNTIME_HUTCH);
	assert_string_equal(did.id, id);
	struct discovery_roots roots = {.hutch = root};
	char *name, *image;
	assert_int_equal(discovery_lookup_names(&roots, &did, &name, &image), 0);
	assert_string_equal(name, "web");
	assert_string_equal(image, "busybox");
	free(name);
	free(image);
	snprintf(did.id, sizeof(did.id), "f123");
	assert_int_equal(discovery_lookup_names(&roots, &did, &name, &image), -ENOENT);
}

static void test_pid_alive(void **state)
{
	struct hutch_state st;
	hutch_state_init(&st);
	st.pid = getpid();
	assert_int_equal(hutch_pid_start_ticks(st.pid, &st.pid_start_ticks), 0);
	assert_true(hutch_state_pid_alive(&st));
	st.pid_start_ticks++; /* a reused pid */
	assert_false(hutch_state_pid_alive(&st));
	st.pid = 0;
	assert_false(hutch_state_pid_alive(&st));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_labels_stop_signal),
		cmocka_unit_test(test_list),
		cmocka_unit_test(test_find),
		cmocka_unit_test(test_discovery),
		cmocka_unit_test(test_pid_alive),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
