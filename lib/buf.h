/* SPDX-License-Identifier: ISC */
/*
 * Bounds-checked cursors over wire data.  Every LISP wire format is read
 * through a struct rbuf and written through a struct wbuf; packet bytes are
 * never cast to structs.
 *
 * Reader: each getter either consumes exactly the bytes it returns and
 * returns 0, or consumes nothing and returns -1 when too few bytes remain.
 * rbuf_sub() carves a length-limited sub-reader out of the parent and
 * advances the parent past it, which is how every length-prefixed element
 * (LCAF bodies, records) is parsed: the inner parser cannot run past the
 * length its container declared.
 *
 * Writer: errors are sticky.  A put that does not fit sets `err` and every
 * later put is a no-op, so encoders write a whole message and test
 * wbuf_failed() once at the end.
 *
 * Everything is static inline so that the data path pays one compare per
 * field.
 */
#ifndef LISP_BUF_H
#define LISP_BUF_H

#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

struct rbuf {
	const uint8_t	*data;
	size_t		 len;
	size_t		 off;
};

static inline void
rbuf_init(struct rbuf *rb, const void *data, size_t len)
{
	rb->data = data;
	rb->len = len;
	rb->off = 0;
}

static inline size_t
rbuf_left(const struct rbuf *rb)
{
	return rb->len - rb->off;
}

/* Pointer to the next unread byte; valid for rbuf_left() bytes. */
static inline const uint8_t *
rbuf_ptr(const struct rbuf *rb)
{
	return rb->data + rb->off;
}

static inline size_t
rbuf_offset(const struct rbuf *rb)
{
	return rb->off;
}

static inline int
rbuf_skip(struct rbuf *rb, size_t n)
{
	if (n > rbuf_left(rb))
		return -1;
	rb->off += n;
	return 0;
}

static inline int
rbuf_get_u8(struct rbuf *rb, uint8_t *v)
{
	if (rbuf_left(rb) < 1)
		return -1;
	*v = rb->data[rb->off++];
	return 0;
}

static inline int
rbuf_get_u16(struct rbuf *rb, uint16_t *v)
{
	const uint8_t	*p;

	if (rbuf_left(rb) < 2)
		return -1;
	p = rb->data + rb->off;
	*v = (uint16_t)((uint16_t)p[0] << 8 | p[1]);
	rb->off += 2;
	return 0;
}

static inline int
rbuf_get_u24(struct rbuf *rb, uint32_t *v)
{
	const uint8_t	*p;

	if (rbuf_left(rb) < 3)
		return -1;
	p = rb->data + rb->off;
	*v = (uint32_t)p[0] << 16 | (uint32_t)p[1] << 8 | p[2];
	rb->off += 3;
	return 0;
}

