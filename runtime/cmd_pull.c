// SPDX-License-Identifier: MIT
/*
 * hutch pull: an image from a registry (the OCI distribution API, v2) with
 * libcurl. https, or plain http for loopback registries and --insecure;
 * anonymous bearer tokens (a 401's WWW-Authenticate names the realm);
 * manifest lists and OCI indexes resolved to linux/amd64; every manifest and
 * blob checked against its digest. A blob is fetched under a lock of its
 * own (locks/<hex>), so pulls of images sharing a layer fetch it once: the
 * second finds it in the store. Layers then land as a load's do.
 */
#include <curl/curl.h>
#include <errno.h>
#include <fcntl.h>
#include <json-c/json.h>
#include <stdio.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>

#include "hutch.h"
#include "image_cmd.h"
#include "verb.h"

#define MANIFEST_MAX_BYTES (4u << 20)

static const char accept_hdr[] = "Accept: application/vnd.oci.image.index.v1+json, "
				 "application/vnd.docker.distribution.manifest.list.v2+json, "
				 "application/vnd.oci.image.manifest.v1+json, "
				 "application/vnd.docker.distribution.manifest.v2+json";

struct registry {
	char host[256]; /* host[:port] */
	char repo[700]; /* library/busybox */
	char ref[160];	/* tag or sha256:... */
	bool by_digest;
	bool http;
	char token[8192]; /* a bearer token once had */
	CURL *curl;
	struct progress *prog;
};

/* What one request brought: a body in memory or in a file (hashed), and headers. */
struct fetch {
	char *body;
	size_t len, max;
	int fd; /* >= 0: the body goes here */
	struct sha256 hash;
	bool hashing;
	uint64_t bytes, total;
	char auth[2048]; /* WWW-Authenticate */
	char ctype[256];
	struct progress *prog;
};

static size_t on_body(char *data, size_t size, size_t n, void *arg)
{
	struct fetch *f = arg;
	size_t len = size * n;
	if (f->fd >= 0) {
		size_t off = 0;
		while (off < len) {
			ssize_t w = write(f->fd, data + off, len - off);
			if (w < 0 && errno == EINTR)
				continue;
			if (w < 0)
				return 0;
			off += (size_t)w;
		}
	} else {
		if (f->len + len > f->max)
			return 0;
		char *b = realloc(f->body, f->len + len + 1);
		if (!b)
			return 0;
		f->body = b;
		memcpy(f->body + f->len, data, len);
		f->len += len;
		f->body[f->len] = '\0';
	}
	if (f->hashing)
		sha256_update(&f->hash, data, len);
	f->bytes += len;
	if (f->prog)
		progress_update(f->prog, f->bytes);
	return len;
}

static size_t on_header(char *data, size_t size, size_t n, void *arg)
{
	struct fetch *f = arg;
	size_t len = size * n;
	char line[2048];
	snprintf(line, sizeof(line), "%.*s", (int)(len < sizeof(line) ? len : sizeof(line) - 1),
		 data);
	line[strcspn(line, "\r\n")] = '\0';
	if (strncasecmp(line, "www-authenticate:", 17) == 0)
		snprintf(f->auth, sizeof(f->auth), "%s", line + 17 + strspn(line + 17, " "));
	else if (strncasecmp(line, "content-type:", 13) == 0)
		snprintf(f->ctype, sizeof(f->ctype), "%s", line + 13 + strspn(line + 13, " "));
	return len;
}

