/*
 * kommcert scan: the hot path. One pass over a block of log bytes finds every token that can be
 * an indicator (IPv4/IPv6 address, host name, URL, e-mail address, MD5/SHA1/SHA256) and probes a
 * compiled hash table of the indicator set; CIDR ranges are probed once per prefix length present.
 * The cost per byte does not grow with the number of indicators, which is what grep -F and
 * Aho-Corasick cannot offer. The semantics are those of kommcert/scan/engine_py.py (the reference
 * implementation; the test suite checks both give the same hits). Measured in bench/scan_bench.py.
 *
 *   table = build([(kind, key, flags), ...])   -> bytes (the compiled set; kept on disk, mmap-able)
 *   m = Matcher(table)                         -> m.scan(block) -> [(offset, entry), ...]
 */
#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <arpa/inet.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

enum { K_NAME = 1, K_IP4 = 2, K_IP6 = 3, K_URL = 4, K_EMAIL = 5, K_HASH = 6 };
#define F_SUBDOMAINS 1
#define SUFFIX_HIT 0x80000000U /* on a hit's entry: matched a label suffix, not the whole name */
#define VERSION 2
#define MAXNAME 253
#define MAXURL 4096

typedef struct {
    uint64_t hash;
    uint32_t entry, key_off, key_len;
    uint8_t kind, flags, pad[2];
} Slot;

typedef struct {
    char magic[8];
    uint32_t version, nslots, nentries, reserved;
    uint64_t keys_len, v4mask, v6mask[3];
    uint64_t bloom_len;  /* bytes; a power of two: 16 bits per slot, two bits per key */
    uint64_t v4map_len;  /* bytes: one bit per IPv4 /24 that some IPv4 indicator covers (2 MiB), or 0 */
} Header;

/* Layout: Header | Slot[nslots] | bloom[bloom_len] | v4map[v4map_len] | keys[keys_len]. The bloom filter
 * and the /24 map sit in cache; the slot table (tens of MB for a million indicators) is touched only
 * for the few tokens that pass them. */

/* character classes */
#define C_ALNUM 1
#define C_HEX 2
#define C_DIGIT 4
#define C_RUN 8    /* [A-Za-z0-9._-]: host names, hashes, dotted quads */
#define C_V6 16    /* [0-9A-Fa-f:.] */
#define C_LOCAL 32 /* e-mail local part [A-Za-z0-9._%+-] */
#define C_URLEND 64
#define C_ALPHA 128
static uint8_t cls[256];
static uint8_t stop[256];
static uint8_t lower[256];

static void init_tables(void) {
    for (int c = 0; c < 256; c++) {
        uint8_t k = 0;
        int alpha = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
        int digit = c >= '0' && c <= '9';
        int hex = digit || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
        if (alpha || digit) k |= C_ALNUM | C_RUN | C_LOCAL;
        if (alpha) k |= C_ALPHA;
        if (digit) k |= C_DIGIT;
        if (hex) k |= C_HEX | C_V6;
        if (c == '.' || c == '-' || c == '_') k |= C_RUN | C_LOCAL;
        if (c == '%' || c == '+') k |= C_LOCAL;
        if (c == ':' || c == '.') k |= C_V6;
        if (c <= 0x20 || c == 0x7f || c == '"' || c == '\'' || c == '<' || c == '>') k |= C_URLEND;
        cls[c] = k;
        /* where the main loop stops: tokens, line ends, e-mail, Windows DNS names, defanging */
        stop[c] = (k & (C_RUN | C_V6)) || c == '\n' || c == '@' || c == '(' || c == '[' || c == '{';
        lower[c] = (c >= 'A' && c <= 'Z') ? (uint8_t)(c + 32) : (uint8_t)c;
    }
}

#define FNV_PRIME 1099511628211ULL
static inline uint64_t fnv_start(int kind) { return (14695981039346656037ULL ^ (uint64_t)kind) * FNV_PRIME; }
static inline uint64_t fnv_step(uint64_t h, uint8_t c) { return (h ^ c) * FNV_PRIME; }
static inline uint64_t fnv_finish(uint64_t h) {
    h ^= h >> 33;
    h *= 0xff51afd7ed558ccdULL;
    h ^= h >> 33;
    return h ? h : 1;
}

/* Names are hashed back to front, so that every label suffix's hash falls out of one pass. */
static uint64_t key_hash(int kind, const uint8_t *key, size_t len) {
    uint64_t h = fnv_start(kind);
    if (kind == K_NAME) {
        for (size_t i = len; i > 0; i--) h = fnv_step(h, key[i - 1]);
    } else {
        for (size_t i = 0; i < len; i++) h = fnv_step(h, key[i]);
    }
    return fnv_finish(h);
}

