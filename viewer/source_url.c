/* SPDX-License-Identifier: MIT */
/*
 * A hutch-collector across the network as hutch top's source: an HTTP/1.0
 * GET of /metrics asking for delimited protobuf, decoded with the same
 * protoc-c code the collector encodes with, and cAdvisor's families mapped
 * back onto a snapshot. The URL, response and metrics parsers are pure.
 */
#include <errno.h>
#include <math.h>
#include <netdb.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <unistd.h>

#include "metrics.pb-c.h"
#include "source.h"

#define MAX_RESPONSE (256u << 20)
#define ACCEPT_PROTOBUF                                                            \
	"application/vnd.google.protobuf;proto=io.prometheus.client.MetricFamily;" \
	"encoding=delimited"

typedef Io__Prometheus__Client__MetricFamily family_t;
typedef Io__Prometheus__Client__Metric metric_t;

int viewer_url_parse(const char *url, struct viewer_url *ret)
{
	struct viewer_url u = {.port = "80", .path = "/metrics"};
	if (!url || strncasecmp(url, "http://", 7) != 0)
		return -EINVAL;
	const char *p = url + 7;
	const char *host_end;
	const char *after;
	if (*p == '[') {
		host_end = strchr(p, ']');
		if (!host_end)
			return -EINVAL;
		p++;
		after = host_end + 1;
	} else {
		host_end = p + strcspn(p, ":/");
		after = host_end;
	}
	size_t hl = (size_t)(host_end - p);
	if (hl == 0 || hl >= sizeof(u.host))
		return -EINVAL;
	memcpy(u.host, p, hl);
	u.host[hl] = '\0';
	if (*after == ':') {
		const char *ps = after + 1;
		size_t pl = strspn(ps, "0123456789");
		if (pl == 0 || pl >= sizeof(u.port) || (ps[pl] && ps[pl] != '/'))
			return -EINVAL;
		memcpy(u.port, ps, pl);
		u.port[pl] = '\0';
		long port = strtol(u.port, NULL, 10);
		if (port < 1 || port > 65535)
			return -EINVAL;
		after = ps + pl;
	} else if (*after && *after != '/') {
		return -EINVAL;
	}
	if (*after == '/' && after[1]) {
		if (strlen(after) >= sizeof(u.path) || strpbrk(after, " \r\n"))
			return -EINVAL;
		snprintf(u.path, sizeof(u.path), "%s", after);
	}
	*ret = u;
	return 0;
}

int viewer_http_parse_response(const char *buf, size_t len, int *ret_status,
			       size_t *ret_body_offset, size_t *ret_body_len)
{
	if (!buf || len < 12 || strncmp(buf, "HTTP/1.", 7) != 0 || buf[8] != ' ')
		return -EINVAL;
	int status = 0;
	for (int i = 9; i < 12; i++) {
		if (buf[i] < '0' || buf[i] > '9')
			return -EINVAL;
		status = status * 10 + (buf[i] - '0');
	}
	/* Headers end at the first empty line. */
	const char *end = NULL;
	for (size_t i = 0; i + 3 < len; i++) {
		if (buf[i] == '\r' && buf[i + 1] == '\n' && buf[i + 2] == '\r' &&
		    buf[i + 3] == '\n') {
			end = buf + i + 4;
			break;
		}
	}
	if (!end)
		return -EINVAL;
	size_t off = (size_t)(end - buf);
	size_t body = len - off;
	/* Content-Length, where given, must be met: a cut answer is not decoded. */
	const char *p = buf;
	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		if (!nl)
			break;
		if ((size_t)(nl - p) > 15 && strncasecmp(p, "Content-Length:", 15) == 0) {
			unsigned long long cl = strtoull(p + 15, NULL, 10);
			if (cl > body)
				return -EMSGSIZE;
			body = (size_t)cl;
		}
		p = nl + 1;
	}
	*ret_status = status;
	*ret_body_offset = off;
	*ret_body_len = body;
	return 0;
}

