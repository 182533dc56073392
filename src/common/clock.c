/* SPDX-License-Identifier: Apache-2.0 */
#include "common/clock.h"

#include <errno.h>
#include <sys/timerfd.h>
#include <time.h>
#include <unistd.h>

#include "common/log.h"

static uint64_t read_ns(clockid_t clock)
{
	struct timespec ts;

	clock_gettime(clock, &ts);
	return (uint64_t)ts.tv_sec * NSEC_PER_SEC + (uint64_t)ts.tv_nsec;
}

uint64_t clock_mono_ns(void)
{
	return read_ns(CLOCK_MONOTONIC);
}

uint64_t clock_mono_ms(void)
{
	return read_ns(CLOCK_MONOTONIC) / NSEC_PER_MSEC;
}

uint64_t clock_real_ns(void)
{
	return read_ns(CLOCK_REALTIME);
}

double clock_real_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

void timerfd_arm(int fd, uint64_t delay_ns)
{
	struct itimerspec its = { 0 };

	its.it_value.tv_sec = (time_t)(delay_ns / NSEC_PER_SEC);
	its.it_value.tv_nsec = (long)(delay_ns % NSEC_PER_SEC);
	timerfd_settime(fd, 0, &its, NULL);
}

void timerfd_drain(int fd)
{
	uint64_t expirations;

	if (read(fd, &expirations, sizeof(expirations)) < 0 && errno != EAGAIN)
		log_debug("reading a timerfd failed: %m");
}