/* ------------------------------------------------------------------ the compiled table */

typedef struct {
    PyObject_HEAD
    Py_buffer buf;
    int have_buf;
    const Slot *slots;
    const uint8_t *keys;
    const uint8_t *bloom, *v4map;
    uint64_t bloom_mask; /* in bits */
    uint32_t mask;
    int v4lens[33], nv4;
    int v6lens[129], nv6;
} Matcher;

static inline int bloom_has(const uint8_t *bloom, uint64_t mask, uint64_t h) {
    uint64_t a = (h >> 20) & mask, b = (h >> 42 | h << 22) & mask;
    return (bloom[a >> 3] >> (a & 7) & 1) && (bloom[b >> 3] >> (b & 7) & 1);
}

static inline void bloom_add(uint8_t *bloom, uint64_t mask, uint64_t h) {
    uint64_t a = (h >> 20) & mask, b = (h >> 42 | h << 22) & mask;
    bloom[a >> 3] |= (uint8_t)(1 << (a & 7));
    bloom[b >> 3] |= (uint8_t)(1 << (b & 7));
}

static inline const Slot *lookup(const Matcher *m, int kind, const uint8_t *key, size_t len, uint64_t h) {
    if (!bloom_has(m->bloom, m->bloom_mask, h)) return NULL;
    uint32_t i = (uint32_t)h & m->mask;
    for (;;) {
        const Slot *s = &m->slots[i];
        if (!s->hash) return NULL;
        if (s->hash == h && s->kind == kind && s->key_len == len && memcmp(m->keys + s->key_off, key, len) == 0)
            return s;
        i = (i + 1) & m->mask;
    }
}

static PyObject *build(PyObject *self, PyObject *args) {
    PyObject *entries;
    if (!PyArg_ParseTuple(args, "O!", &PyList_Type, &entries)) return NULL;
    Py_ssize_t n = PyList_GET_SIZE(entries);
    if (n > 0x3fffffff) return PyErr_Format(PyExc_ValueError, "too many indicators");
    uint32_t nslots = 16;
    while (nslots < (uint64_t)n * 2) nslots <<= 1;
    uint64_t keys_len = 0;
    for (Py_ssize_t i = 0; i < n; i++) {
        PyObject *t = PyList_GET_ITEM(entries, i);
        if (!PyTuple_Check(t) || PyTuple_GET_SIZE(t) != 3 || !PyBytes_Check(PyTuple_GET_ITEM(t, 1)))
            return PyErr_Format(PyExc_TypeError, "entry %zd: expected (kind, key: bytes, flags)", i);
        keys_len += (uint64_t)PyBytes_GET_SIZE(PyTuple_GET_ITEM(t, 1));
    }
    if (keys_len > 0xffffffffULL) return PyErr_Format(PyExc_ValueError, "indicator set too large");
    int any_v4 = 0;
    for (Py_ssize_t i = 0; i < n; i++) any_v4 |= PyLong_AsLong(PyTuple_GET_ITEM(PyList_GET_ITEM(entries, i), 0)) == K_IP4;
    if (PyErr_Occurred()) return NULL;
    size_t bloom_len = (size_t)nslots * 2; /* 16 bits per slot */
    size_t v4map_len = any_v4 ? (1u << 24) / 8 : 0;
    size_t head = sizeof(Header) + (size_t)nslots * sizeof(Slot) + bloom_len + v4map_len;
    size_t total = head + (size_t)keys_len;
    PyObject *out = PyBytes_FromStringAndSize(NULL, (Py_ssize_t)total);
    if (!out) return NULL;
    uint8_t *base = (uint8_t *)PyBytes_AS_STRING(out);
    memset(base, 0, head);
    Header *hdr = (Header *)base;
    Slot *slots = (Slot *)(base + sizeof(Header));
    uint8_t *bloom = base + sizeof(Header) + (size_t)nslots * sizeof(Slot);
    uint8_t *v4map = bloom + bloom_len;
    uint8_t *keys = base + head;
    hdr->bloom_len = bloom_len;
    hdr->v4map_len = v4map_len;
    memcpy(hdr->magic, "KCSCAN01", 8);
    hdr->version = VERSION;
    hdr->nslots = nslots;
    hdr->nentries = (uint32_t)n;
    hdr->keys_len = keys_len;
    uint32_t off = 0, mask = nslots - 1;
    for (Py_ssize_t i = 0; i < n; i++) {
        PyObject *t = PyList_GET_ITEM(entries, i);
        long kind = PyLong_AsLong(PyTuple_GET_ITEM(t, 0));
        long flags = PyLong_AsLong(PyTuple_GET_ITEM(t, 2));
        if (PyErr_Occurred()) { Py_DECREF(out); return NULL; }
        const uint8_t *key = (const uint8_t *)PyBytes_AS_STRING(PyTuple_GET_ITEM(t, 1));
        size_t len = (size_t)PyBytes_GET_SIZE(PyTuple_GET_ITEM(t, 1));
        if (kind < K_NAME || kind > K_HASH || len == 0 || len > MAXURL ||
            (kind == K_IP4 && (len != 5 || key[0] > 32)) || (kind == K_IP6 && (len != 17 || key[0] > 128))) {
            Py_DECREF(out);
            return PyErr_Format(PyExc_ValueError, "entry %zd: bad key", i);
        }
        if (kind == K_IP4) {
            hdr->v4mask |= 1ULL << key[0];
            uint32_t net = (uint32_t)key[1] << 24 | (uint32_t)key[2] << 16 | (uint32_t)key[3] << 8 | key[4];
            uint64_t first = net >> 8, count = key[0] >= 24 ? 1 : 1ULL << (24 - key[0]);
            for (uint64_t b = first; b < first + count; b++) v4map[b >> 3] |= (uint8_t)(1 << (b & 7));
        }
        if (kind == K_IP6) hdr->v6mask[key[0] / 64] |= 1ULL << (key[0] % 64);
        uint64_t h = key_hash((int)kind, key, len);
        bloom_add(bloom, (uint64_t)bloom_len * 8 - 1, h);
        uint32_t j = (uint32_t)h & mask;
        while (slots[j].hash) {
            if (slots[j].hash == h && slots[j].kind == kind && slots[j].key_len == len &&
                memcmp(keys + slots[j].key_off, key, len) == 0) {
                Py_DECREF(out);
                return PyErr_Format(PyExc_ValueError, "entry %zd: duplicate key", i);
            }
            j = (j + 1) & mask;
        }
        memcpy(keys + off, key, len);
        slots[j].hash = h;
        slots[j].entry = (uint32_t)i;
        slots[j].key_off = off;
        slots[j].key_len = (uint32_t)len;
        slots[j].kind = (uint8_t)kind;
        slots[j].flags = (uint8_t)flags;
        off += (uint32_t)len;
    }
    return out;
}

