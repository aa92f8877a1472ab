/* SPDX-License-Identifier: MIT */
/* hutch-collector's HTTP side (libmicrohttpd): /metrics, /healthz and an index page. */
#ifndef HUTCH_COLLECTOR_HTTP_H
#define HUTCH_COLLECTOR_HTTP_H

#include <stdint.h>
#include <sys/socket.h>

#include "collector.h"
#include "expo.h"
#include "hutch/util.h"

/* The Content-Type of an answer in fmt. */
const char *http_content_type(enum expo_format fmt);

/*
 * Picks the format from an Accept header as Prometheus sends it (media
 * types with q values); text when the header is absent or names nothing
 * better. Protobuf only when proto=io.prometheus.client.MetricFamily and
 * encoding=delimited are given.
 */
enum expo_format http_negotiate(const char *accept);
/* Whether an Accept-Encoding header allows gzip (and does not refuse it with q=0). */
bool http_accepts_gzip(const char *accept_encoding);

struct http_options {
	const char *listen_address; /* ":9655", "127.0.0.1:9655", "[::1]:9655" */
	const char *telemetry_path; /* "/metrics" */
	unsigned max_connections;
	unsigned per_ip_connections;
	unsigned timeout_s; /* an idle or slow connection is closed after this */
	unsigned threads;
};

/* Parses a listen address; an empty host means every address (IPv6 and IPv4). */
int http_parse_listen(const char *addr, struct sockaddr_storage *ret, socklen_t *ret_len,
		      struct hutch_error *err);

struct http_server;
int http_start(struct collector *c, const struct http_options *o, struct http_server **ret,
	       struct hutch_error *err);
void http_stop(struct http_server *s);

#endif