/* One GET; the HTTP status into ret_status. */
static int http_get(struct registry *g, const char *url, const char *accept, struct fetch *f,
		    long *ret_status, struct hutch_error *err)
{
	struct curl_slist *h = NULL;
	char auth[8300];
	if (accept)
		h = curl_slist_append(h, accept);
	if (g->token[0]) {
		snprintf(auth, sizeof(auth), "Authorization: Bearer %s", g->token);
		h = curl_slist_append(h, auth);
	}
	CURL *c = g->curl;
	curl_easy_reset(c);
	curl_easy_setopt(c, CURLOPT_URL, url);
	curl_easy_setopt(c, CURLOPT_HTTPHEADER, h);
	curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_body);
	curl_easy_setopt(c, CURLOPT_WRITEDATA, f);
	curl_easy_setopt(c, CURLOPT_HEADERFUNCTION, on_header);
	curl_easy_setopt(c, CURLOPT_HEADERDATA, f);
	/* blobs are often redirected to storage; curl drops our Authorization there */
	curl_easy_setopt(c, CURLOPT_FOLLOWLOCATION, 1L);
	curl_easy_setopt(c, CURLOPT_MAXREDIRS, 5L);
	curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "http,https");
	curl_easy_setopt(c, CURLOPT_REDIR_PROTOCOLS_STR, "http,https");
	curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT, 15L);
	curl_easy_setopt(c, CURLOPT_LOW_SPEED_LIMIT, 1L);
	curl_easy_setopt(c, CURLOPT_LOW_SPEED_TIME, 60L);
	curl_easy_setopt(c, CURLOPT_USERAGENT, "hutch/" HUTCH_VERSION);
	CURLcode rc = curl_easy_perform(c);
	curl_slist_free_all(h);
	if (rc != CURLE_OK) {
		if (rc == CURLE_WRITE_ERROR && f->fd < 0)
			return hutch_error_set(err, EFBIG, "%s: answer over %zu bytes", url,
					       f->max);
		return hutch_error_set(err, EIO, "%s: %s", url, curl_easy_strerror(rc));
	}
	curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, ret_status);
	return 0;
}

/* A key="value" parameter of a WWW-Authenticate header. */
static void auth_param(const char *hdr, const char *key, char *buf, size_t size)
{
	buf[0] = '\0';
	size_t klen = strlen(key);
	for (const char *p = hdr; (p = strstr(p, key)); p += klen) {
		if ((p != hdr && p[-1] != ' ' && p[-1] != ',') || strncmp(p + klen, "=\"", 2) != 0)
			continue;
		const char *v = p + klen + 2, *end = strchr(v, '"');
		if (end)
			snprintf(buf, size, "%.*s", (int)(end - v), v);
		return;
	}
}

/* Anonymous bearer token: GET realm?service=..&scope=.. -> {"token": ...}. */
static int get_token(struct registry *g, const char *www_auth, struct hutch_error *err)
{
	if (strncasecmp(www_auth, "Bearer ", 7) != 0)
		return hutch_error_set(err, EACCES,
				       "%s asks for credentials (%.60s); only anonymous tokens are "
				       "supported",
				       g->host, www_auth);
	char realm[1024], service[256], scope[1024], url[4200];
	auth_param(www_auth, "realm", realm, sizeof(realm));
	auth_param(www_auth, "service", service, sizeof(service));
	auth_param(www_auth, "scope", scope, sizeof(scope));
	if (!realm[0] || (strncmp(realm, "https://", 8) != 0 && strncmp(realm, "http://", 7) != 0))
		return hutch_error_set(err, EPROTO, "%s: no token realm in '%.100s'", g->host,
				       www_auth);
	if (!scope[0])
		snprintf(scope, sizeof(scope), "repository:%s:pull", g->repo);
	char *es = curl_easy_escape(g->curl, service, 0), *ec = curl_easy_escape(g->curl, scope, 0);
	snprintf(url, sizeof(url), "%s%sservice=%s&scope=%s", realm, strchr(realm, '?') ? "&" : "?",
		 es ? es : "", ec ? ec : "");
	curl_free(es);
	curl_free(ec);
	struct fetch f = {.fd = -1, .max = 1 << 20};
	long status = 0;
	g->token[0] = '\0';
	int r = http_get(g, url, NULL, &f, &status, err);
	if (r == 0 && status != 200)
		r = hutch_error_set(err, EACCES, "token from %s: HTTP %ld", realm, status);
	struct json_object *doc = r == 0 ? json_tokener_parse(f.body ? f.body : "") : NULL, *t;
	if (r == 0 && (!doc ||
		       (!json_object_object_get_ex(doc, "token", &t) &&
			!json_object_object_get_ex(doc, "access_token", &t)) ||
		       !json_object_is_type(t, json_type_string)))
		r = hutch_error_set(err, EPROTO, "token from %s: no token in the answer", realm);
	if (r == 0)
		snprintf(g->token, sizeof(g->token), "%s", json_object_get_string(t));
	json_object_put(doc);
	free(f.body);
	return r;
}

