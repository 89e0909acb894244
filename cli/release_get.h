/* release_get — `tops get manifest|values|notes|hooks|metadata|all NAME`, as helm's `get`. */
#ifndef TOPS_RELEASE_GET_H
#define TOPS_RELEASE_GET_H

#include <stdbool.h>

/* True when word is one of the release topics above. */
bool rel_get_topic(const char *word);
/* argv[0] is the topic. Exit status as every command's. */
int rel_get(int argc, char **argv);

#endif