static int Matcher_init(Matcher *self, PyObject *args, PyObject *kw) {
    PyObject *obj;
    if (!PyArg_ParseTuple(args, "O", &obj)) return -1;
    if (PyObject_GetBuffer(obj, &self->buf, PyBUF_SIMPLE) < 0) return -1;
    self->have_buf = 1;
    const uint8_t *base = self->buf.buf;
    size_t size = (size_t)self->buf.len;
    const Header *hdr = (const Header *)base;
    if (size < sizeof(Header) || memcmp(hdr->magic, "KCSCAN01", 8) != 0 || hdr->version != VERSION ||
        hdr->nslots == 0 || (hdr->nslots & (hdr->nslots - 1)) != 0 ||
        hdr->bloom_len != (uint64_t)hdr->nslots * 2 || (hdr->v4map_len != 0 && hdr->v4map_len != (1u << 24) / 8) ||
        size != sizeof(Header) + (size_t)hdr->nslots * sizeof(Slot) + hdr->bloom_len + hdr->v4map_len +
                    hdr->keys_len) {
        PyErr_SetString(PyExc_ValueError, "not a compiled kommcert indicator set");
        return -1;
    }
    self->slots = (const Slot *)(base + sizeof(Header));
    self->bloom = base + sizeof(Header) + (size_t)hdr->nslots * sizeof(Slot);
    self->bloom_mask = hdr->bloom_len * 8 - 1;
    self->v4map = hdr->v4map_len ? self->bloom + hdr->bloom_len : NULL;
    self->keys = self->bloom + hdr->bloom_len + hdr->v4map_len;
    self->mask = hdr->nslots - 1;
    self->nv4 = self->nv6 = 0;
    for (int p = 32; p >= 0; p--)
        if (hdr->v4mask & (1ULL << p)) self->v4lens[self->nv4++] = p;
    for (int p = 128; p >= 0; p--)
        if (hdr->v6mask[p / 64] & (1ULL << (p % 64))) self->v6lens[self->nv6++] = p;
    return 0;
}

