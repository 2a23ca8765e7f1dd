/* SPDX-License-Identifier: MIT */
/* The checks shared by the unit tests: count a failure and print where it happened. main()
 * returns non-zero when failures > 0 (checks counts every check, for a summary line). */
#ifndef TJ_TESTS_CHECK_H
#define TJ_TESTS_CHECK_H

#include <stdio.h>

static int failures, checks;

/* CHECK(cond, fmt, ...): on failure, the file, the line and the printf-style message. */
#define CHECK(c, ...)                                                                              \
    do {                                                                                           \
        checks++;                                                                                  \
        if (!(c)) {                                                                                \
            failures++;                                                                            \
            printf("FAIL %s:%d: ", __FILE__, __LINE__);                                            \
            printf(__VA_ARGS__);                                                                   \
            printf("\n");                                                                          \
        }                                                                                          \
    } while (0)

/* EXPECT(cond): the same, with the condition's own text as the message. */
#define EXPECT(c) CHECK(c, "%s", #c)

#endif
