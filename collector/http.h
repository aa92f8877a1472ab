/* SPDX-License-Identifier: MIT */
/* hutch-collector's HTTP side (libmicrohttpd): /metrics, /healthz and an index page. */
#ifndef HUTCH_COLLECTOR_HTTP_H
#define HUTCH_COLLECTOR_HTTP_H

#include <stdint.h>
#include <sys/socket.h>

#include "collector.h"
#include "hutch/util.h"

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
