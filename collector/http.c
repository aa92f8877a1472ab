/* SPDX-License-Identifier: MIT */
/*
 * libmicrohttpd with a small thread pool: connection limits (overall and per
 * address) and a per-connection timeout keep a slow or hostile client from
 * holding the server; scrapes are serialised by one lock since the sampler
 * and encoder are single-threaded. An answer is copied into a buffer from a
 * pool that libmicrohttpd hands back when it has sent it, so steady scrapes
 * allocate nothing. The answer's format and encoding are negotiated here
 * from Accept and Accept-Encoding as Prometheus sends them.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <microhttpd.h>

#include "http.h"

struct pooled {
	struct pooled *next;
	struct http_server *srv;
	struct expo_buf b;
};

struct http_server {
	struct MHD_Daemon *d;
	struct collector *c;
	char *telemetry_path;
	pthread_mutex_t scrape_lock;
	pthread_mutex_t pool_lock;
	struct pooled *free_list;
	char *index_html;
};

int http_parse_listen(const char *addr, struct sockaddr_storage *ret, socklen_t *ret_len,
		      struct hutch_error *err)
{
	if (!addr || !*addr)
		return hutch_error_set(err, EINVAL, "empty listen address");
	const char *colon = strrchr(addr, ':');
	if (!colon)
		return hutch_error_set(err, EINVAL, "listen address %s: no :port", addr);
	char *end;
	unsigned long port = strtoul(colon + 1, &end, 10);
	if (colon[1] == '\0' || *end || port > 65535)
		return hutch_error_set(err, EINVAL, "listen address %s: bad port", addr);
	char host[256];
	size_t hl = (size_t)(colon - addr);
	if (hl >= sizeof(host))
		return hutch_error_set(err, EINVAL, "listen address %s: host too long", addr);
	memcpy(host, addr, hl);
	host[hl] = '\0';
	memset(ret, 0, sizeof(*ret));
	if (hl >= 2 && host[0] == '[' && host[hl - 1] == ']') {
		host[hl - 1] = '\0';
		struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)ret;
		s6->sin6_family = AF_INET6;
		s6->sin6_port = htons((uint16_t)port);
		if (inet_pton(AF_INET6, host + 1, &s6->sin6_addr) != 1)
			return hutch_error_set(err, EINVAL, "listen address %s: bad IPv6 address",
					       addr);
		*ret_len = sizeof(*s6);
		return 0;
	}
	if (hl == 0) {
		/* Every address: IPv6 any, which MHD's dual-stack mode extends to IPv4. */
		struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)ret;
		s6->sin6_family = AF_INET6;
		s6->sin6_port = htons((uint16_t)port);
		s6->sin6_addr = in6addr_any;
		*ret_len = sizeof(*s6);
		return 0;
	}
	struct sockaddr_in *s4 = (struct sockaddr_in *)ret;
	s4->sin_family = AF_INET;
	s4->sin_port = htons((uint16_t)port);
	if (strcmp(host, "localhost") == 0)
		strcpy(host, "127.0.0.1");
	if (inet_pton(AF_INET, host, &s4->sin_addr) != 1)
		return hutch_error_set(err, EINVAL, "listen address %s: bad IPv4 address", addr);
	*ret_len = sizeof(*s4);
	return 0;
}

/* ---- content negotiation ---- */

const char *http_content_type(enum expo_format fmt)
{
	switch (fmt) {
	case EXPO_OPENMETRICS:
		return "application/openmetrics-text; version=1.0.0; charset=utf-8";
	case EXPO_PROTOBUF:
		return "application/vnd.google.protobuf; proto=io.prometheus.client.MetricFamily; "
		       "encoding=delimited";
	case EXPO_TEXT:
	default:
		return "text/plain; version=0.0.4; charset=utf-8";
	}
}

static const char *skip_ws(const char *p, const char *end)
{
	while (p < end && (*p == ' ' || *p == '\t'))
		p++;
	return p;
}

static size_t trim_len(const char *s, size_t n)
{
	while (n > 0 && (s[n - 1] == ' ' || s[n - 1] == '\t'))
		n--;
	return n;
}