static void Matcher_dealloc(Matcher *self) {
    if (self->have_buf) PyBuffer_Release(&self->buf);
    Py_TYPE(self)->tp_free((PyObject *)self);
}

/* ------------------------------------------------------------------ the scanner */

typedef struct {
    Py_ssize_t pos, line;
    uint32_t entry;
} Hit;

typedef struct {
    const Matcher *m;
    Hit *hits;
    size_t nhits, cap;
    Py_ssize_t line;       /* newlines seen so far in the block (the line a hit is on) */
    Py_ssize_t *comments;  /* (line, offset) pairs of lines that start with '#' (Zeek/Exchange headers) */
    size_t ncomments, comments_cap;
    int oom;
    uint8_t nb[MAXNAME + 2];
    uint8_t ub[MAXURL + 16];
    uint8_t *line_buf; /* refanged copy of a defanged line */
    size_t line_cap;
} Scan;

static void add_hit(Scan *S, Py_ssize_t pos, uint32_t entry) {
    if (S->nhits == S->cap) {
        size_t cap = S->cap ? S->cap * 2 : 256;
        Hit *h = realloc(S->hits, cap * sizeof(Hit));
        if (!h) { S->oom = 1; return; }
        S->hits = h;
        S->cap = cap;
    }
    S->hits[S->nhits].pos = pos;
    S->hits[S->nhits].line = S->line;
    S->hits[S->nhits].entry = entry;
    S->nhits++;
}

static void add_comment(Scan *S, Py_ssize_t line, Py_ssize_t pos) {
    if (S->ncomments + 2 > S->comments_cap) {
        if (S->comments_cap >= 20000) return; /* a comment-heavy file: keep the first 10,000 */
        size_t cap = S->comments_cap ? S->comments_cap * 2 : 64;
        Py_ssize_t *c = realloc(S->comments, cap * sizeof(Py_ssize_t));
        if (!c) { S->oom = 1; return; }
        S->comments = c;
        S->comments_cap = cap;
    }
    S->comments[S->ncomments++] = line;
    S->comments[S->ncomments++] = pos;
}

static void probe(Scan *S, Py_ssize_t pos, int kind, const uint8_t *key, size_t len) {
    const Slot *s = lookup(S->m, kind, key, len, key_hash(kind, key, len));
    if (s) add_hit(S, pos, s->entry);
}

static void probe_ip4(Scan *S, Py_ssize_t pos, uint32_t ip) {
    uint8_t key[5];
    const uint8_t *map = S->m->v4map;
    if (!map || !(map[ip >> 11] >> ((ip >> 8) & 7) & 1)) return; /* no IPv4 indicator covers this /24 */
    for (int k = 0; k < S->m->nv4; k++) {
        int p = S->m->v4lens[k];
        uint32_t net = p ? ip & (0xffffffffU << (32 - p)) : 0;
        key[0] = (uint8_t)p;
        key[1] = net >> 24; key[2] = (net >> 16) & 255; key[3] = (net >> 8) & 255; key[4] = net & 255;
        probe(S, pos, K_IP4, key, 5);
    }
}

static void probe_ip6(Scan *S, Py_ssize_t pos, const uint8_t *addr) {
    uint8_t key[17];
    for (int k = 0; k < S->m->nv6; k++) {
        int p = S->m->v6lens[k];
        key[0] = (uint8_t)p;
        for (int b = 0; b < 16; b++) {
            int bits = p - b * 8;
            key[1 + b] = bits >= 8 ? addr[b] : bits <= 0 ? 0 : (uint8_t)(addr[b] & (0xff << (8 - bits)));
        }
        probe(S, pos, K_IP6, key, 17);
    }
}

/* A lower-cased name with at least one dot: the whole name (any indicator), then every label
 * suffix (only domain indicators, which cover their subdomains). */
static void probe_name(Scan *S, Py_ssize_t pos, const uint8_t *nb, size_t len) {
    uint64_t h = fnv_start(K_NAME);
    for (size_t j = len; j > 0; j--) {
        if (nb[j - 1] == '.' && j < len) {
            const Slot *s = lookup(S->m, K_NAME, nb + j, len - j, fnv_finish(h));
            if (s && (s->flags & F_SUBDOMAINS)) add_hit(S, pos, s->entry | SUFFIX_HIT);
        }
        h = fnv_step(h, nb[j - 1]);
    }
    const Slot *s = lookup(S->m, K_NAME, nb, len, fnv_finish(h));
    if (s) add_hit(S, pos, s->entry);
}

