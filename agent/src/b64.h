#ifndef MVM_B64_H
#define MVM_B64_H
#include <stddef.h>
size_t b64_encoded_len(size_t n);
void b64_encode(const void *in, size_t n, char *out);
/* Upper bound of decoded bytes for n input chars. */
size_t b64_decoded_max(size_t n);
/* Strict standard base64 (padding optional). Returns decoded length or -1 on bad input. */
long b64_decode(const char *in, size_t n, unsigned char *out);
#endif
