#define _GNU_SOURCE
#include "json.h"

#include <stdlib.h>
#include <string.h>

typedef struct {
    const char *s;
    size_t n, pos;
    jtok *toks;
    uint32_t max, count;
    int err;
} parser;

static void ws(parser *p) {
    while (p->pos < p->n) {
        char c = p->s[p->pos];
        if (c != ' ' && c != '\t' && c != '\n' && c != '\r') break;
        p->pos++;
    }
}

static int alloc_tok(parser *p, jtype type) {
    if (p->count >= p->max) {
        p->err = JSON_NOMEM;
        return -1;
    }
    jtok *t = &p->toks[p->count];
    t->type = type;
    t->start = (uint32_t)p->pos;
    t->end = t->start;
    t->size = 0;
    t->next = 0;
    return (int)p->count++;
}

static int hexval(char c) {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}

static int parse_string(parser *p) {
    /* p->pos is at the opening quote. */
    p->pos++;
    int i = alloc_tok(p, J_STRING);
    if (i < 0) return -1;
    while (p->pos < p->n) {
        unsigned char c = (unsigned char)p->s[p->pos];
        if (c == '"') {
            p->toks[i].end = (uint32_t)p->pos;
            p->toks[i].next = p->count;
            p->pos++;
            return 0;
        }
        if (c < 0x20) break;
        if (c == '\\') {
            if (++p->pos >= p->n) break;
            char e = p->s[p->pos];
            if (e == 'u') {
                if (p->pos + 4 >= p->n) break;
                for (int k = 1; k <= 4; k++)
                    if (hexval(p->s[p->pos + k]) < 0) goto bad;
                p->pos += 4;
            } else if (!strchr("\"\\/bfnrt", e) || e == 0) {
                break;
            }
        }
        p->pos++;
    }
bad:
    p->err = JSON_INVALID;
    return -1;
}

static int parse_number(parser *p) {
    int i = alloc_tok(p, J_NUMBER);
    if (i < 0) return -1;
    size_t q = p->pos;
    const char *s = p->s;
#define DIGIT(x) ((x) < p->n && s[x] >= '0' && s[x] <= '9')
    if (q < p->n && s[q] == '-') q++;
    if (!DIGIT(q)) goto bad;
    if (s[q] == '0') q++;
    else while (DIGIT(q)) q++;
    if (q < p->n && s[q] == '.') {
        q++;
        if (!DIGIT(q)) goto bad;
        while (DIGIT(q)) q++;
    }
    if (q < p->n && (s[q] == 'e' || s[q] == 'E')) {
        q++;
        if (q < p->n && (s[q] == '+' || s[q] == '-')) q++;
        if (!DIGIT(q)) goto bad;
        while (DIGIT(q)) q++;
    }
#undef DIGIT
    p->pos = q;
    p->toks[i].end = (uint32_t)q;
    p->toks[i].next = p->count;
    return 0;
bad:
    p->err = JSON_INVALID;
    return -1;
}

static int parse_value(parser *p, int depth);

static int parse_container(parser *p, int depth, int is_obj) {
    if (depth >= JSON_MAX_DEPTH) {
        p->err = JSON_DEPTH;
        return -1;
    }
    int i = alloc_tok(p, is_obj ? J_OBJECT : J_ARRAY);
    if (i < 0) return -1;
    char close = is_obj ? '}' : ']';
    p->pos++;
    ws(p);
    if (p->pos < p->n && p->s[p->pos] == close) {
        p->pos++;
        goto done;
    }
    for (;;) {
        ws(p);
        if (is_obj) {
            if (p->pos >= p->n || p->s[p->pos] != '"') goto bad;
            if (parse_string(p)) return -1;
            ws(p);
            if (p->pos >= p->n || p->s[p->pos] != ':') goto bad;
            p->pos++;
        }
        if (parse_value(p, depth + 1)) return -1;
        p->toks[i].size++;
        ws(p);
        if (p->pos >= p->n) goto bad;
        if (p->s[p->pos] == ',') {
            p->pos++;
            continue;
        }
        if (p->s[p->pos] == close) {
            p->pos++;
            break;
        }
        goto bad;
    }
done:
    p->toks[i].end = (uint32_t)p->pos;
    p->toks[i].next = p->count;
    return 0;
bad:
    p->err = JSON_INVALID;
    return -1;
}

static int parse_lit(parser *p, const char *lit, jtype type) {
    size_t l = strlen(lit);
    if (p->n - p->pos < l || memcmp(p->s + p->pos, lit, l) != 0) {
        p->err = JSON_INVALID;
        return -1;
    }
    int i = alloc_tok(p, type);
    if (i < 0) return -1;
    p->pos += l;
    p->toks[i].end = (uint32_t)p->pos;
    p->toks[i].next = p->count;
    return 0;
}

static int parse_value(parser *p, int depth) {
    ws(p);
    if (p->pos >= p->n) {
        p->err = JSON_INVALID;
        return -1;
    }
    switch (p->s[p->pos]) {
    case '{': return parse_container(p, depth, 1);
    case '[': return parse_container(p, depth, 0);
    case '"': return parse_string(p);
    case 't': return parse_lit(p, "true", J_TRUE);
    case 'f': return parse_lit(p, "false", J_FALSE);
    case 'n': return parse_lit(p, "null", J_NULL);
    default: return parse_number(p);
    }
}

int json_parse(const char *s, size_t n, jtok *toks, uint32_t max, uint32_t *ntok) {
    /* Offsets are u32; frames are capped at 1 MiB long before this matters. */
    if (n > 0x7fffffffu) return JSON_INVALID;
    parser p = {s, n, 0, toks, max, 0, 0};
    if (parse_value(&p, 0)) return p.err ? p.err : JSON_INVALID;
    ws(&p);
    if (p.pos != n) return JSON_INVALID;
    *ntok = p.count;
    return JSON_OK;
}