static int parse_quad(const uint8_t *p, size_t n, uint32_t *out) {
    uint32_t ip = 0;
    size_t i = 0;
    for (int part = 0; part < 4; part++) {
        if (part) {
            if (i >= n || p[i] != '.') return 0;
            i++;
        }
        size_t start = i;
        uint32_t v = 0;
        while (i < n && (cls[p[i]] & C_DIGIT) && i - start < 3) v = v * 10 + (p[i++] - '0');
        if (i == start || v > 255) return 0;
        ip = (ip << 8) | v;
    }
    if (i != n) return 0;
    *out = ip;
    return 1;
}

/* A maximal run of [A-Za-z0-9._-] between d[s] and d[e]. */
static void handle_run(Scan *S, const uint8_t *d, size_t s, size_t e, Py_ssize_t pos) {
    if (e - s >= 32) { /* hashes: maximal alphanumeric sub-runs of 32, 40 or 64 hex digits */
        size_t x = s;
        while (x < e) {
            while (x < e && !(cls[d[x]] & C_ALNUM)) x++;
            size_t y = x;
            int hex = 1;
            while (y < e && (cls[d[y]] & C_ALNUM)) { hex &= (cls[d[y]] & C_HEX) != 0; y++; }
            size_t len = y - x;
            if (hex && (len == 32 || len == 40 || len == 64)) {
                for (size_t k = 0; k < len; k++) S->nb[k] = lower[d[x + k]];
                probe(S, pos < 0 ? (Py_ssize_t)x : pos, K_HASH, S->nb, len);
            }
            x = y;
        }
    }
    size_t a = s, b = e;
    while (a < b && (d[a] == '.' || d[a] == '-')) a++;
    while (b > a && (d[b - 1] == '.' || d[b - 1] == '-')) b--;
    if (b - a < 3 || !memchr(d + a, '.', b - a)) return; /* most runs: words and numbers */
    Py_ssize_t at = pos < 0 ? (Py_ssize_t)a : pos;
    uint32_t ip;
    if ((cls[d[a]] & C_DIGIT) && b - a <= 15 && parse_quad(d + a, b - a, &ip)) {
        probe_ip4(S, at, ip);
        return;
    }
    if (b - a > MAXNAME) return;
    size_t last = b; /* start of the last label */
    while (d[last - 1] != '.') last--;
    int numeric = 1; /* no top-level domain is all digits: version numbers, times */
    for (size_t k = last; k < b; k++) numeric &= (cls[d[k]] & C_DIGIT) != 0;
    if (numeric) return;
    for (size_t k = a; k < b; k++) S->nb[k - a] = lower[d[k]];
    probe_name(S, at, S->nb, b - a);
}

/* At a ':' : the run of [0-9A-Fa-f:.] around it, if it parses as IPv6. Returns where the run ends. */
static size_t handle_v6(Scan *S, const uint8_t *d, size_t i, size_t n, Py_ssize_t pos) {
    size_t s = i, e = i;
    while (s > 0 && (cls[d[s - 1]] & C_V6)) s--;
    while (e < n && (cls[d[e]] & C_V6)) e++;
    if ((s > 0 && ((cls[d[s - 1]] & C_ALNUM) || d[s - 1] == '_')) || (e < n && ((cls[d[e]] & C_ALNUM) || d[e] == '_')))
        return e;
    size_t b = e;
    while (b > s && d[b - 1] == '.') b--;
    if (b - s < 2 || b - s > 45) return e;
    int colons = 0;
    for (size_t k = s; k < b; k++) colons += d[k] == ':';
    if (colons < 2) return e;
    char buf[48];
    memcpy(buf, d + s, b - s);
    buf[b - s] = 0;
    uint8_t addr[16];
    if (inet_pton(AF_INET6, buf, addr) == 1) probe_ip6(S, pos < 0 ? (Py_ssize_t)s : pos, addr);
    return e;
}

static void handle_email(Scan *S, const uint8_t *d, size_t i, size_t n, Py_ssize_t pos) {
    size_t s = i, e = i + 1;
    while (s > 0 && (cls[d[s - 1]] & C_LOCAL) && i - s < 64) s--;
    while (e < n && (cls[d[e]] & C_RUN)) e++;
    while (e > i + 1 && (d[e - 1] == '.' || d[e - 1] == '-')) e--;
    if (s == i || e == i + 1 || e - s > MAXNAME) return;
    for (size_t k = s; k < e; k++) S->nb[k - s] = lower[d[k]];
    probe(S, pos < 0 ? (Py_ssize_t)s : pos, K_EMAIL, S->nb, e - s);
}