/* Reads until the server closes, within timeout_ms for the whole answer. */
static int http_get(const struct viewer_url *u, unsigned timeout_ms, char **ret_buf,
		    size_t *ret_len, struct hutch_error *err)
{
	struct addrinfo hints = {.ai_family = AF_UNSPEC, .ai_socktype = SOCK_STREAM};
	struct addrinfo *ai;
	int r = getaddrinfo(u->host, u->port, &hints, &ai);
	if (r != 0)
		return hutch_error_set(err, EHOSTUNREACH, "resolve %s: %s", u->host,
				       gai_strerror(r));
	int fd = -1, last = ECONNREFUSED;
	uint64_t deadline = hutch_now_ns() + (uint64_t)timeout_ms * 1000000ull;
	for (struct addrinfo *a = ai; a; a = a->ai_next) {
		fd = socket(a->ai_family, a->ai_socktype | SOCK_CLOEXEC | SOCK_NONBLOCK,
			    a->ai_protocol);
		if (fd < 0) {
			last = errno;
			continue;
		}
		if (connect(fd, a->ai_addr, a->ai_addrlen) == 0)
			break;
		if (errno == EINPROGRESS) {
			struct pollfd pfd = {.fd = fd, .events = POLLOUT};
			int soerr = ETIMEDOUT;
			socklen_t sl = sizeof(soerr);
			if (poll(&pfd, 1, (int)timeout_ms) == 1 &&
			    getsockopt(fd, SOL_SOCKET, SO_ERROR, &soerr, &sl) == 0 && soerr == 0)
				break;
			last = soerr ? soerr : ETIMEDOUT;
		} else {
			last = errno;
		}
		close(fd);
		fd = -1;
	}
	freeaddrinfo(ai);
	if (fd < 0)
		return hutch_error_setsys(err, last, "connect to %s:%s", u->host, u->port);
	_cleanup_close_ int sock = fd;
	char req[1536];
	int rl = snprintf(req, sizeof(req),
			  "GET %s HTTP/1.0\r\nHost: %s:%s\r\nAccept: %s\r\n"
			  "User-Agent: hutch-top/" HUTCH_VERSION "\r\nConnection: close\r\n\r\n",
			  u->path, u->host, u->port, ACCEPT_PROTOBUF);
	if (rl < 0 || (size_t)rl >= sizeof(req))
		return hutch_error_set(err, EINVAL, "request too long");
	if (send(sock, req, (size_t)rl, MSG_NOSIGNAL) != rl)
		return hutch_error_setsys(err, errno, "send to %s:%s", u->host, u->port);
	size_t cap = 1 << 16, len = 0;
	_cleanup_free_ char *buf = malloc(cap);
	if (!buf)
		return hutch_error_setsys(err, ENOMEM, "read answer");
	for (;;) {
		uint64_t now = hutch_now_ns();
		if (now >= deadline)
			return hutch_error_set(err, ETIMEDOUT, "%s:%s did not answer within %u ms",
					       u->host, u->port, timeout_ms);
		struct pollfd pfd = {.fd = sock, .events = POLLIN};
		int pr = poll(&pfd, 1, (int)((deadline - now) / 1000000ull) + 1);
		if (pr < 0 && errno == EINTR)
			continue;
		if (pr <= 0)
			continue;
		if (len + 1 >= cap) {
			if (cap >= MAX_RESPONSE)
				return hutch_error_set(err, EFBIG, "answer larger than %u MiB",
						       MAX_RESPONSE >> 20);
			char *nb = realloc(buf, cap * 2);
			if (!nb)
				return hutch_error_setsys(err, ENOMEM, "read answer");
			buf = nb;
			cap *= 2;
		}
		ssize_t n = recv(sock, buf + len, cap - len - 1, 0);
		if (n < 0) {
			if (errno == EINTR || errno == EAGAIN)
				continue;
			return hutch_error_setsys(err, errno, "read from %s:%s", u->host, u->port);
		}
		if (n == 0)
			break;
		len += (size_t)n;
	}
	buf[len] = '\0';
	*ret_buf = TAKE_PTR(buf);
	*ret_len = len;
	return 0;
}