static bool tok_eq(const char *s, size_t n, const char *lit)
{
	return n == strlen(lit) && strncasecmp(s, lit, n) == 0;
}

/* One media range of an Accept header: which format it asks for (or -1) and its q. */
static int media_range(const char *p, const char *end, double *ret_q)
{
	const char *semi = memchr(p, ';', (size_t)(end - p));
	const char *tend = semi ? semi : end;
	p = skip_ws(p, tend);
	size_t tl = trim_len(p, (size_t)(tend - p));
	double q = 1.0;
	bool proto_ok = false, delimited = false;
	const char *version = NULL;
	size_t version_len = 0;
	for (const char *a = semi; a && a < end;) {
		a++;
		const char *next = memchr(a, ';', (size_t)(end - a));
		const char *aend = next ? next : end;
		a = skip_ws(a, aend);
		const char *eq = memchr(a, '=', (size_t)(aend - a));
		if (eq) {
			size_t kl = trim_len(a, (size_t)(eq - a));
			const char *v = skip_ws(eq + 1, aend);
			size_t vl = trim_len(v, (size_t)(aend - v));
			if (vl >= 2 && v[0] == '"' && v[vl - 1] == '"') {
				v++;
				vl -= 2;
			}
			if (tok_eq(a, kl, "q")) {
				char num[16];
				size_t nl = vl < sizeof(num) - 1 ? vl : sizeof(num) - 1;
				memcpy(num, v, nl);
				num[nl] = '\0';
				char *e;
				q = strtod(num, &e);
				if (e == num || q < 0 || q > 1)
					q = 0;
			} else if (tok_eq(a, kl, "proto")) {
				proto_ok = tok_eq(v, vl, "io.prometheus.client.MetricFamily");
			} else if (tok_eq(a, kl, "encoding")) {
				delimited = tok_eq(v, vl, "delimited");
			} else if (tok_eq(a, kl, "version")) {
				version = v;
				version_len = vl;
			}
		}
		a = aend;
	}
	*ret_q = q;
	if (tok_eq(p, tl, "application/vnd.google.protobuf"))
		return proto_ok && delimited ? EXPO_PROTOBUF : -1;
	if (tok_eq(p, tl, "application/openmetrics-text")) {
		if (!version || tok_eq(version, version_len, "1.0.0") ||
		    tok_eq(version, version_len, "0.0.1"))
			return EXPO_OPENMETRICS;
		return -1;
	}
	if (tok_eq(p, tl, "text/plain")) {
		if (!version || tok_eq(version, version_len, "0.0.4"))
			return EXPO_TEXT;
		return -1;
	}
	if (tok_eq(p, tl, "*/*") || tok_eq(p, tl, "text/*"))
		return EXPO_TEXT;
	return -1;
}

enum expo_format http_negotiate(const char *accept)
{
	if (!accept)
		return EXPO_TEXT;
	enum expo_format best = EXPO_TEXT;
	double best_q = 0;
	const char *p = accept, *end = accept + strlen(accept);
	while (p < end) {
		const char *comma = memchr(p, ',', (size_t)(end - p));
		const char *rend = comma ? comma : end;
		double q;
		int f = media_range(p, rend, &q);
		/* The first range with the highest q wins: scrapers list their preference first. */
		if (f >= 0 && q > best_q) {
			best = (enum expo_format)f;
			best_q = q;
		}
		p = comma ? comma + 1 : end;
	}
	return best;
}

bool http_accepts_gzip(const char *ae)
{
	if (!ae)
		return false;
	bool gzip = false;
	const char *p = ae, *end = ae + strlen(ae);
	while (p < end) {
		const char *comma = memchr(p, ',', (size_t)(end - p));
		const char *rend = comma ? comma : end;
		const char *semi = memchr(p, ';', (size_t)(rend - p));
		const char *tend = semi ? semi : rend;
		const char *t = skip_ws(p, tend);
		size_t tl = trim_len(t, (size_t)(tend - t));
		double q = 1;
		if (semi) {
			const char *qp = strstr(semi, "q=");
			if (qp && qp < rend)
				q = strtod(qp + 2, NULL);
		}
		if (tok_eq(t, tl, "gzip") || tok_eq(t, tl, "x-gzip"))
			return q > 0;
		if (tok_eq(t, tl, "*"))
			gzip = q > 0;
		p = comma ? comma + 1 : end;
	}
	return gzip;
}

