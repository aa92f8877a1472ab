// SPDX-License-Identifier: MIT
/* The image store's pure parts: references, image records, image configs, layer lookup. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>

#include "hutch.h"
#include "image_store.h"

static int put(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");
	if (!f)
		return -1;
	fputs(text, f);
	return fclose(f);
}

static const char *norm(const char *in)
{
	static char buf[300];
	return image_ref_normalize(in, buf, sizeof(buf)) == 0 ? buf : NULL;
}

static void test_ref_normalize(void **state)
{
	assert_string_equal(norm("busybox"), "busybox:latest");
	assert_string_equal(norm("busybox:1.36"), "busybox:1.36");
	assert_string_equal(norm("localhost:5000/a/b"), "localhost:5000/a/b:latest");
	assert_string_equal(norm("127.0.0.1:5000/a/b:v2"), "127.0.0.1:5000/a/b:v2");
	assert_string_equal(norm("docker.io/library/debian:12"), "debian:12");
	assert_string_equal(norm("docker.io/grafana/grafana"), "grafana/grafana:latest");
	const char *d = "x@sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";
	assert_string_equal(norm(d), d);
	static const char *const bad[] = {"",	"/abs", "a//b", "../x",	       "a/../b",    "a b",
					  "a:", ":tag", "-x",	"x@sha256:12", "x@md5:0123"};
	for (size_t i = 0; i < ARRAY_SIZE(bad); i++)
		assert_null(norm(bad[i]));
	assert_true(image_is_id(
		"sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"));
	assert_false(image_is_id("0123456789abcdef"));
	assert_false(
		image_is_id("0123456789ABCDEF0123456789abcdef0123456789abcdef0123456789abcdef"));
}

static void test_record_round_trip(void **state)
{
	struct image_layer layers[2] = {
		{.size = 10, .media_type = "application/vnd.oci.image.layer.v1.tar+gzip"},
		{.size = 20, .media_type = "application/vnd.oci.image.layer.v1.tar"},
	};
	memset(layers[0].diff_id, 'a', 64);
	memset(layers[0].digest, 'b', 64);
	memset(layers[1].diff_id, 'c', 64);
	memset(layers[1].digest, 'c', 64);
	struct image_record r = {.layers = layers, .n_layers = 2, .created_ns = 12345};
	memset(r.id, 'd', 64);
	char *json = NULL;
	assert_int_equal(image_record_format(&r, &json), 0);
	struct image_record back;
	assert_int_equal(image_record_parse(json, &back), 0);
	assert_string_equal(back.id, r.id);
	assert_int_equal(back.n_layers, 2);
	assert_string_equal(back.layers[0].diff_id, layers[0].diff_id);
	assert_string_equal(back.layers[1].media_type, layers[1].media_type);
	assert_int_equal(back.layers[1].size, 20);
	assert_int_equal(back.created_ns, 12345);
	image_record_free(&back);
	free(json);
	/* what a hand-edited or truncated record may hold */
	static const char *const bad[] = {
		"",
		"{}",
		"[]",
		"{\"config\":\"sha256:12\",\"layers\":[]}",
		"{\"config\":\"sha256:"
		"dddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddd\"}",
		"{\"config\":\"sha256:"
		"dddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddd\","
		"\"layers\":[{\"diff_id\":\"x\"}]}",
	};
	for (size_t i = 0; i < ARRAY_SIZE(bad); i++)
		assert_int_equal(image_record_parse(bad[i], &back), -EBADMSG);
}

static void test_config_parse(void **state)
{
	struct image_config c;
	struct hutch_error err = {0};
	assert_int_equal(image_config_parse("{\"config\":{\"Entrypoint\":[\"/bin/sh\",\"-c\"],"
					    "\"Cmd\":[\"echo hi\"],\"Env\":[\"A=1\"],"
					    "\"WorkingDir\":\"/w\",\"User\":\"1:2\","
					    "\"StopSignal\":\"SIGINT\",\"Labels\":{\"k\":\"v\"}}}",
					    &c, &err),
			 0);
	assert_string_equal(c.entrypoint[1], "-c");
	assert_null(c.entrypoint[2]);
	assert_string_equal(c.cmd[0], "echo hi");
	assert_string_equal(c.env[0], "A=1");
	assert_string_equal(c.workdir, "/w");
	assert_string_equal(c.user, "1:2");
	assert_string_equal(c.stop_signal, "SIGINT");
	assert_non_null(c.labels);
	image_config_free(&c);
	/* no config at all, or a null one: no defaults, no error */
	assert_int_equal(image_config_parse("{\"config\":null}", &c, &err), 0);
	assert_null(c.cmd);
	image_config_free(&c);
	assert_int_equal(image_config_parse("{\"config\":{\"Cmd\":\"not a list\"}}", &c, &err),
			 -EBADMSG);
	assert_int_equal(image_config_parse("{\"config\":{\"Env\":[1,2]}}", &c, &err), -EBADMSG);
	assert_int_equal(image_config_parse("nope", &c, &err), -EBADMSG);
}