static const char *label(const metric_t *m, const char *name)
{
	for (size_t i = 0; i < m->n_label; i++)
		if (m->label[i]->name && strcmp(m->label[i]->name, name) == 0)
			return m->label[i]->value ? m->label[i]->value : "";
	return NULL;
}

static bool value_of(const family_t *f, const metric_t *m, double *ret)
{
	if (m->counter && m->counter->has_value)
		*ret = m->counter->value;
	else if (m->gauge && m->gauge->has_value)
		*ret = m->gauge->value;
	else if (m->untyped && m->untyped->has_value)
		*ret = m->untyped->value;
	else
		return false;
	return !isnan(*ret) && *ret >= 0;
}

static uint64_t to_u64(double v)
{
	/* cAdvisor writes "no limit" as a huge number. */
	if (v >= 9.2e18)
		return HUTCH_UNLIMITED;
	return (uint64_t)llround(v);
}

enum fam {
	F_CPU,
	F_MEM,
	F_MEMLIM,
	F_SWAP,
	F_SWAPLIM,
	F_CACHE,
	F_RSS,
	F_FAILCNT,
	F_OOM,
	F_QUOTA,
	F_PERIOD,
	F_SHARES,
	F_PERIODS,
	F_THROTTLED,
	F_THROTTLED_S,
	F_RX,
	F_TX,
	F_IOR,
	F_IOW,
	F_PROCS,
	F_THREADS,
	F_THREADS_MAX,
	F_START,
	F_CORES,
	F_MACHINE_MEM,
	F_OOM_KILLS,
	F_FORKS,
	F_EXECS,
	F_RUNQLAT,
	F_PROBE_UP,
	F_COUNT,
};
static const char *const fam_names[F_COUNT] = {
	[F_CPU] = "container_cpu_usage_seconds_total",
	[F_MEM] = "container_memory_usage_bytes",
	[F_MEMLIM] = "container_spec_memory_limit_bytes",
	[F_SWAP] = "container_memory_swap",
	[F_SWAPLIM] = "container_spec_memory_swap_limit_bytes",
	[F_CACHE] = "container_memory_cache",
	[F_RSS] = "container_memory_rss",
	[F_FAILCNT] = "container_memory_failcnt",
	[F_OOM] = "container_oom_events_total",
	[F_QUOTA] = "container_spec_cpu_quota",
	[F_PERIOD] = "container_spec_cpu_period",
	[F_SHARES] = "container_spec_cpu_shares",
	[F_PERIODS] = "container_cpu_cfs_periods_total",
	[F_THROTTLED] = "container_cpu_cfs_throttled_periods_total",
	[F_THROTTLED_S] = "container_cpu_cfs_throttled_seconds_total",
	[F_RX] = "container_network_receive_bytes_total",
	[F_TX] = "container_network_transmit_bytes_total",
	[F_IOR] = "container_fs_reads_bytes_total",
	[F_IOW] = "container_fs_writes_bytes_total",
	[F_PROCS] = "container_processes",
	[F_THREADS] = "container_threads",
	[F_THREADS_MAX] = "container_threads_max",
	[F_START] = "container_start_time_seconds",
	[F_CORES] = "machine_cpu_cores",
	[F_MACHINE_MEM] = "machine_memory_bytes",
	[F_OOM_KILLS] = "container_oom_kills_total",
	[F_FORKS] = "container_process_forks_total",
	[F_EXECS] = "container_process_execs_total",
	[F_RUNQLAT] = "container_cpu_runqueue_latency_seconds",
	[F_PROBE_UP] = "hutch_collector_probe_up",
};