/* GET a registry path, getting a token on a 401 once. */
static int reg_get(struct registry *g, const char *path, const char *accept, struct fetch *f,
		   struct hutch_error *err)
{
	char url[1200];
	snprintf(url, sizeof(url), "%s://%s/v2/%s/%s", g->http ? "http" : "https", g->host, g->repo,
		 path);
	for (int attempt = 0;; attempt++) {
		long status = 0;
		int r = http_get(g, url, accept, f, &status, err);
		if (r < 0)
			return r;
		if (status == 401 && attempt == 0 && f->auth[0]) {
			if ((r = get_token(g, f->auth, err)) < 0)
				return r;
			/* start the body again */
			f->len = 0;
			f->bytes = 0;
			if (f->fd >= 0 &&
			    (ftruncate(f->fd, 0) < 0 || lseek(f->fd, 0, SEEK_SET) < 0))
				return hutch_error_setsys(err, errno, "truncate");
			if (f->hashing) {
				sha256_free(&f->hash);
				sha256_init(&f->hash);
			}
			continue;
		}
		if (status == 404)
			return hutch_error_set(err, ENOENT, "%s: not found (HTTP 404)", url);
		if (status != 200)
			return hutch_error_set(err, EIO, "%s: HTTP %ld", url, status);
		return 0;
	}
}

/* A manifest (or index) by tag or digest; checked against the digest when one names it. */
static int get_manifest(struct registry *g, const char *ref, const char *want_hex, char **ret,
			char *ret_mt, size_t mt_size, struct hutch_error *err)
{
	char path[300];
	snprintf(path, sizeof(path), "manifests/%s", ref);
	struct fetch f = {.fd = -1, .max = MANIFEST_MAX_BYTES};
	int r = reg_get(g, path, accept_hdr, &f, err);
	if (r < 0) {
		free(f.body);
		return r;
	}
	char hex[IMAGE_ID_HEX + 1];
	sha256_buf(f.body ? f.body : "", f.len, hex);
	if (want_hex && strcmp(hex, want_hex) != 0) {
		free(f.body);
		return hutch_error_set(err, EBADMSG,
				       "manifest %s: digest mismatch (expected sha256:%s, got "
				       "sha256:%s)",
				       ref, want_hex, hex);
	}
	struct json_object *doc = json_tokener_parse(f.body ? f.body : "");
	const char *mt = json_str(doc, "mediaType");
	if (!doc || !json_object_is_type(doc, json_type_object)) {
		json_object_put(doc);
		free(f.body);
		return hutch_error_set(err, EBADMSG, "manifest %s from %s: not JSON", ref, g->host);
	}
	/* the body's own mediaType, else the Content-Type the registry gave */
	snprintf(ret_mt, mt_size, "%s", mt ? mt : f.ctype);
	ret_mt[strcspn(ret_mt, "; ")] = '\0';
	json_object_put(doc);
	*ret = f.body;
	return 0;
}

static bool is_index(const char *mt)
{
	return strcmp(mt, "application/vnd.oci.image.index.v1+json") == 0 ||
	       strcmp(mt, "application/vnd.docker.distribution.manifest.list.v2+json") == 0;
}

static bool is_manifest(const char *mt)
{
	return strcmp(mt, "application/vnd.oci.image.manifest.v1+json") == 0 ||
	       strcmp(mt, "application/vnd.docker.distribution.manifest.v2+json") == 0;
}

/*
 * A blob into the store's blobs/, fetched once: under locks/<hex>, a blob
 * another pull brought meanwhile is taken as it is.
 */