/* ---- serving ---- */

static struct pooled *pool_get(struct http_server *s)
{
	pthread_mutex_lock(&s->pool_lock);
	struct pooled *p = s->free_list;
	if (p)
		s->free_list = p->next;
	pthread_mutex_unlock(&s->pool_lock);
	if (!p) {
		p = calloc(1, sizeof(*p));
		if (p)
			p->srv = s;
	}
	return p;
}

static void pool_put(void *cls)
{
	struct pooled *p = cls;
	struct http_server *s = p->srv;
	pthread_mutex_lock(&s->pool_lock);
	p->next = s->free_list;
	s->free_list = p;
	pthread_mutex_unlock(&s->pool_lock);
}

static enum MHD_Result reply_text(struct MHD_Connection *conn, unsigned status, const char *type,
				  const char *body)
{
	struct MHD_Response *resp =
		MHD_create_response_from_buffer(strlen(body), (void *)body, MHD_RESPMEM_PERSISTENT);
	if (!resp)
		return MHD_NO;
	MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_TYPE, type);
	enum MHD_Result r = MHD_queue_response(conn, status, resp);
	MHD_destroy_response(resp);
	return r;
}

static enum MHD_Result serve_metrics(struct http_server *s, struct MHD_Connection *conn)
{
	const char *accept = MHD_lookup_connection_value(conn, MHD_HEADER_KIND, "Accept");
	const char *ae = MHD_lookup_connection_value(conn, MHD_HEADER_KIND, "Accept-Encoding");
	enum expo_format fmt = http_negotiate(accept);
	bool gz = http_accepts_gzip(ae);
	struct pooled *p = pool_get(s);
	if (!p)
		return reply_text(conn, 500, "text/plain", "out of memory\n");
	pthread_mutex_lock(&s->scrape_lock);
	const char *data;
	size_t len;
	int r = collector_scrape(s->c, fmt, gz, &data, &len);
	if (r == 0) {
		p->b.len = 0;
		r = expo_buf_reserve(&p->b, len);
		if (r == 0) {
			memcpy(p->b.data, data, len);
			p->b.len = len;
		}
	}
	pthread_mutex_unlock(&s->scrape_lock);
	if (r < 0) {
		pool_put(p);
		log_error("scrape: %s", strerror(-r));
		return reply_text(conn, 500, "text/plain", "scrape failed\n");
	}
	struct MHD_Response *resp = MHD_create_response_from_buffer_with_free_callback_cls(
		p->b.len, p->b.data, pool_put, p);
	if (!resp) {
		pool_put(p);
		return MHD_NO;
	}
	MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_TYPE, http_content_type(fmt));
	if (gz)
		MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_ENCODING, "gzip");
	MHD_add_response_header(resp, MHD_HTTP_HEADER_VARY, "Accept, Accept-Encoding");
	enum MHD_Result ret = MHD_queue_response(conn, MHD_HTTP_OK, resp);
	MHD_destroy_response(resp);
	return ret;
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *conn, const char *url,
				  const char *method, const char *version, const char *upload_data,
				  size_t *upload_data_size, void **req_cls)
{
	struct http_server *s = cls;
	/* The first call only announces the headers; answer on the second. */
	if (!*req_cls) {
		*req_cls = (void *)1;
		return MHD_YES;
	}
	if (*upload_data_size) {
		*upload_data_size = 0; /* bodies are ignored */
		return MHD_YES;
	}
	if (strcmp(method, "GET") != 0 && strcmp(method, "HEAD") != 0)
		return reply_text(conn, MHD_HTTP_METHOD_NOT_ALLOWED, "text/plain",
				  "method not allowed\n");
	/* The kubelet serves cAdvisor's families at /metrics/cadvisor: the same answer there. */
	if (strcmp(url, s->telemetry_path) == 0 || strcmp(url, "/metrics/cadvisor") == 0)
		return serve_metrics(s, conn);
	if (strcmp(url, "/healthz") == 0)
		return reply_text(conn, MHD_HTTP_OK, "text/plain; charset=utf-8", "ok\n");
	if (strcmp(url, "/") == 0)
		return reply_text(conn, MHD_HTTP_OK, "text/html; charset=utf-8", s->index_html);
	return reply_text(conn, MHD_HTTP_NOT_FOUND, "text/plain", "not found\n");
}