static inline int
rbuf_get_u32(struct rbuf *rb, uint32_t *v)
{
	const uint8_t	*p;

	if (rbuf_left(rb) < 4)
		return -1;
	p = rb->data + rb->off;
	*v = (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 |
	    (uint32_t)p[2] << 8 | p[3];
	rb->off += 4;
	return 0;
}

static inline int
rbuf_get_u64(struct rbuf *rb, uint64_t *v)
{
	uint32_t	 hi = 0, lo = 0;	/* silences a GCC -O2 false positive */

	if (rbuf_left(rb) < 8)
		return -1;
	(void)rbuf_get_u32(rb, &hi);
	(void)rbuf_get_u32(rb, &lo);
	*v = (uint64_t)hi << 32 | lo;
	return 0;
}

static inline int
rbuf_get_bytes(struct rbuf *rb, void *dst, size_t n)
{
	if (n > rbuf_left(rb))
		return -1;
	if (n > 0)
		memcpy(dst, rb->data + rb->off, n);
	rb->off += n;
	return 0;
}

/*
 * Copy the next n bytes into a new allocation owned by the caller and
 * consume them.  Returns 0 (*out is NULL when n is 0), -1 when fewer than
 * n bytes remain, -2 when the allocation fails; nothing is consumed on
 * failure.
 */
static inline int
rbuf_get_dup(struct rbuf *rb, size_t n, uint8_t **out)
{
	*out = NULL;
	if (n > rbuf_left(rb))
		return -1;
	if (n == 0)
		return 0;
	if ((*out = malloc(n)) == NULL)
		return -2;
	memcpy(*out, rb->data + rb->off, n);
	rb->off += n;
	return 0;
}

/* Look at the next bytes without consuming them. */
static inline int
rbuf_peek_u8(const struct rbuf *rb, uint8_t *v)
{
	if (rbuf_left(rb) < 1)
		return -1;
	*v = rb->data[rb->off];
	return 0;
}

static inline int
rbuf_peek_u16(const struct rbuf *rb, uint16_t *v)
{
	if (rbuf_left(rb) < 2)
		return -1;
	*v = (uint16_t)((uint16_t)rb->data[rb->off] << 8 |
	    rb->data[rb->off + 1]);
	return 0;
}

/* Carve the next n bytes out as a sub-reader and skip them in the parent. */
static inline int
rbuf_sub(struct rbuf *rb, size_t n, struct rbuf *sub)
{
	if (n > rbuf_left(rb))
		return -1;
	rbuf_init(sub, rb->data + rb->off, n);
	rb->off += n;
	return 0;
}

struct wbuf {
	uint8_t		*data;
	size_t		 cap;
	size_t		 off;
	int		 err;
};

static inline void
wbuf_init(struct wbuf *wb, void *data, size_t cap)
{
	wb->data = data;
	wb->cap = cap;
	wb->off = 0;
	wb->err = 0;
}

static inline int
wbuf_failed(const struct wbuf *wb)
{
	return wb->err;
}

static inline size_t
wbuf_len(const struct wbuf *wb)
{
	return wb->off;
}

static inline size_t
wbuf_left(const struct wbuf *wb)
{
	return wb->cap - wb->off;
}

/* Reserve n bytes and return a pointer to them, or NULL (and fail). */
static inline uint8_t *
wbuf_reserve(struct wbuf *wb, size_t n)
{
	uint8_t	*p;

	if (wb->err || n > wbuf_left(wb)) {
		wb->err = 1;
		return NULL;
	}
	p = wb->data + wb->off;
	wb->off += n;
	return p;
}

static inline void
wbuf_put_u8(struct wbuf *wb, uint8_t v)
{
	uint8_t	*p = wbuf_reserve(wb, 1);

	if (p != NULL)
		p[0] = v;
}

static inline void
wbuf_put_u16(struct wbuf *wb, uint16_t v)
{
	uint8_t	*p = wbuf_reserve(wb, 2);

	if (p != NULL) {
		p[0] = (uint8_t)(v >> 8);
		p[1] = (uint8_t)v;
	}
}

static inline void
wbuf_put_u24(struct wbuf *wb, uint32_t v)
{
	uint8_t	*p = wbuf_reserve(wb, 3);

	if (p != NULL) {
		p[0] = (uint8_t)(v >> 16);
		p[1] = (uint8_t)(v >> 8);
		p[2] = (uint8_t)v;
	}
}

static inline void
wbuf_put_u32(struct wbuf *wb, uint32_t v)
{
	uint8_t	*p = wbuf_reserve(wb, 4);

	if (p != NULL) {
		p[0] = (uint8_t)(v >> 24);
		p[1] = (uint8_t)(v >> 16);
		p[2] = (uint8_t)(v >> 8);
		p[3] = (uint8_t)v;
	}
}

static inline void
wbuf_put_u64(struct wbuf *wb, uint64_t v)
{
	wbuf_put_u32(wb, (uint32_t)(v >> 32));
	wbuf_put_u32(wb, (uint32_t)v);
}

static inline void
wbuf_put_bytes(struct wbuf *wb, const void *src, size_t n)
{
	uint8_t	*p = wbuf_reserve(wb, n);

	if (p != NULL && n > 0)
		memcpy(p, src, n);
}

/* Back-patch a 16-bit field written earlier (e.g. an LCAF length). */
static inline void
wbuf_set_u16(struct wbuf *wb, size_t at, uint16_t v)
{
	if (wb->err || at + 2 > wb->off) {
		wb->err = 1;
		return;
	}
	wb->data[at] = (uint8_t)(v >> 8);
	wb->data[at + 1] = (uint8_t)v;
}

static inline void
wbuf_set_u8(struct wbuf *wb, size_t at, uint8_t v)
{
	if (wb->err || at + 1 > wb->off) {
		wb->err = 1;
		return;
	}
	wb->data[at] = v;
}

#endif /* LISP_BUF_H */
