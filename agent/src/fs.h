/* The fs.* verbs. Each handler reads its args from the parsed request and writes one complete
 * reply body into out. Paths are guest paths and must be absolute. */
#ifndef MVM_FS_H
#define MVM_FS_H

#include "json.h"
#include "util.h"

/* Largest fs.read chunk: base64 of it (4/3) plus the envelope stays under the 1 MiB frame cap. */
#define FS_READ_MAX (512u * 1024)
#define FS_LIST_MAX 4000

/* Returns 0 if op is an fs verb it handled, -1 if op is not an fs verb. */
int fs_handle(const char *op, const char *s, const jtok *t, uint32_t id, buf_t *out);

#endif