static int get_blob(struct registry *g, const char *tmp, const char *hex, uint64_t size,
		    const char *label, char *ret_path, size_t path_size, struct hutch_error *err)
{
	char lockp[4096], final[4096];
	int r = store_path(lockp, sizeof(lockp), "locks");
	if (r == 0)
		r = hutch_mkdir_p(lockp, 0700);
	if (r == 0)
		r = store_path(lockp, sizeof(lockp), "locks/%s", hex);
	if (r == 0)
		r = store_path(final, sizeof(final), "blobs/sha256/%s", hex);
	if (r < 0)
		return hutch_error_setsys(err, -r, "blob %s", hex);
	_cleanup_close_ int lock = open(lockp, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
	if (lock < 0 || flock(lock, LOCK_EX) < 0)
		return hutch_error_setsys(err, errno, "lock %s", lockp);
	/* from here until the image lands, an image prune keeps the blob */
	if ((r = store_lease(tmp, hex)) < 0)
		return hutch_error_setsys(err, -r, "lease blob %s", hex);
	snprintf(ret_path, path_size, "%s", final);
	if (access(final, F_OK) == 0) {
		if (!g->prog->quiet)
			fprintf(stderr, "%s: already in the store\n", label);
		return 0;
	}
	char part[4200];
	snprintf(part, sizeof(part), "%s/blob-%s", tmp, hex);
	struct fetch f = {.fd = open(part, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600),
			  .hashing = true,
			  .prog = g->prog};
	if (f.fd < 0)
		return hutch_error_setsys(err, errno, "create %s", part);
	sha256_init(&f.hash);
	char path[120];
	snprintf(path, sizeof(path), "blobs/sha256:%s", hex);
	progress_begin(g->prog, label, size);
	r = reg_get(g, path, NULL, &f, err);
	close(f.fd);
	char got[IMAGE_ID_HEX + 1];
	sha256_final(&f.hash, got);
	if (r < 0) {
		unlink(part);
		return r;
	}
	progress_end(g->prog, "fetched");
	if (strcmp(got, hex) != 0) {
		unlink(part);
		return hutch_error_set(err, EBADMSG,
				       "%s: digest mismatch (expected sha256:%s, got sha256:%s)",
				       label, hex, got);
	}
	/* in the store at once, so a pull waiting on the lock takes it */
	r = store_adopt_blob(part, hex);
	unlink(part);
	if (r < 0)
		return hutch_error_setsys(err, -r, "store blob %s", hex);
	return 0;
}

static int pull_manifest(struct registry *g, const char *tmp, const char *body, const char *name,
			 char ret_id[IMAGE_ID_HEX + 1], struct hutch_error *err)
{
	struct json_object *m = json_tokener_parse(body), *cfgd, *layers;
	int r = 0;
	struct land_layer *ll = NULL;
	char(*paths)[4096] = NULL;
	char cfg_path[4096];
	_cleanup_free_ char *config = NULL;
	if (!m || !json_object_object_get_ex(m, "config", &cfgd) ||
	    !json_object_object_get_ex(m, "layers", &layers) ||
	    !json_object_is_type(layers, json_type_array)) {
		r = hutch_error_set(err, EBADMSG, "manifest: no config or layers");
		goto out;
	}
	const char *cmt = json_str(cfgd, "mediaType"), *chex = digest_hex(json_str(cfgd, "digest"));
	if (!cmt || (strcmp(cmt, "application/vnd.oci.image.config.v1+json") != 0 &&
		     strcmp(cmt, "application/vnd.docker.container.image.v1+json") != 0)) {
		r = hutch_error_set(err, EPROTONOSUPPORT, "config of unknown media type '%s'",
				    cmt ? cmt : "(none)");
		goto out;
	}
	if (!chex) {
		r = hutch_error_set(err, EBADMSG, "manifest: the config has no sha256 digest");
		goto out;
	}
	if ((r = get_blob(g, tmp, chex, 0, "config", cfg_path, sizeof(cfg_path), err)) < 0)
		goto out;
	size_t len;
	if ((r = hutch_read_file(cfg_path, 16 << 20, &config, &len)) < 0) {
		r = hutch_error_setsys(err, -r, "read %s", cfg_path);
		goto out;
	}
	size_t n = json_object_array_length(layers);
	struct json_object *cfg = json_tokener_parse(config), *rootfs, *diff_ids = NULL;
	if (cfg && json_object_object_get_ex(cfg, "rootfs", &rootfs))
		json_object_object_get_ex(rootfs, "diff_ids", &diff_ids);
	ll = calloc(n ? n : 1, sizeof(*ll));
	paths = calloc(n ? n : 1, sizeof(*paths));
	if (!ll || !paths) {
		json_object_put(cfg);
		r = hutch_error_set(err, ENOMEM, "out of memory");
		goto out;
	}
	for (size_t i = 0; i < n && r == 0; i++) {
		struct json_object *d = json_object_array_get_idx(layers, i), *sz;
		const char *mt = json_str(d, "mediaType"), *hex = digest_hex(json_str(d, "digest"));
		char label[96];
		snprintf(label, sizeof(label), "layer %zu/%zu %.12s", i + 1, n, hex ? hex : "?");
		if (!mt || !image_layer_media_type_known(mt)) {
			r = hutch_error_set(err, EPROTONOSUPPORT, "%s: unknown media type '%s'",
					    label, mt ? mt : "(none)");
			break;
		}
		if (!hex) {
			r = hutch_error_set(err, EBADMSG, "%s: no sha256 digest", label);
			break;
		}
		snprintf(ll[i].media_type, sizeof(ll[i].media_type), "%s", mt);
		memcpy(ll[i].hex, hex, IMAGE_ID_HEX + 1);
		memcpy(ll[i].expected_hex, hex, IMAGE_ID_HEX + 1);
		if (json_object_object_get_ex(d, "size", &sz))
			ll[i].size = (uint64_t)json_object_get_int64(sz);
		/* a layer the store has (by its diff_id) is not fetched again */
		const char *did = diff_ids ? digest_hex(json_object_get_string(
						     json_object_array_get_idx(diff_ids, i)))
					   : NULL;
		char blob[4096];
		store_path(blob, sizeof(blob), "blobs/sha256/%s", hex);
		if (did && store_has_layer(did) && access(blob, F_OK) == 0) {
			snprintf(paths[i], sizeof(paths[i]), "%s", blob);
		} else {
			r = get_blob(g, tmp, hex, ll[i].size, label, paths[i], sizeof(paths[i]),
				     err);
		}
		ll[i].path = paths[i];
	}
	json_object_put(cfg);
	if (r < 0)
		goto out;
	struct image_land in = image_land_init(tmp, config, ll, n, &name);
	memcpy(in.config_digest, chex, IMAGE_ID_HEX + 1);
	r = image_land(&in, g->prog, ret_id, err);
out:
	free(ll);
	free(paths);
	json_object_put(m);
	return r;
}

/* NAME[:TAG|@DIGEST] -> registry host, repository, reference; docker's defaults. */
static int parse_ref(const char *name, struct registry *g)
{
	char buf[600];
	snprintf(buf, sizeof(buf), "%s", name);
	char *at = strchr(buf, '@');
	if (at) {
		*at = '\0';
		snprintf(g->ref, sizeof(g->ref), "%s", at + 1);
		g->by_digest = true;
		if (!digest_hex(g->ref))
			return -EINVAL;
	}
	char *slash = strchr(buf, '/');
	char *path = buf;
	if (slash &&
	    (memchr(buf, '.', (size_t)(slash - buf)) || memchr(buf, ':', (size_t)(slash - buf)) ||
	     strncmp(buf, "localhost/", 10) == 0)) {
		snprintf(g->host, sizeof(g->host), "%.*s", (int)(slash - buf), buf);
		path = slash + 1;
	} else {
		snprintf(g->host, sizeof(g->host), "registry-1.docker.io");
	}
	char *colon = strrchr(path, ':');
	if (colon && !at) {
		*colon = '\0';
		snprintf(g->ref, sizeof(g->ref), "%s", colon + 1);
	} else if (!at) {
		snprintf(g->ref, sizeof(g->ref), "latest");
	}
	if (!path[0])
		return -EINVAL;
	bool hub = strcmp(g->host, "registry-1.docker.io") == 0;
	snprintf(g->repo, sizeof(g->repo), "%s%s", hub && !strchr(path, '/') ? "library/" : "",
		 path);
	return 0;
}

static bool loopback(const char *host)
{
	char h[256];
	snprintf(h, sizeof(h), "%s", host);
	if (h[0] == '[') {
		char *end = strchr(h, ']');
		if (end)
			*end = '\0';
		return strcmp(h + 1, "::1") == 0;
	}
	h[strcspn(h, ":")] = '\0';
	return strcmp(h, "localhost") == 0 || strncmp(h, "127.", 4) == 0;
}

int cmd_pull(int argc, char **argv)
{
	static const struct option opts[] = {
		{"insecure", no_argument, NULL, 'k'},
		{"quiet", no_argument, NULL, 'q'},
		{"help", no_argument, NULL, 'h'},
		{0},
	};
	bool quiet = false, insecure = false;
	int ch;
	verb_getopt_reset();
	while ((ch = getopt_long(argc, argv, "+qh", opts, NULL)) != -1) {
		switch (ch) {
		case 'k':
			insecure = true;
			break;
		case 'q':
			quiet = true;
			break;
		case 'h':
			printf("Usage: hutch pull [-q] [--insecure] NAME[:TAG|@DIGEST]\n\n"
			       "Pull an image from a registry (v2 API). https, or http for "
			       "localhost, 127.0.0.0/8, [::1]\nand with --insecure; anonymous "
			       "bearer tokens; linux/amd64 from a manifest list.\n");
			return 0;
		default:
			return VERB_BAD_FLAG("pull", argv);
		}
	}
	if (optind + 1 != argc)
		return hutch_fail("pull", "usage: hutch pull NAME[:TAG|@DIGEST]");
	const char *name = argv[optind];
	struct registry g = {0};
	char norm[300];
	if (parse_ref(name, &g) < 0 || image_ref_normalize(name, norm, sizeof(norm)) < 0)
		return hutch_fail("pull", "'%s' is not an image reference", name);
	g.http = insecure || loopback(g.host);
	struct progress prog;
	progress_init(&prog, quiet);
	g.prog = &prog;
	if (curl_global_init(CURL_GLOBAL_DEFAULT) != 0 || !(g.curl = curl_easy_init()))
		return hutch_fail("pull", "libcurl would not start");
	struct hutch_error err = {0};
	char tmp[4096], mt[256], id[IMAGE_ID_HEX + 1];
	_cleanup_free_ char *body = NULL;
	int r = store_tmpdir("pull", tmp, sizeof(tmp), &err);
	if (r == 0)
		r = get_manifest(&g, g.ref, g.by_digest ? g.ref + 7 : NULL, &body, mt, sizeof(mt),
				 &err);
	if (r == 0 && is_index(mt)) {
		/* a list: the linux/amd64 manifest, by its digest */
		struct json_object *idx = json_tokener_parse(body), *mans;
		const char *pick = NULL;
		if (idx && json_object_object_get_ex(idx, "manifests", &mans) &&
		    json_object_is_type(mans, json_type_array))
			for (size_t i = 0; i < json_object_array_length(mans) && !pick; i++) {
				struct json_object *d = json_object_array_get_idx(mans, i), *p;
				if (json_object_object_get_ex(d, "platform", &p) &&
				    json_str(p, "os") && json_str(p, "architecture") &&
				    strcmp(json_str(p, "os"), "linux") == 0 &&
				    strcmp(json_str(p, "architecture"), "amd64") == 0)
					pick = json_str(d, "digest");
			}
		char ref[100];
		if (!digest_hex(pick))
			r = hutch_error_set(&err, ENOENT, "%s: no linux/amd64 image in its list",
					    name);
		else
			snprintf(ref, sizeof(ref), "%s", pick);
		json_object_put(idx);
		free(body);
		body = NULL;
		if (r == 0)
			r = get_manifest(&g, ref, ref + 7, &body, mt, sizeof(mt), &err);
		if (r == 0 && !is_manifest(mt))
			r = hutch_error_set(&err, EPROTONOSUPPORT,
					    "%s: the list's entry is of unknown media type '%s'",
					    name, mt);
	} else if (r == 0 && !is_manifest(mt)) {
		r = hutch_error_set(&err, EPROTONOSUPPORT,
				    "%s: manifest of unknown media type '%s'", name, mt);
	}
	if (r == 0)
		r = pull_manifest(&g, tmp, body, g.by_digest ? NULL : norm, id, &err);
	curl_easy_cleanup(g.curl);
	curl_global_cleanup();
	store_rm_rf(tmp);
	if (r < 0)
		return hutch_fail("pull", "%s: %s", name, err.msg);
	if (!quiet)
		printf("Pulled %s: sha256:%s\n", name, id);
	else
		printf("sha256:%s\n", id);
	return 0;
}
