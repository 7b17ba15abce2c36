/* SPDX-License-Identifier: ISC */
#include <sys/socket.h>
#include <sys/stat.h>

#include <check.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "ipc.h"
#include "log.h"

static int		 sv[2];
static struct ipc	 a, b;

static void
setup(void)
{
	log_setquiet(1);
	ck_assert_int_eq(ipc_socketpair(sv), 0);
	ck_assert_int_eq(ipc_init(&a, sv[0]), 0);
	ck_assert_int_eq(ipc_init(&b, sv[1]), 0);
}

static void
teardown(void)
{
	ipc_clear(&a);
	ipc_clear(&b);
	close(sv[0]);
	close(sv[1]);
}

START_TEST(test_roundtrip)
{
	struct ipc_msg	 m;
	const char	 payload[] = "hello";

	ck_assert_int_eq(ipc_get(&b, &m), 0);		/* nothing yet */
	ck_assert_int_eq(ipc_compose(&a, 7, 42, 1234, -1, payload,
	    sizeof(payload)), 0);
	ck_assert_int_eq(ipc_compose(&a, 8, 0, 0, -1, NULL, 0), 0);
	ck_assert(ipc_pending(&a));
	ck_assert_int_eq(ipc_flush(&a), 0);
	ck_assert(!ipc_pending(&a));

	ck_assert_int_eq(ipc_get(&b, &m), 1);
	ck_assert_uint_eq(m.type, 7);
	ck_assert_uint_eq(m.peerid, 42);
	ck_assert_uint_eq(m.pid, 1234);
	ck_assert_int_eq(m.fd, -1);
	ck_assert_uint_eq(m.len, sizeof(payload));
	ck_assert_mem_eq(m.data, payload, sizeof(payload));
	ck_assert_int_eq(ipc_check_len(&m, sizeof(payload)), 0);
	ck_assert_int_eq(ipc_check_len(&m, sizeof(payload) - 1), -1);

	ck_assert_int_eq(ipc_get(&b, &m), 1);
	ck_assert_uint_eq(m.type, 8);
	ck_assert_uint_eq(m.len, 0);
	ck_assert_int_eq(ipc_get(&b, &m), 0);
}
END_TEST

START_TEST(test_fd_passing)
{
	struct ipc_msg	 m;
	int		 p[2];
	char		 c = 0;
	struct stat	 st;

	ck_assert_int_eq(pipe(p), 0);
	/* The channel owns p[1] now and closes it once sent. */
	ck_assert_int_eq(ipc_compose(&a, 1, 0, 0, p[1], "x", 1), 0);
	ck_assert_int_eq(ipc_flush(&a), 0);
	ck_assert_int_eq(fstat(p[1], &st), -1);		/* closed by sender */
	ck_assert_int_eq(errno, EBADF);

	ck_assert_int_eq(ipc_get(&b, &m), 1);
	ck_assert_int_ge(m.fd, 0);
	ck_assert_int_eq(write(m.fd, "z", 1), 1);
	ck_assert_int_eq(read(p[0], &c, 1), 1);
	ck_assert_int_eq(c, 'z');
	close(m.fd);
	close(p[0]);
}
END_TEST

START_TEST(test_oversize)
{
	static char	 big[IPC_MAX_PAYLOAD + 1];

	ck_assert_int_eq(ipc_compose(&a, 1, 0, 0, -1, big, sizeof(big)), -1);
	ck_assert_int_eq(errno, EMSGSIZE);
	ck_assert(!ipc_pending(&a));
	ck_assert_int_eq(ipc_compose(&a, 1, 0, 0, -1, big, IPC_MAX_PAYLOAD),
	    0);
	ck_assert_int_eq(ipc_flush_sync(&a), 0);
}
END_TEST

/* Raw records written behind the library's back. */
static void
raw_send(const void *data, size_t len)
{
	ck_assert_int_eq(send(sv[0], data, len, 0), (ssize_t)len);
}

