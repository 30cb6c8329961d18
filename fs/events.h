/* MOUNT/.events: the store's change log as a stream of JSON lines (see events.c). */
#ifndef CTRFS_FS_EVENTS_H
#define CTRFS_FS_EVENTS_H

#include "ctrfs.h"

void events_open(fuse_req_t req, struct fuse_file_info *fi);
void events_read(fuse_req_t req, size_t size, off_t off, struct fuse_file_info *fi);
/* st_size of .events when the newest event is `last_seq`: never 0, and growing with
 * each event by more than its line (see events.c: what tail -f needs). */
uint64_t events_size(uint64_t last_seq);
void events_poll(fuse_req_t req, struct fuse_file_info *fi, struct fuse_pollhandle *ph);
void events_release(fuse_req_t req, struct fuse_file_info *fi);

/* From the notifier: its wake-up (async-signal-safe), called when a waiting read is
 * interrupted or more pollers wait than one round serves. */
void events_start(void (*wake)(void));
/* From the notifier thread, after each wakeup: answers the reads that wait for events
 * that came (and those interrupted), and wakes pollers. `last` is the newest seq. */
void events_service(uint64_t last);
/* At unmount: every waiting read gets the end of the stream. */
void events_shutdown(void);

#endif
