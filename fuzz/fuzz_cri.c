/* libFuzzer target: the CRI plugin's metadata extensions and status files (store/cri.c)
 * on arbitrary bytes. The first byte picks the decoder, the rest is the document. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "ctrfs_store.h"

/* Not assert(): the invariants must hold in every build, NDEBUG or not. */
#define REQUIRE(cond)                                                                              \
	do {                                                                                       \
		if (!(cond))                                                                       \
			abort();                                                                   \
	} while (0)

static void metadata(const char *ext, const uint8_t *data, size_t size)
{
	ctrfs_cri cri;
	ctrfs_error err = {0};
	ctrfs_code code = ctrfs_cri_decode_metadata(ext, data, size, &cri, &err);
	if (code) {
		REQUIRE(cri.kind == CTRFS_CRI_NONE && cri.id == NULL && cri.config == NULL);
		REQUIRE(err.text[0] != '\0' && memchr(err.text, '\0', sizeof(err.text)));
		return;
	}
	/* a decoded record: every string present, the config pretty-prints as JSON */
	REQUIRE(cri.kind != CTRFS_CRI_NONE);
	const char *all[] = {
	    cri.id,	  cri.name,	   cri.unique_name,	cri.pod_namespace, cri.pod_name,
	    cri.pod_uid,  cri.config,	   cri.sandbox_id,	cri.image,	   cri.image_ref,
	    cri.log_path, cri.stop_signal, cri.runtime_handler, cri.netns_path,	   cri.ip};
	for (size_t i = 0; i < sizeof(all) / sizeof(all[0]); i++)
		REQUIRE(all[i] != NULL);
	char *pretty;
	size_t len;
	REQUIRE(ctrfs_cri_config_pretty(&cri, &pretty, &len, &err) == CTRFS_OK);
	REQUIRE(len > 0 && pretty[len - 1] == '\n' && strlen(pretty) == len);
	free(pretty);
	ctrfs_cri_clear(&cri);
}

static void status(const uint8_t *data, size_t size)
{
	ctrfs_cri_status st;
	ctrfs_error err = {0};
	if (ctrfs_cri_status_decode(data, size, &st, &err)) {
		REQUIRE(st.reason == NULL && st.message == NULL);
		REQUIRE(err.text[0] != '\0');
		return;
	}
	REQUIRE(st.reason && st.message);
	/* CRI's rules: the state follows the times; an exit always has a reason */
	REQUIRE((st.state == CTRFS_CRI_STATE_EXITED) == (st.finished_at != 0));
	if (st.state == CTRFS_CRI_STATE_EXITED)
		REQUIRE(st.reason[0] != '\0');
	REQUIRE(strcmp(ctrfs_cri_state_name(st.state), "") != 0);
	ctrfs_cri_status_clear(&st);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 1)
		return 0;
	switch (data[0] % 3) {
	case 0:
		metadata(CTRFS_CRI_SANDBOX_EXTENSION, data + 1, size - 1);
		break;
	case 1:
		metadata(CTRFS_CRI_CONTAINER_EXTENSION, data + 1, size - 1);
		break;
	default:
		status(data + 1, size - 1);
		break;
	}
	return 0;
}