static int scheme_of(const uint8_t *p, size_t n, const char **out) {
    char sch[8];
    if (n < 3 || n > 5) return 0;
    for (size_t k = 0; k < n; k++) sch[k] = (char)lower[p[k]];
    sch[n] = 0;
    if (!strcmp(sch, "http") || !strcmp(sch, "hxxp")) *out = "http";
    else if (!strcmp(sch, "https") || !strcmp(sch, "hxxps")) *out = "https";
    else if (!strcmp(sch, "ftp") || !strcmp(sch, "fxp")) *out = "ftp";
    else return 0;
    return 1;
}

/* At "://" (d[i] == ':'): normalise scheme, host and port, path; probe with and without query. */
static void handle_url(Scan *S, const uint8_t *d, size_t i, size_t n, Py_ssize_t pos) {
    size_t k = i;
    while (k > 0 && (cls[d[k - 1]] & C_ALPHA) && i - k < 6) k--;
    if (k > 0 && (cls[d[k - 1]] & C_ALNUM)) return;
    const char *scheme;
    if (!scheme_of(d + k, i - k, &scheme)) return;
    size_t a = i + 3, e = a;
    while (e < n && !(cls[d[e]] & C_URLEND)) e++;
    size_t ae = a;
    while (ae < e && d[ae] != '/' && d[ae] != '?' && d[ae] != '#') ae++;
    if (ae == a || e - k > MAXURL) return;
    uint8_t *u = S->ub;
    size_t len = strlen(scheme);
    memcpy(u, scheme, len);
    memcpy(u + len, "://", 3);
    len += 3;
    size_t host = a;
    for (size_t x = a; x < ae; x++)
        if (d[x] == '@') host = x + 1;
    for (size_t x = a; x < host; x++) u[len++] = d[x];
    size_t hs = len;
    for (size_t x = host; x < ae; x++) u[len++] = lower[d[x]];
    const char *dflt = scheme[0] == 'f' ? ":21" : scheme[4] == 's' ? ":443" : ":80";
    size_t dl = strlen(dflt);
    if (len - hs > dl && memcmp(u + len - dl, dflt, dl) == 0) len -= dl;
    size_t pe = ae;
    while (pe < e && d[pe] != '?' && d[pe] != '#') pe++;
    if (pe == ae) {
        u[len++] = '/';
    } else {
        size_t plen = pe - ae;
        if (plen > 1 && d[pe - 1] == '/') plen--;
        memcpy(u + len, d + ae, plen);
        len += plen;
    }
    Py_ssize_t at = pos < 0 ? (Py_ssize_t)k : pos;
    probe(S, at, K_URL, u, len);
    if (pe < e && d[pe] == '?') {
        size_t qe = pe;
        while (qe < e && d[qe] != '#') qe++;
        memcpy(u + len, d + pe, qe - pe);
        probe(S, at, K_URL, u, len + (qe - pe));
    }
}

/* Windows DNS debug log: (4)evil(7)example(0) */
static void handle_windns(Scan *S, const uint8_t *d, size_t i, size_t n, Py_ssize_t pos) {
    size_t x = i, len = 0;
    int labels = 0;
    for (;;) {
        if (x >= n || d[x] != '(') return;
        x++;
        size_t v = 0, ds = x;
        while (x < n && (cls[d[x]] & C_DIGIT) && x - ds < 3) v = v * 10 + (d[x++] - '0');
        if (x == ds || x >= n || d[x] != ')') return;
        x++;
        if (v == 0) break;
        if (x + v > n || len + (labels ? 1 : 0) + v > MAXNAME) return;
        if (labels) S->nb[len++] = '.';
        for (size_t k = 0; k < v; k++) {
            uint8_t c = d[x + k];
            if (!(cls[c] & C_RUN) || c == '.') return;
            S->nb[len++] = lower[c];
        }
        x += v;
        labels++;
    }
    if (labels >= 2) probe_name(S, pos < 0 ? (Py_ssize_t)i : pos, S->nb, len);
}

/* Defanging markers: [.] (.) {.} [dot] (dot) {dot} -> '.', [:] -> ':', [://] -> '://', [@] (@) [at] (at) -> '@'.
 * Returns the marker's length and its replacement, or 0. */
