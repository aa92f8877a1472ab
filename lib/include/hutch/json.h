/* SPDX-License-Identifier: MIT */
/* Typed lookups in json-c objects, for the readers of other programs' JSON files. */
#ifndef HUTCH_JSON_H
#define HUTCH_JSON_H

#include <json-c/json.h>

/* o's member key when it is a string (owned by o); NULL when o is NULL, key is missing
 * or of another type. */
const char *hutch_json_str(struct json_object *o, const char *key);
/* o's member key when it is an object; NULL otherwise, as above. */
struct json_object *hutch_json_obj(struct json_object *o, const char *key);

#endif
