/* Helpers shared by the C tests: cmocka plus reading files, locating test
 * data, and asserting an rr_status_t with its message. */
#ifndef RR_TESTUTIL_H
#define RR_TESTUTIL_H

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
/* cmocka needs the includes above first. */
#include <cmocka.h>

#include "base/status.h"

/* Fails the test with the error message when st != RR_OK. */
#define assert_rr_ok(st, err)                                                            \
    do {                                                                                 \
        rr_status_t st_ = (st);                                                          \
        if (st_ != RR_OK) fail_msg("status %s: %s", rr_status_str(st_), (err)->msg);     \
    } while (0)

/* Reads a whole file (gzip-decompressed when the name ends in .gz) into a
 * malloc'ed buffer with a NUL appended. NULL when it cannot be read. */
uint8_t *rr_test_read_file(const char *path, size_t *len);

/* Directory of the shared test corpora, or NULL (then tests skip with a message). */
const char *rr_test_data_dir(void);

#endif