static size_t defang_marker(const uint8_t *p, size_t n, const char **repl) {
    if (n < 3) return 0;
    uint8_t close = p[0] == '[' ? ']' : p[0] == '(' ? ')' : p[0] == '{' ? '}' : 0;
    if (!close) return 0;
    if (p[1] == '.' && p[2] == close) { *repl = "."; return 3; }
    if (p[1] == '@' && p[2] == close) { *repl = "@"; return 3; }
    if (p[0] == '[' && p[1] == ':' && p[2] == ']') { *repl = ":"; return 3; }
    if (n >= 5 && p[0] == '[' && p[1] == ':' && p[2] == '/' && p[3] == '/' && p[4] == ']') { *repl = "://"; return 5; }
    if (n >= 4 && lower[p[1]] == 'a' && lower[p[2]] == 't' && p[3] == close) { *repl = "@"; return 4; }
    if (n >= 5 && lower[p[1]] == 'd' && lower[p[2]] == 'o' && lower[p[3]] == 't' && p[4] == close) {
        *repl = ".";
        return 5;
    }
    return 0;
}

static void scan_buf(Scan *S, const uint8_t *d, size_t n, Py_ssize_t pos, int refang);

static void rescan_refanged(Scan *S, const uint8_t *d, size_t s, size_t e, Py_ssize_t pos) {
    if (e - s > S->line_cap) {
        uint8_t *p = realloc(S->line_buf, e - s);
        if (!p) { S->oom = 1; return; }
        S->line_buf = p;
        S->line_cap = e - s;
    }
    size_t len = 0;
    for (size_t x = s; x < e;) {
        const char *repl;
        size_t m = defang_marker(d + x, e - x, &repl);
        if (m) {
            size_t rl = strlen(repl);
            memcpy(S->line_buf + len, repl, rl);
            len += rl;
            x += m;
        } else {
            S->line_buf[len++] = d[x++];
        }
    }
    scan_buf(S, S->line_buf, len, pos, 0);
}

/* pos < 0: report each token's own offset; else report pos for every hit (a refanged line copy). */
static void scan_buf(Scan *S, const uint8_t *d, size_t n, Py_ssize_t pos, int refang) {
    size_t i = 0, line_start = 0, v6_done = 0;
    int defanged = 0;
    while (i < n) {
        while (i < n && !stop[d[i]]) i++; /* spaces, quotes, '=' … start nothing */
        if (i >= n) break;
        uint8_t c = d[i];
        uint8_t k = cls[c];
        if (k & C_ALNUM || c == '_' || c == '-') {
            size_t s = i;
            while (i < n && (cls[d[i]] & C_RUN)) i++;
            handle_run(S, d, s, i, pos);
            continue;
        }
        switch (c) {
        case '\n':
            if (defanged) rescan_refanged(S, d, line_start, i, pos < 0 ? (Py_ssize_t)line_start : pos);
            defanged = 0;
            line_start = i + 1;
            if (refang) { /* the top level: count lines, note comment lines */
                S->line++;
                if (i + 1 < n && d[i + 1] == '#') add_comment(S, S->line, (Py_ssize_t)i + 1);
            }
            break;
        case ':':
            if (i + 2 < n && d[i + 1] == '/' && d[i + 2] == '/') handle_url(S, d, i, n, pos);
            if (i >= v6_done) v6_done = handle_v6(S, d, i, n, pos);
            break;
        case '@':
            handle_email(S, d, i, n, pos);
            break;
        case '(':
        case '[':
        case '{':
            /* only where a name starts: (4)evil(7)example(0), not at its inner labels */
            if (c == '(' && i + 1 < n && (cls[d[i + 1]] & C_DIGIT) && (i == 0 || !(cls[d[i - 1]] & C_RUN)))
                handle_windns(S, d, i, n, pos);
            if (refang && !defanged) {
                const char *repl;
                defanged = defang_marker(d + i, n - i, &repl) != 0;
            }
            break;
        default:
            break;
        }
        i++;
    }
    if (defanged) rescan_refanged(S, d, line_start, n, pos < 0 ? (Py_ssize_t)line_start : pos);
}

/* Scan a buffer object without the GIL; S holds the hits, comment lines and line count afterwards.
 * Returns -1 with a Python error set (not a buffer, out of memory); S is freed by free_scan() either way. */
static int run_scan(Matcher *self, PyObject *arg, Scan *S) {
    Py_buffer data;
    memset(S, 0, sizeof *S);
    S->m = self;
    if (PyObject_GetBuffer(arg, &data, PyBUF_SIMPLE) < 0) return -1;
    const uint8_t *d = data.buf;
    Py_BEGIN_ALLOW_THREADS
    if (data.len > 0 && d[0] == '#') add_comment(S, 0, 0);
    scan_buf(S, d, (size_t)data.len, -1, 1);
    Py_END_ALLOW_THREADS
    PyBuffer_Release(&data);
    if (S->oom) {
        PyErr_NoMemory();
        return -1;
    }
    return 0;
}