static void test_config_apply(void **state)
{
	struct image_config c = {0};
	struct hutch_state st;
	struct hutch_error err = {0};
	hutch_state_init(&st);
	strv_push(&c.entrypoint, "/ep");
	strv_push(&c.cmd, "default");
	snprintf(c.workdir, sizeof(c.workdir), "/w");
	c.from_store = true;
	assert_int_equal(image_config_apply(&c, &st, &err), 0);
	assert_string_equal(st.argv[0], "/ep");
	assert_string_equal(st.argv[1], "default");
	assert_string_equal(st.workdir, "/w");
	/* a CMD given replaces Cmd, not Entrypoint; -w wins */
	strv_free(st.argv);
	st.argv = NULL;
	strv_push(&st.argv, "given");
	snprintf(st.workdir, sizeof(st.workdir), "/mine");
	assert_int_equal(image_config_apply(&c, &st, &err), 0);
	assert_string_equal(st.argv[1], "given");
	assert_null(st.argv[2]);
	assert_string_equal(st.workdir, "/mine");
	image_config_free(&c);
	/* a store image with neither: an error; a directory image: sh */
	strv_free(st.argv);
	st.argv = NULL;
	c.from_store = true;
	assert_int_equal(image_config_apply(&c, &st, &err), -EINVAL);
	c.from_store = false;
	assert_int_equal(image_config_apply(&c, &st, &err), 0);
	assert_string_equal(st.argv[0], "sh");
	hutch_state_free(&st);
}

static void test_layers_find(void **state)
{
	char top[] = "/tmp/hutch-unit-layers.XXXXXX", p[4200], rootfs[9000];
	assert_non_null(mkdtemp(top));
	static const char *const dirs[] = {"a", "a/etc", "b", "b/etc", "c", "c/etc"};
	for (size_t i = 0; i < ARRAY_SIZE(dirs); i++) {
		snprintf(p, sizeof(p), "%s/%s", top, dirs[i]);
		assert_int_equal(mkdir(p, 0755), 0);
	}
	snprintf(p, sizeof(p), "%s/c/etc/passwd", top); /* base */
	assert_int_equal(put(p, "base"), 0);
	snprintf(p, sizeof(p), "%s/b/etc/passwd", top); /* middle: newer */
	assert_int_equal(put(p, "middle"), 0);
	snprintf(p, sizeof(p), "%s/c/etc/group", top);
	assert_int_equal(put(p, "g"), 0);
	snprintf(p, sizeof(p), "%s/a/etc/group", top); /* top: deleted */
	assert_int_equal(mknod(p, S_IFCHR | 0600, makedev(0, 0)) == 0 || errno == EPERM, 1);
	bool whiteouts = access(p, F_OK) == 0;
	snprintf(rootfs, sizeof(rootfs), "%s/a:%s/b:%s/c", top, top, top);
	assert_int_equal(layers_find(rootfs, "etc/passwd", p, sizeof(p)), 0);
	assert_non_null(strstr(p, "/b/etc/passwd"));
	if (whiteouts)
		assert_int_equal(layers_find(rootfs, "etc/group", p, sizeof(p)), -ENOENT);
	assert_int_equal(layers_find(rootfs, "etc/shadow", p, sizeof(p)), -ENOENT);
	snprintf(rootfs, sizeof(rootfs), "%s/c", top); /* one directory */
	assert_int_equal(layers_find(rootfs, "etc/group", p, sizeof(p)), 0);
	char cmd[4200];
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", top);
	assert_int_equal(system(cmd), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_ref_normalize), cmocka_unit_test(test_record_round_trip),
		cmocka_unit_test(test_config_parse),  cmocka_unit_test(test_config_apply),
		cmocka_unit_test(test_layers_find),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
