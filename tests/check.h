/* The CHECK macro shared by the unit tests that need nothing more: count a failure and print
 * where it happened with a printf-style message. main() returns non-zero when failures > 0. */
#ifndef TJ_TESTS_CHECK_H
#define TJ_TESTS_CHECK_H

#include <stdio.h>

static int failures;
#define CHECK(c, ...)                                                                              \
    do {                                                                                           \
        if (!(c)) {                                                                                \
            failures++;                                                                            \
            printf("FAIL %s:%d: ", __FILE__, __LINE__);                                            \
            printf(__VA_ARGS__);                                                                   \
            printf("\n");                                                                          \
        }                                                                                          \
    } while (0)

#endif
