/* openapi — GET /v1/openapi.json, generated from the route table. */
#include "serve/serve_int.h"

#include <string.h>

/* The answers a route can give, by role and method. */
static void responses(struct strbuf *sb, const struct route *r)
{
	sb_adds(sb, "\"responses\":{");
	bool async = r->id == R_PREVIEW || r->id == R_PREVIEW_DEL || r->id == R_ROLLBACK;
	sb_addf(sb, "\"200\":{\"description\":\"%s\"}", r->id == R_OP_EVENTS ? "text/event-stream" : "OK");
	if (async)
		sb_adds(sb, ",\"202\":{\"description\":\"accepted: an operation id\"},"
			"\"409\":{\"description\":\"another operation holds the release\"}");
	if (r->id == R_HEALTH)
		sb_adds(sb, ",\"503\":{\"description\":\"not ready: what is not\"}");
	if (!strcmp(r->method, "POST"))
		sb_adds(sb, ",\"400\":{\"description\":\"malformed JSON, unknown field, bad value\"},"
			"\"413\":{\"description\":\"body too large\"}");
	if (r->role != AUTH_NONE)
		sb_adds(sb, ",\"401\":{\"description\":\"no or wrong token\"},"
			"\"403\":{\"description\":\"the token's role is not enough, or read-only server\"}");
	if (r->id == R_SEED || r->id == R_COMPARE)
		sb_adds(sb, ",\"501\":{\"description\":\"not built in\"}");
	sb_adds(sb, ",\"429\":{\"description\":\"rate limit (Retry-After)\"}}");
}

static void path_item(struct strbuf *sb, const struct route *r)
{
	char m[8];
	size_t i = 0;
	for (; r->method[i] && i + 1 < sizeof m; i++)
		m[i] = (char)(r->method[i] | 0x20);
	m[i] = 0;
	sb_addf(sb, "\"%s\":{\"summary\":\"%s\",\"operationId\":\"%s\",", m, r->summary,
		serve_route_names[r->id]);
	if (strchr(r->pattern, '*'))
		sb_adds(sb, "\"parameters\":[{\"name\":\"name\",\"in\":\"path\",\"required\":true,"
			"\"schema\":{\"type\":\"string\"}}],");
	if (r->role != AUTH_NONE)
		sb_addf(sb, "\"security\":[{\"bearer\":[\"%s\"]}],", auth_role_name(r->role));
	responses(sb, r);
	sb_adds(sb, "}");
}

/* The pattern with {name} for '*'. */
static void openapi_path(struct strbuf *sb, const char *p)
{
	for (; *p; p++)
		if (*p == '*')
			sb_adds(sb, "{name}");
		else
			sb_addc(sb, *p);
}

char *openapi_json(void)
{
	struct strbuf sb = STRBUF_INIT;
	sb_adds(&sb, "{\"openapi\":\"3.0.3\",\"info\":{\"title\":\"tops serve\",\"version\":\"1\","
		"\"description\":\"The deployment API of tops (docs/api.md).\"},"
		"\"components\":{\"securitySchemes\":{\"bearer\":{\"type\":\"http\",\"scheme\":\"bearer\"}},"
		"\"schemas\":{\"Error\":{\"type\":\"object\",\"properties\":{\"error\":{\"type\":\"object\","
		"\"properties\":{\"code\":{\"type\":\"integer\"},\"message\":{\"type\":\"string\"},"
		"\"details\":{}}}}},\"Preview\":{\"type\":\"object\",\"additionalProperties\":false,"
		"\"required\":[\"release\"],\"properties\":{\"chart\":{\"type\":\"string\"},\"values\":"
		"{\"type\":\"object\"},\"set\":{\"type\":\"array\",\"items\":{\"type\":\"string\"}},"
		"\"release\":{\"type\":\"string\"},\"namespace\":{\"type\":\"string\"},\"ttl\":{\"type\":"
		"\"string\"},\"dryRun\":{\"type\":\"boolean\"},\"timeout\":{\"type\":\"string\"}}}}},\"paths\":{");
	for (size_t i = 0; i < R__COUNT; i++) {
		bool first_of_path = i == 0 || strcmp(serve_routes[i - 1].pattern, serve_routes[i].pattern);
		if (!first_of_path)
			continue;
		sb_adds(&sb, i ? ",\"" : "\"");
		openapi_path(&sb, serve_routes[i].pattern);
		sb_adds(&sb, "\":{");
		for (size_t j = i; j < R__COUNT && !strcmp(serve_routes[j].pattern, serve_routes[i].pattern); j++) {
			sb_adds(&sb, j > i ? "," : "");
			path_item(&sb, &serve_routes[j]);
		}
		sb_adds(&sb, "}");
	}
	sb_adds(&sb, "}}\n");
	return sb_detach(&sb, NULL);
}
