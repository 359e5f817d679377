/* Unit tests for the pure parts of the agent: JSON parser/accessors, frame decoder, base64,
 * the module list of PID 1. */
#define _GNU_SOURCE
#include "b64.h"
#include "frame.h"
#include "json.h"
#include "modlist.h"
#include "runtime.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static int failures;
#define CHECK(c)                                                        \
    do {                                                                \
        if (!(c)) {                                                     \
            fprintf(stderr, "%s:%d: CHECK failed: %s\n", __FILE__, __LINE__, #c); \
            failures++;                                                 \
        }                                                               \
    } while (0)

static jtok t[256];

static int parse(const char *s) {
    uint32_t n;
    return json_parse(s, strlen(s), t, 256, &n);
}

static void test_json(void) {
    CHECK(parse("{\"a\":1}") == JSON_OK);
    CHECK(parse(" [1, -0.5e3, true, false, null, \"x\"] ") == JSON_OK);
    CHECK(parse("{\"a\":1,}") == JSON_INVALID);
    CHECK(parse("[01]") == JSON_INVALID);
    CHECK(parse("\"tab\there\"") == JSON_INVALID); /* raw control char */
    CHECK(parse("\"\\x\"") == JSON_INVALID);
    CHECK(parse("{} x") == JSON_INVALID);
    CHECK(parse("") == JSON_INVALID);
    char deep[200];
    memset(deep, '[', 100);
    memset(deep + 100, ']', 100);
    uint32_t n;
    CHECK(json_parse(deep, 200, t, 256, &n) == JSON_DEPTH);
    CHECK(json_parse("[1,2,3]", 7, t, 2, &n) == JSON_NOMEM);

    const char *s = "{\"p\":\"a\\u00e9\\ud83d\\ude00\\n\\\"\\/\",\"k\\u0065y\":5,\"lone\":\"\\udc00\",\"nul\":\"a\\u0000\"}";
    CHECK(json_parse(s, strlen(s), t, 256, &n) == JSON_OK);
    char out[64];
    long l = json_str(s, t, json_get(s, t, 0, "p"), out, sizeof out);
    CHECK(l == 10 && !memcmp(out, "a\xc3\xa9\xf0\x9f\x98\x80\n\"/", 10));
    int64_t v;
    CHECK(json_int(s, t, json_get(s, t, 0, "key"), 0, 10, &v) == 0 && v == 5); /* escaped key */
    CHECK(json_str(s, t, json_get(s, t, 0, "lone"), out, sizeof out) < 0);
    CHECK(json_str(s, t, json_get(s, t, 0, "nul"), out, sizeof out) < 0);
    CHECK(json_get(s, t, 0, "missing") == -1);
    CHECK(json_str(s, t, json_get(s, t, 0, "p"), out, 4) < 0); /* truncation is an error */

    const char *d = "{\"id\":1,\"id\":4294967295,\"f\":1.5,\"big\":4294967296,\"a\":[[1],{\"x\":2},3]}";
    CHECK(json_parse(d, strlen(d), t, 256, &n) == JSON_OK);
    CHECK(json_int(d, t, json_get(d, t, 0, "id"), 0, 4294967295LL, &v) == 0 && v == 4294967295LL);
    CHECK(json_int(d, t, json_get(d, t, 0, "f"), 0, 10, &v) != 0);
    CHECK(json_int(d, t, json_get(d, t, 0, "big"), 0, 4294967295LL, &v) != 0);
    int a = json_get(d, t, 0, "a");
    CHECK(json_int(d, t, json_elem(t, a, 2), 0, 10, &v) == 0 && v == 3);
    CHECK(json_elem(t, a, 3) == -1);
}

static void test_frame(void) {
    uint8_t *body = malloc(MVM_MAX_FRAME_BYTES);
    frame_dec d;
    frame_init(&d, body);
    uint8_t in[64];
    frame_header(2, in);
    memcpy(in + 4, "{}", 2);
    frame_header(MVM_MAX_FRAME_BYTES + 1, in + 6);
    frame_ev ev;
    size_t used = 0;
    /* byte by byte: ready exactly at the last body byte */
    for (int i = 0; i < 6; i++) {
        used += frame_feed(&d, in + i, 1, &ev);
        CHECK(ev == (i == 5 ? FRAME_READY : FRAME_MORE));
    }
    CHECK(d.len == 2 && !memcmp(d.body, "{}", 2));
    /* oversize: reported after the header alone, then its body is skipped */
    used = frame_feed(&d, in + 6, 4, &ev);
    CHECK(ev == FRAME_TOO_BIG && used == 4 && d.len == MVM_MAX_FRAME_BYTES + 1);
    uint8_t junk[4096] = {0};
    size_t left = MVM_MAX_FRAME_BYTES + 1;
    while (left) {
        size_t k = left < sizeof junk ? left : sizeof junk;
        CHECK(frame_feed(&d, junk, k, &ev) == k && ev == FRAME_MORE);
        left -= k;
    }
    uint8_t next[8];
    frame_header(0, next);
    CHECK(frame_feed(&d, next, 4, &ev) == 4 && ev == FRAME_READY && d.len == 0);
    free(body);
}

static void test_b64(void) {
    const char *cases[][2] = {{"", ""}, {"f", "Zg=="}, {"fo", "Zm8="}, {"foo", "Zm9v"}, {"foob", "Zm9vYg=="}};
    for (size_t i = 0; i < 5; i++) {
        char enc[16] = {0};
        b64_encode(cases[i][0], strlen(cases[i][0]), enc);
        CHECK(!strcmp(enc, cases[i][1]));
        unsigned char dec[16];
        long n = b64_decode(cases[i][1], strlen(cases[i][1]), dec);
        CHECK(n == (long)strlen(cases[i][0]) && !memcmp(dec, cases[i][0], (size_t)n));
    }
    unsigned char dec[16];
    CHECK(b64_decode("Zm9v!", 5, dec) < 0);
    CHECK(b64_decode("Z", 1, dec) < 0);
}

static void test_runtime(void) {
    runtime_t rt;
    const char *ok = "{\"version\":1,\"dev\":true,\"primary\":\"f\",\"entrypoints\":{\"f\":{\"kind\":\"function\","
                     "\"language\":\"python\",\"module\":\"m\",\"function\":\"f\",\"working_dir\":\"/app\","
                     "\"params\":[{\"name\":\"x\"}],\"env\":{\"A\":\"b=c\"}}},\"ready\":{\"poll_ms\":50}}";
    runtime_parse(&rt, ok, strlen(ok));
    CHECK(rt.valid && rt.dev && rt.neps == 1 && rt.ready_poll_ms == 50 && rt.ready_timeout_ms == 30000);
    CHECK(rt.valid && !strcmp(rt.eps[0].params_json, "[{\"name\":\"x\"}]") && !strcmp(rt.eps[0].env[0], "A=b=c"));
    runtime_free(&rt);
    const char *bad = "{\"version\":1,\"primary\":\"g\",\"entrypoints\":{\"f\":{\"kind\":\"function\","
                      "\"language\":\"cobol\",\"module\":\"m\",\"function\":\"f\"}}}";
    runtime_parse(&rt, bad, strlen(bad));
    CHECK(!rt.valid && strstr(rt.error, "cobol"));
    runtime_free(&rt);
    runtime_parse(&rt, "{\"version\":2}", 13);
    CHECK(!rt.valid && strstr(rt.error, "version"));
    runtime_free(&rt);
}

static void write_alias(const char *root, const char *bus, const char *dev, const char *alias) {
    char p[512];
    snprintf(p, sizeof p, "%s/bus", root);
    mkdir(p, 0755);
    snprintf(p, sizeof p, "%s/bus/%s", root, bus);
    mkdir(p, 0755);
    snprintf(p, sizeof p, "%s/bus/%s/devices", root, bus);
    mkdir(p, 0755);
    snprintf(p, sizeof p, "%s/bus/%s/devices/%s", root, bus, dev);
    mkdir(p, 0755);
    snprintf(p, sizeof p, "%s/bus/%s/devices/%s/modalias", root, bus, dev);
    FILE *f = fopen(p, "w");
    if (!f) return;
    fprintf(f, "%s\n", alias);
    fclose(f);
}

static void test_modlist(void) {
    modline_t m;
    char l1[] = "/lib/modules/r/kernel/drivers/virtio/virtio_mmio.ko"; /* old format: always */
    CHECK(modlist_parse_line(l1, &m) == 0 && !strcmp(m.path, l1) && m.patterns == NULL);
    char l2[] = "/lib/modules/r/virtio_net.ko\tvirtio:d00000001v*,pci:v00001AF4d00001041sv*sd*bc*sc*i*";
    CHECK(modlist_parse_line(l2, &m) == 0 && !strcmp(m.path, "/lib/modules/r/virtio_net.ko"));
    CHECK(m.patterns && !strcmp(m.patterns, "virtio:d00000001v*,pci:v00001AF4d00001041sv*sd*bc*sc*i*"));
    char l3[] = "# path<TAB>patterns", l4[] = "   ", l5[] = "/x.ko\t";
    CHECK(modlist_parse_line(l3, &m) == -1);
    CHECK(modlist_parse_line(l4, &m) == -1);
    CHECK(modlist_parse_line(l5, &m) == 0 && !strcmp(m.path, "/x.ko") && m.patterns && !*m.patterns);

    static moddevs_t d;
    memset(&d, 0, sizeof d);
    CHECK(modlist_wanted(NULL, &d) && modlist_wanted("", &d)); /* always */
    CHECK(!modlist_wanted("virtio:d00000002v*", &d));           /* no devices */
    d.n = 3;
    strcpy(d.alias[0], "virtio:d00000002v00001AF4"); /* blk */
    strcpy(d.alias[1], "virtio:d00000003v00001AF4"); /* console */
    strcpy(d.alias[2], "pci:v00008086d000029C0sv00001AF4sd00001100bc06sc00i00");
    CHECK(modlist_wanted("virtio:d00000002v*", &d));
    CHECK(!modlist_wanted("virtio:d00000001v*", &d));                          /* no NIC */
    CHECK(!modlist_wanted("virtio:d00000013v*", &d));                          /* no vsock */
    CHECK(modlist_wanted("virtio:d0000000[23]v*", &d));                        /* globs */
    CHECK(modlist_wanted("virtio:d00000001v*,virtio:d00000003v*", &d));        /* any pattern */
    CHECK(!modlist_wanted("virtio:d00000001v*,", &d));                         /* empty item */
    CHECK(!modlist_wanted("pci:v00001AF4d*sv*sd*bc*sc*i*", &d));               /* only a non-virtio PCI device */
    CHECK(!modlist_wanted("virtio:d00000002", &d));                            /* whole-string match */
    strcpy(d.alias[2], "pci:v00001AF4d00001000sv00001AF4sd00000001bc02sc00i00");
    CHECK(modlist_wanted("pci:v00001AF4d*sv*sd*bc*sc*i*", &d));
    d.overflow = 1;
    CHECK(modlist_wanted("virtio:d00000099v*", &d)); /* could not see every device: load */

    char root[] = "/tmp/mvm-unit-sysfs-XXXXXX";
    if (!mkdtemp(root)) {
        CHECK(!"mkdtemp");
        return;
    }
    CHECK(modlist_scan(root, &d) == 0 && !d.overflow); /* no bus directories */
    write_alias(root, "virtio", "virtio0", "virtio:d00000002v00001AF4");
    write_alias(root, "virtio", "virtio1", "virtio:d00000001v00001AF4");
    write_alias(root, "pci", "0000:00:00.0", "pci:v00008086d000029C0sv00001AF4sd00001100bc06sc00i00");
    CHECK(modlist_scan(root, &d) == 3 && !d.overflow);
    CHECK(modlist_wanted("virtio:d00000001v*", &d) && modlist_wanted("pci:v00008086d*", &d));
    CHECK(!modlist_wanted("virtio:d00000013v*", &d));
    char cmd[600];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", root);
    CHECK(system(cmd) == 0);
}

int main(void) {
    test_modlist();
    test_json();
    test_frame();
    test_b64();
    test_runtime();
    if (failures) {
        fprintf(stderr, "%d check(s) failed\n", failures);
        return 1;
    }
    puts("unit: all checks passed");
    return 0;
}
