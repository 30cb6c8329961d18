/* libFuzzer target: the record decoders of record.h on arbitrary bytes, as a hostile store
 * file can hold them. What decodes is encoded and decoded again: the second encoding
 * equals the first (the first may differ from the input: strings cut at a NUL, bytes
 * left over at the end). */
#include "record.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

/* Not assert(): the invariants must hold in every build, NDEBUG or not. */
#define REQUIRE(cond)                                                                              \
	do {                                                                                       \
		if (!(cond))                                                                       \
			abort();                                                                   \
	} while (0)

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static struct record_reader reader(const void *p, size_t len)
{
	struct record_reader r = {p, len, false};
	return r;
}

/* Decodes (kind, bytes), then encodes what it got; false when it does not decode. */
enum kind { CORE, ANY, LABELS, EXTENSIONS, NAMESPACE, EVENT, NKINDS };

static bool decode_encode(enum kind kind, const void *p, size_t len, struct strbuf *out)
{
	struct record_reader r = reader(p, len);
	bool ok = false;
	switch (kind) {
	case CORE: {
		ctrfs_container c = {0};
		ok = record_get_core(&r, &c);
		if (ok) {
			/* what the decoder promises its callers (ctr_load, check) */
			REQUIRE(c.image && c.runtime_name && c.snapshot_key && c.snapshotter &&
				c.sandbox_id);
			REQUIRE(!c.has_runtime_options ||
				(c.runtime_options.type_url && c.runtime_options.value));
			record_put_core(out, &c);
		}
		ctrfs_container_clear(&c);
		break;
	}
	case ANY: {
		ctrfs_any a;
		ok = record_get_any(&r, &a);
		if (ok) {
			REQUIRE(a.type_url && a.value && a.value[a.value_len] == '\0');
			record_put_any(out, &a);
		} else {
			REQUIRE(!a.type_url && !a.value);
		}
		ctrfs_any_clear(&a);
		break;
	}
	case LABELS:
	case NAMESPACE: {
		uint8_t version = 0;
		ctrfs_time t = {0, 0};
		if (kind == NAMESPACE) {
			version = record_get_u8(&r);
			t = record_get_time(&r);
		}
		ctrfs_labels l;
		ok = record_get_labels(&r, &l);
		if (ok) {
			for (size_t i = 0; i < l.count; i++)
				REQUIRE(l.items[i].key && l.items[i].value);
			if (kind == NAMESPACE) {
				record_put_u8(out, version);
				record_put_time(out, t);
			}
			record_put_labels(out, &l);
		} else {
			REQUIRE(!l.count && !l.items);
		}
		ctrfs_labels_clear(&l);
		break;
	}
	case EXTENSIONS: {
		ctrfs_extensions e;
		ok = record_get_extensions(&r, &e);
		if (ok) {
			for (size_t i = 0; i < e.count; i++)
				REQUIRE(e.items[i].name && e.items[i].any.type_url &&
					e.items[i].any.value);
			record_put_extensions(out, &e);
		} else {
			REQUIRE(!e.count && !e.items);
		}
		ctrfs_extensions_clear(&e);
		break;
	}
	case EVENT: {
		/* events.c's layout: time, namespace, topic, payload */
		ctrfs_time t = record_get_time(&r);
		char *s[3];
		for (int i = 0; i < 3; i++)
			s[i] = record_get_str(&r);
		ok = !r.bad;
		if (ok) {
			record_put_time(out, t);
			for (int i = 0; i < 3; i++)
				record_put_str(out, s[i]);
		}
		for (int i = 0; i < 3; i++)
			free(s[i]);
		break;
	}
	default:
		break;
	}
	if (r.bad)
		REQUIRE(r.left <= len);
	else
		REQUIRE(r.left <= len && r.p == (const unsigned char *)p + (len - r.left));
	REQUIRE(!out->oom);
	return ok;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	for (int kind = 0; kind < NKINDS; kind++) {
		struct strbuf once = STRBUF_INIT, twice = STRBUF_INIT;
		if (decode_encode(kind, data, size, &once)) {
			REQUIRE(decode_encode(kind, once.buf ? once.buf : "", once.len, &twice));
			REQUIRE(once.len == twice.len &&
				memcmp(once.buf, twice.buf, once.len) == 0);
		}
		strbuf_release(&once);
		strbuf_release(&twice);
	}
	return 0;
}