START_TEST(test_malformed)
{
	struct ipc_msg	 m;
	/* type 1, len 4, flags 0, peer 0, pid 0, but 2 payload bytes */
	const uint8_t	 short_payload[] = { 0, 0, 0, 1, 0, 4, 0, 0,
	    0, 0, 0, 0, 0, 0, 0, 0, 'a', 'b' };
	/* unknown flag bit */
	const uint8_t	 bad_flags[] = { 0, 0, 0, 1, 0, 0, 0x80, 0,
	    0, 0, 0, 0, 0, 0, 0, 0 };
	/* IPC_F_FD set but no descriptor attached */
	const uint8_t	 missing_fd[] = { 0, 0, 0, 1, 0, 0, 0, 1,
	    0, 0, 0, 0, 0, 0, 0, 0 };
	/* shorter than a header */
	const uint8_t	 runt[] = { 0, 0, 0, 1, 0, 0 };
	const uint8_t	 good[] = { 0, 0, 0, 9, 0, 1, 0, 0,
	    0, 0, 0, 0, 0, 0, 0, 0, 'g' };

	raw_send(short_payload, sizeof(short_payload));
	errno = 0;
	ck_assert_int_eq(ipc_get(&b, &m), -1);
	ck_assert_int_eq(errno, EBADMSG);
	raw_send(bad_flags, sizeof(bad_flags));
	ck_assert_int_eq(ipc_get(&b, &m), -1);
	ck_assert_int_eq(errno, EBADMSG);
	raw_send(missing_fd, sizeof(missing_fd));
	ck_assert_int_eq(ipc_get(&b, &m), -1);
	ck_assert_int_eq(errno, EBADMSG);
	raw_send(runt, sizeof(runt));
	ck_assert_int_eq(ipc_get(&b, &m), -1);
	ck_assert_int_eq(errno, EBADMSG);
	/* A correct record after the bad ones still decodes. */
	raw_send(good, sizeof(good));
	ck_assert_int_eq(ipc_get(&b, &m), 1);
	ck_assert_uint_eq(m.type, 9);
	ck_assert_uint_eq(m.len, 1);
}
END_TEST

START_TEST(test_fd_without_flag)
{
	struct ipc_msg	 m;
	/* A descriptor attached to a record that does not announce one. */
	const uint8_t	 hdr[] = { 0, 0, 0, 1, 0, 0, 0, 0,
	    0, 0, 0, 0, 0, 0, 0, 0 };
	union {
		struct cmsghdr	h;
		char		buf[CMSG_SPACE(sizeof(int))];
	}		 cb;
	struct msghdr	 msg;
	struct iovec	 iov;
	struct cmsghdr	*c;
	int		 fd = dup(0);

	memset(&msg, 0, sizeof(msg));
	memset(&cb, 0, sizeof(cb));
	iov.iov_base = (void *)(uintptr_t)hdr;
	iov.iov_len = sizeof(hdr);
	msg.msg_iov = &iov;
	msg.msg_iovlen = 1;
	msg.msg_control = cb.buf;
	msg.msg_controllen = sizeof(cb.buf);
	c = CMSG_FIRSTHDR(&msg);
	c->cmsg_len = CMSG_LEN(sizeof(int));
	c->cmsg_level = SOL_SOCKET;
	c->cmsg_type = SCM_RIGHTS;
	memcpy(CMSG_DATA(c), &fd, sizeof(int));
	ck_assert_int_eq(sendmsg(sv[0], &msg, 0), (ssize_t)sizeof(hdr));
	close(fd);
	ck_assert_int_eq(ipc_get(&b, &m), -1);
	ck_assert_int_eq(errno, EBADMSG);
}
END_TEST

START_TEST(test_eof)
{
	struct ipc_msg	 m;

	close(sv[0]);
	sv[0] = -1;
	ck_assert_int_eq(ipc_get(&b, &m), -1);
	ck_assert_int_eq(errno, EPIPE);
}
END_TEST

START_TEST(test_backpressure)
{
	struct ipc_msg	 m;
	static char	 big[60000];
	int		 i, r, got = 0;

	/* Queue far more than the socket buffer holds. */
	for (i = 0; i < 64; i++)
		ck_assert_int_eq(ipc_compose(&a, (uint32_t)i, 0, 0, -1, big,
		    sizeof(big)), 0);
	r = ipc_flush(&a);
	ck_assert_int_eq(r, 1);
	ck_assert(ipc_pending(&a));
	/* Drain and flush alternately: every message arrives in order. */
	while (got < 64) {
		while ((r = ipc_get(&b, &m)) == 1) {
			ck_assert_uint_eq(m.type, (uint32_t)got);
			ck_assert_uint_eq(m.len, sizeof(big));
			got++;
		}
		ck_assert_int_eq(r, 0);
		ck_assert_int_ge(ipc_flush(&a), 0);
	}
	ck_assert(!ipc_pending(&a));
}
END_TEST

static Suite *
ipc_suite(void)
{
	Suite	*s = suite_create("ipc");
	TCase	*tc = tcase_create("ipc");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_roundtrip);
	tcase_add_test(tc, test_fd_passing);
	tcase_add_test(tc, test_oversize);
	tcase_add_test(tc, test_malformed);
	tcase_add_test(tc, test_fd_without_flag);
	tcase_add_test(tc, test_eof);
	tcase_add_test(tc, test_backpressure);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	SRunner	*sr = srunner_create(ipc_suite());
	int	 nfail;

	srunner_run_all(sr, CK_NORMAL);
	nfail = srunner_ntests_failed(sr);
	srunner_free(sr);
	return nfail == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
