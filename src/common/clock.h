/* SPDX-License-Identifier: Apache-2.0 */
/* The clocks, read one way: CLOCK_MONOTONIC for intervals and ages, CLOCK_REALTIME for what is
 * shown or compared with other programs' times; and the timerfd helpers the loops use. */
#ifndef CTOPO_CLOCK_H
#define CTOPO_CLOCK_H

#include <stdint.h>

#define NSEC_PER_SEC 1000000000ull
#define NSEC_PER_MSEC 1000000ull

uint64_t clock_mono_ns(void);
uint64_t clock_mono_ms(void);
uint64_t clock_real_ns(void);
/* seconds since the epoch, with the fraction */
double clock_real_s(void);

/* Arm a one-shot timerfd delay_ns from now; 0 disarms it. */
void timerfd_arm(int fd, uint64_t delay_ns);
/* Read a fired timerfd's count so it stops being readable. */
void timerfd_drain(int fd);

#endif
