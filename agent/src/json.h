/* A bounded JSON parser in the spirit of jsmn: it never allocates, writes into a caller-owned
 * token array, and reports "too many tokens" apart from "invalid". Unlike jsmn it validates the
 * full grammar (RFC 8259) so a request that parses is well-formed, and it records the index just
 * past each token's subtree so lookups can skip values in O(1). */
#ifndef MVM_JSON_H
#define MVM_JSON_H

#include <stddef.h>
#include <stdint.h>

typedef enum { J_OBJECT = 1, J_ARRAY, J_STRING, J_NUMBER, J_TRUE, J_FALSE, J_NULL } jtype;

typedef struct {
    jtype type;
    uint32_t start, end; /* byte range; strings exclude the quotes */
    uint32_t size;       /* objects: number of keys; arrays: number of elements */
    uint32_t next;       /* index of the first token after this subtree */
} jtok;

enum { JSON_OK = 0, JSON_INVALID = -1, JSON_NOMEM = -2, JSON_DEPTH = -3 };
#define JSON_MAX_DEPTH 64

/* Parses exactly one JSON value (surrounding whitespace allowed). Returns JSON_OK and the token
 * count in *ntok, or a negative code. */
int json_parse(const char *s, size_t n, jtok *toks, uint32_t max, uint32_t *ntok);

/* Object lookup: index of the value token for key, or -1. obj must be a J_OBJECT token index. */
int json_get(const char *s, const jtok *t, int obj, const char *key);
/* Index of the i-th array element, or -1. */
int json_elem(const jtok *t, int arr, uint32_t i);

/* Decodes a J_STRING token into out (NUL-terminated), handling every escape incl. surrogate
 * pairs. Fails (-1) on truncation, lone surrogates, or an embedded NUL (paths/argv can't hold
 * one). Returns the decoded length. */
long json_str(const char *s, const jtok *t, int i, char *out, size_t cap);
/* Same, into a malloc'd buffer; NULL on failure. */
char *json_strdup(const char *s, const jtok *t, int i);
/* True if token i is a string equal to lit after unescaping. */
int json_str_eq(const char *s, const jtok *t, int i, const char *lit);
/* Reads an integer token in [min,max]; -1 if absent/wrong type/out of range, 0 on success. */
int json_int(const char *s, const jtok *t, int i, int64_t min, int64_t max, int64_t *out);
/* 1/0 for true/false, -1 otherwise. */
int json_bool(const jtok *t, int i);

#endif
