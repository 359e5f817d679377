#define _GNU_SOURCE
#include "b64.h"

static const char ALPHA[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

size_t b64_encoded_len(size_t n) { return (n + 2) / 3 * 4; }
size_t b64_decoded_max(size_t n) { return n / 4 * 3 + 3; }

void b64_encode(const void *in, size_t n, char *out) {
    const unsigned char *p = in;
    size_t i = 0;
    for (; i + 3 <= n; i += 3) {
        unsigned v = (unsigned)p[i] << 16 | (unsigned)p[i + 1] << 8 | p[i + 2];
        *out++ = ALPHA[v >> 18];
        *out++ = ALPHA[(v >> 12) & 63];
        *out++ = ALPHA[(v >> 6) & 63];
        *out++ = ALPHA[v & 63];
    }
    if (i < n) {
        unsigned v = (unsigned)p[i] << 16 | (i + 1 < n ? (unsigned)p[i + 1] << 8 : 0);
        *out++ = ALPHA[v >> 18];
        *out++ = ALPHA[(v >> 12) & 63];
        *out++ = i + 1 < n ? ALPHA[(v >> 6) & 63] : '=';
        *out++ = '=';
    }
}

static int val(char c) {
    if (c >= 'A' && c <= 'Z') return c - 'A';
    if (c >= 'a' && c <= 'z') return c - 'a' + 26;
    if (c >= '0' && c <= '9') return c - '0' + 52;
    if (c == '+') return 62;
    if (c == '/') return 63;
    return -1;
}

long b64_decode(const char *in, size_t n, unsigned char *out) {
    while (n > 0 && in[n - 1] == '=') n--;
    if (n % 4 == 1) return -1;
    long o = 0;
    unsigned acc = 0;
    int bits = 0;
    for (size_t i = 0; i < n; i++) {
        int v = val(in[i]);
        if (v < 0) return -1;
        acc = (acc << 6) | (unsigned)v;
        bits += 6;
        if (bits >= 8) {
            bits -= 8;
            out[o++] = (unsigned char)(acc >> bits);
        }
    }
    return o;
}
