/* SPDX-License-Identifier: MIT */
/*
 * collector/http.c: Accept / Accept-Encoding negotiation as Prometheus and
 * other clients send them, and listen addresses.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>
#include <arpa/inet.h>
#include <netinet/in.h>

#include "http.h"

static void test_negotiate(void **state)
{
	/* What Prometheus 2.x sends by default, with native histograms, and old clients. */
	assert_int_equal(http_negotiate("application/openmetrics-text;version=1.0.0,application/"
					"openmetrics-text;version=0.0.1;q=0.75,text/"
					"plain;version=0.0.4;q=0.5,*/*;q=0.1"),
			 EXPO_OPENMETRICS);
	assert_int_equal(
		http_negotiate(
			"application/vnd.google.protobuf;proto=io.prometheus.client."
			"MetricFamily;encoding=delimited,application/"
			"openmetrics-text;version=1.0.0;q=0.8,application/"
			"openmetrics-text;version=0.0.1;q=0.75,text/plain;version=0.0.4;q=0.5,*/"
			"*;q=0.1"),
		EXPO_PROTOBUF);
	assert_int_equal(http_negotiate("text/plain;version=0.0.4;q=1,*/*;q=0.1"), EXPO_TEXT);
	assert_int_equal(http_negotiate(NULL), EXPO_TEXT);
	assert_int_equal(http_negotiate(""), EXPO_TEXT);
	assert_int_equal(http_negotiate("*/*"), EXPO_TEXT);
	/* q decides, not order; a protobuf without the delimited encoding is not ours. */
	assert_int_equal(http_negotiate("text/plain;q=0.2, application/openmetrics-text; q=0.9"),
			 EXPO_OPENMETRICS);
	assert_int_equal(http_negotiate("application/vnd.google.protobuf;proto=io.prometheus."
					"client.MetricFamily;encoding=text,text/plain;q=0.1"),
			 EXPO_TEXT);
	assert_int_equal(http_negotiate("application/openmetrics-text;version=9.9.9"), EXPO_TEXT);
	assert_int_equal(http_negotiate("application/openmetrics-text;q=0"), EXPO_TEXT);
	assert_int_equal(http_negotiate(";;;,,,=q;q=,"), EXPO_TEXT);

	assert_true(http_accepts_gzip("gzip"));
	assert_true(http_accepts_gzip("deflate, gzip;q=1.0, *;q=0.5"));
	assert_false(http_accepts_gzip("gzip;q=0"));
	assert_false(http_accepts_gzip("identity"));
	assert_false(http_accepts_gzip(NULL));
	assert_true(http_accepts_gzip("*"));
}

static void test_listen_address(void **state)
{
	struct sockaddr_storage ss;
	socklen_t sl;
	struct hutch_error err = {0};
	assert_int_equal(http_parse_listen(":9655", &ss, &sl, &err), 0);
	assert_int_equal(ss.ss_family, AF_INET6); /* every address, dual stack */
	assert_int_equal(ntohs(((struct sockaddr_in6 *)&ss)->sin6_port), 9655);
	assert_int_equal(http_parse_listen("127.0.0.1:1234", &ss, &sl, &err), 0);
	assert_int_equal(ss.ss_family, AF_INET);
	assert_int_equal(ntohs(((struct sockaddr_in *)&ss)->sin_port), 1234);
	assert_int_equal(sl, sizeof(struct sockaddr_in));
	assert_int_equal(http_parse_listen("[::1]:80", &ss, &sl, &err), 0);
	assert_int_equal(ss.ss_family, AF_INET6);
	assert_int_equal(http_parse_listen("localhost:9655", &ss, &sl, &err), 0);
	assert_int_equal(ss.ss_family, AF_INET);
	const char *bad[] = {"",     "9655",	 "nonsense", ":",	":70000",
			     ":12x", "1.2.3:80", "[::1:80",  "[zz]:80", "host.example:80"};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		hutch_error_clear(&err);
		if (http_parse_listen(bad[i], &ss, &sl, &err) != -EINVAL)
			fail_msg("accepted %s", bad[i]);
		assert_true(err.msg[0] != '\0');
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_negotiate),
		cmocka_unit_test(test_listen_address),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