__attribute__((format(printf, 2, 0))) static void mhd_log(void *cls, const char *fmt, va_list ap)
{
	char msg[512];
	vsnprintf(msg, sizeof(msg), fmt, ap);
	msg[strcspn(msg, "\n")] = '\0';
	log_warn("http: %s", msg);
}

int http_start(struct collector *c, const struct http_options *o, struct http_server **ret,
	       struct hutch_error *err)
{
	struct sockaddr_storage ss;
	socklen_t sl;
	int r = http_parse_listen(o->listen_address, &ss, &sl, err);
	if (r < 0)
		return r;
	if (!o->telemetry_path || o->telemetry_path[0] != '/')
		return hutch_error_set(err, EINVAL, "telemetry path %s: must start with /",
				       o->telemetry_path ? o->telemetry_path : "");
	struct http_server *s = calloc(1, sizeof(*s));
	if (!s)
		return hutch_error_set(err, ENOMEM, "out of memory");
	s->c = c;
	s->telemetry_path = strdup(o->telemetry_path);
	if (asprintf(&s->index_html,
		     "<html><head><title>hutch-collector</title></head><body>"
		     "<h1>hutch-collector</h1><p><a href=\"%s\">Metrics</a></p>"
		     "<p><a href=\"/metrics/cadvisor\">Metrics (the kubelet's path)</a></p>"
		     "<p><a href=\"/healthz\">Health</a></p></body></html>\n",
		     o->telemetry_path) < 0)
		s->index_html = NULL;
	pthread_mutex_init(&s->scrape_lock, NULL);
	pthread_mutex_init(&s->pool_lock, NULL);
	if (!s->telemetry_path || !s->index_html) {
		http_stop(s);
		return hutch_error_set(err, ENOMEM, "out of memory");
	}
	unsigned flags = MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_ERROR_LOG | MHD_USE_AUTO;
	if (ss.ss_family == AF_INET6)
		flags |= MHD_USE_IPv6;
	struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)&ss;
	if (ss.ss_family == AF_INET6 && IN6_IS_ADDR_UNSPECIFIED(&s6->sin6_addr))
		flags |= MHD_USE_DUAL_STACK;
	uint16_t port = ss.ss_family == AF_INET6 ? ntohs(s6->sin6_port)
						 : ntohs(((struct sockaddr_in *)&ss)->sin_port);
	s->d = MHD_start_daemon(
		flags, port, NULL, NULL, on_request, s, MHD_OPTION_EXTERNAL_LOGGER, mhd_log, NULL,
		MHD_OPTION_SOCK_ADDR, (struct sockaddr *)&ss, MHD_OPTION_THREAD_POOL_SIZE,
		(unsigned)(o->threads ? o->threads : 2), MHD_OPTION_CONNECTION_LIMIT,
		(unsigned)(o->max_connections ? o->max_connections : 64),
		MHD_OPTION_PER_IP_CONNECTION_LIMIT,
		(unsigned)(o->per_ip_connections ? o->per_ip_connections : 16),
		MHD_OPTION_CONNECTION_TIMEOUT, (unsigned)(o->timeout_s ? o->timeout_s : 10),
		MHD_OPTION_END);
	if (!s->d) {
		http_stop(s);
		return hutch_error_set(err, EADDRINUSE,
				       "listen on %s: cannot start the HTTP server (address in use "
				       "or not available)",
				       o->listen_address);
	}
	*ret = s;
	return 0;
}

void http_stop(struct http_server *s)
{
	if (!s)
		return;
	if (s->d)
		MHD_stop_daemon(s->d);
	while (s->free_list) {
		struct pooled *p = s->free_list;
		s->free_list = p->next;
		expo_buf_free(&p->b);
		free(p);
	}
	pthread_mutex_destroy(&s->scrape_lock);
	pthread_mutex_destroy(&s->pool_lock);
	free(s->telemetry_path);
	free(s->index_html);
	free(s);
}