static uint64_t *field(struct viewer_sample *v, enum fam f)
{
	switch (f) {
	case F_CPU:
		return &v->cpu_usage_ns;
	case F_MEM:
		return &v->memory_usage_bytes;
	case F_MEMLIM:
		return &v->memory_own_limit_bytes;
	case F_SWAP:
		return &v->swap_usage_bytes;
	case F_SWAPLIM:
		return &v->swap_limit_bytes;
	case F_CACHE:
		return &v->memory_cache_bytes;
	case F_RSS:
		return &v->memory_rss_bytes;
	case F_FAILCNT:
		return &v->memory_failcnt;
	case F_OOM:
		return &v->memory_oom_events;
	case F_QUOTA:
		return &v->cpu_quota_us;
	case F_PERIOD:
		return &v->cpu_period_us;
	case F_SHARES:
		return &v->cpu_shares;
	case F_PERIODS:
		return &v->cpu_nr_periods;
	case F_THROTTLED:
		return &v->cpu_nr_throttled;
	case F_THROTTLED_S:
		return &v->cpu_throttled_ns;
	case F_RX:
		return &v->net_rx_bytes;
	case F_TX:
		return &v->net_tx_bytes;
	case F_IOR:
		return &v->io_read_bytes;
	case F_IOW:
		return &v->io_write_bytes;
	case F_PROCS:
		return &v->processes;
	case F_THREADS:
		return &v->threads;
	case F_THREADS_MAX:
		return &v->pids_max;
	case F_START:
		return &v->start_wall_ns;
	case F_OOM_KILLS:
		return &v->memory_oom_kill_events;
	case F_FORKS:
		return &v->process_forks;
	case F_EXECS:
		return &v->process_execs;
	default:
		return NULL;
	}
}

/* The sample for a series' id label, made on first sight. */
static struct viewer_sample *sample_for(struct viewer_snapshot *s, const metric_t *m)
{
	const char *id = label(m, "id");
	if (!id || !id[0])
		return NULL;
	/* Families come one after another over the same containers: the last one
	 * looked up is usually the next one wanted. */
	for (size_t i = s->n; i-- > 0;)
		if (strcmp(s->samples[i].id, id) == 0)
			return &s->samples[i];
	const char *name = label(m, "name");
	struct discovery_id did;
	discovery_parse_path(id, &did);
	struct viewer_sample *v = viewer_snapshot_add(s, id, name ? name : "", did.id);
	if (!v)
		return NULL;
	v->runtime = did.runtime;
	v->is_container = did.runtime != SAMPLER_RUNTIME_CGROUP;
	return v;
}

/* Adds a bucket to a histogram being built; past the last slot, counts go to +Inf. */
static void hist_push(struct viewer_hist *h, double le, uint64_t cum)
{
	if (h->n < VIEWER_HIST_MAX - 1) {
		h->le[h->n] = le;
		h->cum[h->n] = cum;
		h->n++;
	}
}

/*
 * A protobuf histogram as cumulative counts. Native buckets (schema, zero bucket,
 * positive spans with delta counts) where the metric has them, as the collector's
 * runqlat sends them; else the classic buckets. false when neither makes sense.
 */
static bool hist_from_pb(const Io__Prometheus__Client__Histogram *ph, struct viewer_hist *h)
{
	memset(h, 0, sizeof(*h));
	if (!ph->has_sample_count)
		return false;
	h->count = ph->sample_count;
	h->sum = ph->has_sample_sum && !isnan(ph->sample_sum) ? ph->sample_sum : 0;
	bool native = ph->has_schema && (ph->n_positive_span > 0 || ph->has_zero_count) &&
		      ph->schema >= -4 && ph->schema <= 8;
	uint64_t cum = 0;
	if (native) {
		cum = ph->has_zero_count ? ph->zero_count : 0;
		hist_push(h, ph->has_zero_threshold ? ph->zero_threshold : 0, cum);
		double step = ldexp(1.0, -ph->schema); /* log2 of the bucket's growth */
		int64_t idx = 0, count = 0;
		size_t d = 0;
		for (size_t i = 0; i < ph->n_positive_span; i++) {
			const Io__Prometheus__Client__BucketSpan *sp = ph->positive_span[i];
			idx += sp->has_offset ? sp->offset : 0;
			for (uint32_t k = 0; k < (sp->has_length ? sp->length : 0); k++, idx++) {
				if (d >= ph->n_positive_delta)
					return false;
				count += ph->positive_delta[d++];
				if (count < 0)
					return false;
				cum += (uint64_t)count;
				double le = exp2((double)idx * step);
				if (h->n > 0 && !(le > h->le[h->n - 1]))
					return false;
				hist_push(h, le, cum);
			}
		}
	} else {
		for (size_t i = 0; i < ph->n_bucket; i++) {
			const Io__Prometheus__Client__Bucket *b = ph->bucket[i];
			if (!b->has_upper_bound || !b->has_cumulative_count ||
			    isnan(b->upper_bound))
				return false;
			if (isinf(b->upper_bound))
				break; /* +Inf comes from sample_count below */
			if ((h->n > 0 && !(b->upper_bound > h->le[h->n - 1])) ||
			    b->cumulative_count < cum)
				return false;
			cum = b->cumulative_count;
			hist_push(h, b->upper_bound, cum);
		}
	}
	if (cum > h->count)
		return false;
	h->le[h->n] = INFINITY;
	h->cum[h->n] = h->count;
	h->n++;
	return true;
}

