/* image — the parts of an image reference ([registry/]path[:tag][@digest]). */
#include "core/doctor/doctor.h"

#include <stdlib.h>
#include <string.h>

/* Length of the registry part at the front of image, 0 when there is none (docker.io). */
static size_t registry_len(const char *image)
{
	const char *slash = strchr(image, '/');
	if (!slash)
		return 0;
	size_t n = (size_t)(slash - image);
	bool host = memchr(image, '.', n) || memchr(image, ':', n) ||
		    (n == 9 && strncmp(image, "localhost", 9) == 0);
	return host ? n : 0;
}

char *doctor_image_registry(const char *image)
{
	size_t n = registry_len(image);
	return n ? xstrndup(image, n) : xstrdup("docker.io");
}

char *doctor_image_repo(const char *image)
{
	size_t n = registry_len(image);
	const char *p = image + (n ? n + 1 : 0);
	size_t len = strcspn(p, "@");
	/* a tag is after the last '/', behind a ':' */
	const char *last = p;
	for (size_t i = 0; i < len; i++)
		if (p[i] == '/')
			last = p + i + 1;
	const char *colon = memchr(last, ':', len - (size_t)(last - p));
	if (colon)
		len = (size_t)(colon - p);
	return xstrndup(p, len);
}