static void free_scan(Scan *S) {
    free(S->hits);
    free(S->comments);
    free(S->line_buf);
}

/* scan_lines(block) -> (newlines, [(line, offset, entry), ...], [(line, offset) of lines starting with '#']) */
static PyObject *Matcher_scan_lines(Matcher *self, PyObject *arg) {
    Scan S;
    PyObject *hits = NULL, *comments = NULL, *out = NULL;
    if (run_scan(self, arg, &S) < 0) goto done;
    hits = PyList_New((Py_ssize_t)S.nhits);
    for (size_t j = 0; hits && j < S.nhits; j++) {
        PyObject *t = Py_BuildValue("(nnI)", S.hits[j].line, S.hits[j].pos, S.hits[j].entry);
        if (!t) { Py_CLEAR(hits); break; }
        PyList_SET_ITEM(hits, (Py_ssize_t)j, t);
    }
    comments = hits ? PyList_New((Py_ssize_t)(S.ncomments / 2)) : NULL;
    for (size_t j = 0; comments && j < S.ncomments / 2; j++) {
        PyObject *t = Py_BuildValue("(nn)", S.comments[2 * j], S.comments[2 * j + 1]);
        if (!t) { Py_CLEAR(comments); break; }
        PyList_SET_ITEM(comments, (Py_ssize_t)j, t);
    }
    if (hits && comments) out = Py_BuildValue("(nOO)", S.line, hits, comments);
done:
    Py_XDECREF(hits);
    Py_XDECREF(comments);
    free_scan(&S);
    return out;
}

/* scan(block) -> [(offset, entry), ...] */
static PyObject *Matcher_scan(Matcher *self, PyObject *arg) {
    Scan S;
    PyObject *out = NULL;
    if (run_scan(self, arg, &S) == 0) {
        out = PyList_New((Py_ssize_t)S.nhits);
        for (size_t j = 0; out && j < S.nhits; j++) {
            PyObject *t = Py_BuildValue("(nI)", S.hits[j].pos, S.hits[j].entry);
            if (!t) { Py_CLEAR(out); break; }
            PyList_SET_ITEM(out, (Py_ssize_t)j, t);
        }
    }
    free_scan(&S);
    return out;
}

static PyObject *Matcher_hash(PyObject *cls_, PyObject *args) {
    int kind;
    const char *key;
    Py_ssize_t len;
    if (!PyArg_ParseTuple(args, "iy#", &kind, &key, &len)) return NULL;
    return PyLong_FromUnsignedLongLong(key_hash(kind, (const uint8_t *)key, (size_t)len));
}

static PyMethodDef Matcher_methods[] = {
    {"scan", (PyCFunction)Matcher_scan, METH_O, "scan(block) -> [(offset, entry), ...]"},
    {"scan_lines", (PyCFunction)Matcher_scan_lines, METH_O,
     "scan_lines(block) -> (newlines, [(line, offset, entry)], [(line, offset) of '#' lines])"},
    {NULL}};

static PyTypeObject MatcherType = {
    PyVarObject_HEAD_INIT(NULL, 0).tp_name = "kommcert.scan._fastscan.Matcher",
    .tp_basicsize = sizeof(Matcher),
    .tp_flags = Py_TPFLAGS_DEFAULT,
    .tp_new = PyType_GenericNew,
    .tp_init = (initproc)Matcher_init,
    .tp_dealloc = (destructor)Matcher_dealloc,
    .tp_methods = Matcher_methods,
    .tp_doc = "A compiled indicator set (from build()) that scans blocks of log bytes.",
};

static PyMethodDef module_methods[] = {
    {"build", build, METH_VARARGS, "build([(kind, key, flags), ...]) -> bytes"},
    {"key_hash", Matcher_hash, METH_VARARGS, "key_hash(kind, key) -> int (for tests)"},
    {NULL}};

static struct PyModuleDef moduledef = {PyModuleDef_HEAD_INIT, "_fastscan", NULL, -1, module_methods};

PyMODINIT_FUNC PyInit__fastscan(void) {
    init_tables();
    if (PyType_Ready(&MatcherType) < 0) return NULL;
    PyObject *m = PyModule_Create(&moduledef);
    if (!m) return NULL;
    Py_INCREF(&MatcherType);
    if (PyModule_AddObject(m, "Matcher", (PyObject *)&MatcherType) < 0) return NULL;
    PyModule_AddIntConstant(m, "VERSION", VERSION);
    return m;
}