int json_get(const char *s, const jtok *t, int obj, const char *key) {
    if (obj < 0 || t[obj].type != J_OBJECT) return -1;
    int k = obj + 1;
    /* Last duplicate wins, matching JSON.parse on the host side. */
    int found = -1;
    for (uint32_t n = 0; n < t[obj].size; n++) {
        int v = k + 1;
        if (json_str_eq(s, t, k, key)) found = v;
        k = (int)t[v].next;
    }
    return found;
}

int json_elem(const jtok *t, int arr, uint32_t i) {
    if (arr < 0 || t[arr].type != J_ARRAY || i >= t[arr].size) return -1;
    int k = arr + 1;
    while (i--) k = (int)t[k].next;
    return k;
}

static void put_utf8(char *out, size_t *o, uint32_t cp) {
    if (cp < 0x80) {
        out[(*o)++] = (char)cp;
    } else if (cp < 0x800) {
        out[(*o)++] = (char)(0xC0 | (cp >> 6));
        out[(*o)++] = (char)(0x80 | (cp & 0x3F));
    } else if (cp < 0x10000) {
        out[(*o)++] = (char)(0xE0 | (cp >> 12));
        out[(*o)++] = (char)(0x80 | ((cp >> 6) & 0x3F));
        out[(*o)++] = (char)(0x80 | (cp & 0x3F));
    } else {
        out[(*o)++] = (char)(0xF0 | (cp >> 18));
        out[(*o)++] = (char)(0x80 | ((cp >> 12) & 0x3F));
        out[(*o)++] = (char)(0x80 | ((cp >> 6) & 0x3F));
        out[(*o)++] = (char)(0x80 | (cp & 0x3F));
    }
}

static uint32_t hex4(const char *p) {
    uint32_t v = 0;
    for (int k = 0; k < 4; k++) v = v << 4 | (uint32_t)hexval(p[k]);
    return v;
}

long json_str(const char *s, const jtok *t, int i, char *out, size_t cap) {
    if (i < 0 || t[i].type != J_STRING || cap == 0) return -1;
    size_t o = 0;
    /* The tokenizer validated escapes, so only surrogate pairing is left to check here. */
    for (uint32_t k = t[i].start; k < t[i].end; k++) {
        if (cap - o < 5) return -1; /* room for one 4-byte sequence + NUL */
        char c = s[k];
        if (c != '\\') {
            if (c == 0) return -1;
            out[o++] = c;
            continue;
        }
        char e = s[++k];
        switch (e) {
        case 'b': out[o++] = '\b'; break;
        case 'f': out[o++] = '\f'; break;
        case 'n': out[o++] = '\n'; break;
        case 'r': out[o++] = '\r'; break;
        case 't': out[o++] = '\t'; break;
        case 'u': {
            uint32_t cp = hex4(s + k + 1);
            k += 4;
            if (cp >= 0xD800 && cp <= 0xDBFF) {
                if (k + 6 >= t[i].end || s[k + 1] != '\\' || s[k + 2] != 'u') return -1;
                uint32_t lo = hex4(s + k + 3);
                if (lo < 0xDC00 || lo > 0xDFFF) return -1;
                cp = 0x10000 + ((cp - 0xD800) << 10) + (lo - 0xDC00);
                k += 6;
            } else if (cp >= 0xDC00 && cp <= 0xDFFF) {
                return -1;
            }
            if (cp == 0) return -1;
            put_utf8(out, &o, cp);
            break;
        }
        default: out[o++] = e; /* \" \\ \/ */
        }
    }
    out[o] = 0;
    return (long)o;
}

char *json_strdup(const char *s, const jtok *t, int i) {
    if (i < 0 || t[i].type != J_STRING) return NULL;
    /* Unescaping never grows the text: \uXXXX (6 bytes) is at most 3 UTF-8 bytes, and a
     * surrogate pair (12 bytes) becomes 4. */
    size_t cap = t[i].end - t[i].start + 5;
    char *out = malloc(cap);
    if (!out) return NULL;
    if (json_str(s, t, i, out, cap) < 0) {
        free(out);
        return NULL;
    }
    return out;
}

int json_str_eq(const char *s, const jtok *t, int i, const char *lit) {
    if (i < 0 || t[i].type != J_STRING) return 0;
    size_t raw = t[i].end - t[i].start, l = strlen(lit);
    /* Fast path: no escapes means a byte comparison is exact. */
    if (!memchr(s + t[i].start, '\\', raw)) return raw == l && memcmp(s + t[i].start, lit, l) == 0;
    char tmp[256];
    long n = json_str(s, t, i, tmp, sizeof tmp);
    return n >= 0 && (size_t)n == l && memcmp(tmp, lit, l) == 0;
}

int json_int(const char *s, const jtok *t, int i, int64_t min, int64_t max, int64_t *out) {
    if (i < 0 || t[i].type != J_NUMBER) return -1;
    uint32_t k = t[i].start;
    int neg = 0;
    if (s[k] == '-') {
        neg = 1;
        k++;
    }
    int64_t v = 0;
    for (; k < t[i].end; k++) {
        char c = s[k];
        if (c < '0' || c > '9') return -1; /* fractions and exponents are not integers here */
        if (v > (INT64_MAX - (c - '0')) / 10) return -1;
        v = v * 10 + (c - '0');
    }
    if (neg) v = -v;
    if (v < min || v > max) return -1;
    *out = v;
    return 0;
}

int json_bool(const jtok *t, int i) {
    if (i < 0) return -1;
    if (t[i].type == J_TRUE) return 1;
    if (t[i].type == J_FALSE) return 0;
    return -1;
}
