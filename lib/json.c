/* SPDX-License-Identifier: MIT */
/* Typed lookups in json-c objects. */
#include "hutch/json.h"

static struct json_object *member(struct json_object *o, const char *key, json_type type)
{
	struct json_object *v;
	if (!o || !json_object_object_get_ex(o, key, &v) || !json_object_is_type(v, type))
		return NULL;
	return v;
}

const char *hutch_json_str(struct json_object *o, const char *key)
{
	struct json_object *v = member(o, key, json_type_string);
	return v ? json_object_get_string(v) : NULL;
}

struct json_object *hutch_json_obj(struct json_object *o, const char *key)
{
	return member(o, key, json_type_object);
}