static void apply(struct viewer_snapshot *s, enum fam f, const family_t *fam, const metric_t *m)
{
	double val;
	if (f == F_RUNQLAT) {
		struct viewer_hist h;
		if (!m->histogram || !hist_from_pb(m->histogram, &h))
			return;
		struct viewer_sample *v = sample_for(s, m);
		if (!v)
			return;
		if (!v->runqlat)
			v->runqlat = malloc(sizeof(*v->runqlat));
		if (v->runqlat)
			*v->runqlat = h;
		return;
	}
	if (!value_of(fam, m, &val))
		return;
	if (f == F_CORES) {
		s->host.cpu_cores = to_u64(val);
		return;
	}
	if (f == F_MACHINE_MEM) {
		s->host.memory_bytes = to_u64(val);
		return;
	}
	if (f == F_PROBE_UP) {
		const char *probe = label(m, "probe");
		if (probe && strcmp(probe, "runqlat") == 0)
			s->host.probe_runqlat = val > 0 ? 1 : 0;
		return;
	}
	if (f == F_CPU) {
		const char *cpu = label(m, "cpu");
		if (cpu && strcmp(cpu, "total") != 0)
			return;
	}
	struct viewer_sample *v = sample_for(s, m);
	if (!v)
		return;
	uint64_t *dst = field(v, f);
	uint64_t x;
	if (f == F_CPU || f == F_THROTTLED_S || f == F_START)
		x = (uint64_t)llround(val * 1e9);
	else
		x = to_u64(val);
	/* Per-device and per-interface series add up. */
	if ((f == F_RX || f == F_TX || f == F_IOR || f == F_IOW) && hutch_known(*dst)) {
		const char *ifc = label(m, "interface");
		if (ifc && strcmp(ifc, "lo") == 0)
			return;
		*dst += x;
		return;
	}
	if ((f == F_RX || f == F_TX)) {
		const char *ifc = label(m, "interface");
		if (ifc && strcmp(ifc, "lo") == 0) {
			*dst = 0; /* the namespace exists; loopback does not count */
			return;
		}
	}
	*dst = x;
}

