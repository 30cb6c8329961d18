/* Import documents: parsing apart from writing (the fuzzer drives the parser alone). */
#ifndef CTRFS_IMPORT_DOC_H
#define CTRFS_IMPORT_DOC_H

#include "ctrfs_store.h"

/* Parses an export document or one `ctr containers info` object (into default_ns). */
ctrfs_code import_doc_parse(const char *text, size_t len, const char *default_ns,
			    ctrfs_import_namespace **nss, size_t *n, ctrfs_error *err);

#endif
