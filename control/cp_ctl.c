/* SPDX-License-Identifier: ISC */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cp_ctl.h"

static struct cp_ctl_ops	cp_ctl_ops;

void
cp_ctl_register(const struct cp_ctl_ops *ops)
{
	if (ops == NULL)
		memset(&cp_ctl_ops, 0, sizeof(cp_ctl_ops));
	else
		cp_ctl_ops = *ops;
}

int
cp_ctl_is_request(const char *text, size_t len)
{
	static const char key[] = "\"ztr-ctl-request\"";

	return memmem(text, len, key, sizeof(key) - 1) != NULL;
}

char *
cp_ctl_request(const char *text, size_t len, size_t *outlen)
{
	struct json_tokener	*tok;
	json_object		*req, *v, *rep = NULL, *recs;
	const char		*cmd, *s;
	char			 err[256], *out = NULL;
	int			 rc = -1;

	if (len > INT32_MAX || (tok = json_tokener_new()) == NULL)
		return NULL;
	req = json_tokener_parse_ex(tok, text, (int)len);
	json_tokener_free(tok);
	if (req == NULL || !json_object_is_type(req, json_type_object) ||
	    !json_object_object_get_ex(req, "type", &v) ||
	    !json_object_is_type(v, json_type_string) ||
	    strcmp(json_object_get_string(v), "ztr-ctl-request") != 0 ||
	    !json_object_object_get_ex(req, "id", &v) ||
	    !json_object_is_type(v, json_type_int) ||
	    !json_object_object_get_ex(req, "command", &v) ||
	    !json_object_is_type(v, json_type_string))
		goto done;
	cmd = json_object_get_string(v);
	if ((rep = json_object_new_object()) == NULL ||
	    (recs = json_object_new_array()) == NULL)
		goto done;
	json_object_object_add(rep, "type",
	    json_object_new_string("ztr-ctl-reply"));
	json_object_object_get_ex(req, "id", &v);
	json_object_object_add(rep, "id", json_object_get(v));
	snprintf(err, sizeof(err), "no control-plane engine for \"%s\"", cmd);
	if (strcmp(cmd, "show sites") == 0 && cp_ctl_ops.show_sites != NULL)
		rc = cp_ctl_ops.show_sites(recs, err, sizeof(err));
	else if (strcmp(cmd, "show rlocs") == 0 &&
	    cp_ctl_ops.show_rlocs != NULL)
		rc = cp_ctl_ops.show_rlocs(recs, err, sizeof(err));
	else if (strcmp(cmd, "show sites") != 0 &&
	    strcmp(cmd, "show rlocs") != 0)
		snprintf(err, sizeof(err), "unknown command \"%s\"", cmd);
	if (rc == 0) {
		json_object_object_add(rep, "status",
		    json_object_new_string("ok"));
		json_object_object_add(rep, "records", recs);
	} else {
		json_object_put(recs);
		json_object_object_add(rep, "status",
		    json_object_new_string("error"));
		json_object_object_add(rep, "error",
		    json_object_new_string(err));
	}
	s = json_object_to_json_string_ext(rep, JSON_C_TO_STRING_PLAIN |
	    JSON_C_TO_STRING_NOSLASHESCAPE);
	if (s != NULL && (out = strdup(s)) != NULL)
		*outlen = strlen(out);
done:
	json_object_put(rep);
	json_object_put(req);
	return out;
}