int viewer_snapshot_from_metrics(const unsigned char *buf, size_t len, bool all,
				 struct viewer_snapshot *ret)
{
	viewer_snapshot_clear(ret);
	snprintf(ret->host.layout, sizeof(ret->host.layout), "remote");
	ret->host.probe_runqlat = -1;
	size_t p = 0;
	while (p < len) {
		uint64_t size = 0;
		int shift = 0;
		bool done = false;
		while (p < len && shift < 64) {
			unsigned char b = buf[p++];
			size |= (uint64_t)(b & 0x7f) << shift;
			shift += 7;
			if (!(b & 0x80)) {
				done = true;
				break;
			}
		}
		if (!done || size > len - p)
			return -EINVAL;
		family_t *f =
			io__prometheus__client__metric_family__unpack(NULL, (size_t)size, buf + p);
		if (!f)
			return -EINVAL;
		p += (size_t)size;
		for (int k = 0; k < F_COUNT; k++) {
			if (!f->name || strcmp(f->name, fam_names[k]) != 0)
				continue;
			for (size_t i = 0; i < f->n_metric; i++)
				apply(ret, (enum fam)k, f, f->metric[i]);
			break;
		}
		io__prometheus__client__metric_family__free_unpacked(f, NULL);
	}
	/* Derived fields, and the plain cgroups dropped unless asked for. */
	size_t k = 0;
	for (size_t i = 0; i < ret->n; i++) {
		struct viewer_sample *v = &ret->samples[i];
		if (!all && !v->is_container) {
			free(v->id);
			free(v->name);
			free(v->runtime_id);
			free(v->runqlat);
			continue;
		}
		v->memory_limit_bytes = v->memory_own_limit_bytes;
		/* cAdvisor says 0 for a pids limit that is not set. */
		if (v->pids_max == 0)
			v->pids_max = HUTCH_UNLIMITED;
		if (hutch_known(v->cpu_quota_us) && hutch_known(v->cpu_period_us) &&
		    v->cpu_quota_us > 0 && v->cpu_period_us > 0 &&
		    v->cpu_quota_us < HUTCH_UNLIMITED)
			v->cpu_limit_millicpus = v->cpu_quota_us * 1000 / v->cpu_period_us;
		if (!hutch_known(v->io_read_bytes) && hutch_known(v->memory_usage_bytes))
			v->io_read_bytes = v->io_write_bytes = 0;
		ret->samples[k++] = *v;
	}
	ret->n = k;
	viewer_snapshot_sort(ret);
	return 0;
}

struct url_source {
	struct viewer_source pub;
	struct viewer_url url;
	unsigned timeout_ms;
	char describe[1400];
};

static int url_sample(struct viewer_source *src, bool all, struct viewer_snapshot *ret,
		      struct hutch_error *err)
{
	struct url_source *us = (struct url_source *)src;
	_cleanup_free_ char *buf = NULL;
	size_t len;
	int r = http_get(&us->url, us->timeout_ms, &buf, &len, err);
	if (r < 0)
		return hutch_error_wrap(err, "%s", us->describe);
	int status;
	size_t off, blen;
	r = viewer_http_parse_response(buf, len, &status, &off, &blen);
	if (r < 0)
		return hutch_error_set(err, EPROTO, "%s: not an HTTP answer%s", us->describe,
				       r == -EMSGSIZE ? " (cut short)" : "");
	if (status != 200)
		return hutch_error_set(err, EPROTO, "%s: HTTP status %d", us->describe, status);
	uint64_t at = hutch_now_ns(), wall = hutch_wall_ns();
	r = viewer_snapshot_from_metrics((const unsigned char *)buf + off, blen, all, ret);
	if (r < 0)
		return hutch_error_set(
			err, EPROTO,
			"%s: the answer is not delimited protobuf MetricFamily messages",
			us->describe);
	ret->at_ns = at;
	ret->wall_ns = wall;
	return 0;
}

static int url_processes(struct viewer_source *src, const char *id, pid_t **ret_pids, size_t *ret_n)
{
	return -EOPNOTSUPP;
}

static void url_free(struct viewer_source *src)
{
	free(src);
}

static const struct viewer_source_ops url_ops = {
	.sample = url_sample,
	.processes = url_processes,
	.free = url_free,
};

int viewer_source_url_new(const char *url, unsigned timeout_ms, struct viewer_source **ret,
			  struct hutch_error *err)
{
	struct url_source *us = calloc(1, sizeof(*us));
	if (!us)
		return hutch_error_setsys(err, ENOMEM, "url source");
	if (viewer_url_parse(url, &us->url) < 0) {
		free(us);
		return hutch_error_set(err, EINVAL,
				       "--url %s: not an http://HOST[:PORT][/PATH] address", url);
	}
	us->pub.ops = &url_ops;
	us->timeout_ms = timeout_ms;
	snprintf(us->describe, sizeof(us->describe), "http://%s%s%s:%s%s",
		 strchr(us->url.host, ':') ? "[" : "", us->url.host,
		 strchr(us->url.host, ':') ? "]" : "", us->url.port, us->url.path);
	us->pub.describe = us->describe;
	*ret = &us->pub;
	return 0;
}
