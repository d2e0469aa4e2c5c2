/*
 * runtime/events.c — consuming the ring buffer and acting on each event.
 *
 * Owns: the libbpf ring_buffer consumer and dispatch by abi event id (sema/abi.h):
 * printf → fmt_render, print(@map) → read + print_map, clear/zero, time(), print(value),
 * exit(). After exit() every later event is dropped until END runs, as bpftrace does.
 * Output goes to one FILE*, flushed by the caller after each batch.
 * Must not: render formats or maps itself (stdlib/format.c and runtime/print*.c do).
 */
#include "runtime_internal.h"

#include <bpf/libbpf.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static uint64_t rd_u64(const uint8_t *p)
{
	uint64_t v;
	memcpy(&v, p, sizeof(v));
	return v;
}

static const struct fmt_info *fmt_at(const struct rt_events *ev, uint64_t idx)
{
	return idx < (uint64_t)ev->sr->nfmts ? &ev->sr->fmts[idx] : NULL;
}

static int on_print_map(struct rt_events *ev, const uint8_t *p, size_t len)
{
	if (len < 24)
		return -EINVAL;
	uint64_t id = rd_u64(p);
	int64_t top = (int64_t)rd_u64(p + 8), div = (int64_t)rd_u64(p + 16);
	if (id >= (uint64_t)ev->sr->nmaps)
		return -EINVAL;
	struct map_snapshot snap;
	int err = rt_map_read(ev->maps, ev->sr, (int)id, &snap);
	if (err)
		return err;
	ev->fmt->print_map(ev->out, &snap, ev->pctx, top, div);
	snapshot_free(&snap);
	return 0;
}

static int on_time(struct rt_events *ev, const uint8_t *p, size_t len)
{
	const struct fmt_info *f = len >= 8 ? fmt_at(ev, rd_u64(p)) : NULL;
	if (!f)
		return -EINVAL;
	time_t now = time(NULL);
	struct tm tm;
	char buf[512];
	localtime_r(&now, &tm);
	size_t n = strftime(buf, sizeof(buf), f->fmt ? f->fmt : "%H:%M:%S\n", &tm);
	if (ev->fmt->message)
		ev->fmt->message(ev->out, "time", buf, n);
	else
		fwrite(buf, 1, n, ev->out);
	return 0;
}

static int on_print_value(struct rt_events *ev, const uint8_t *p, size_t len)
{
	const struct fmt_info *f = len >= 8 ? fmt_at(ev, rd_u64(p)) : NULL;
	if (!f || f->nargs < 1 || len < 8 + type_storage_size(&f->args[0]))
		return -EINVAL;
	ev->fmt->print_value(ev->out, &f->args[0], p + 8, ev->pctx);
	return 0;
}

static int printf_message(struct rt_events *ev, const struct fmt_info *f, const uint8_t *p,
		       size_t len)
{
	char *buf = NULL;
	size_t n = 0;
	FILE *m = open_memstream(&buf, &n);
	if (!m)
		return -ENOMEM;
	fmt_render(m, f->fmt, f->args, f->offs, f->nargs, p, len, ev->pctx);
	fclose(m);
	ev->fmt->message(ev->out, "printf", buf ? buf : "", buf ? n : 0);
	free(buf);
	return 0;
}

/* Events handled per poll at most: a few ms of work, then the caller looks at signals. */
#define EV_BATCH 4096

static void handle_event(struct rt_events *ev, void *data, size_t size)
{
	const uint8_t *p = (const uint8_t *)data + sizeof(struct abi_event);
	size_t len = size - sizeof(struct abi_event);
	uint64_t id = rd_u64(data);
	int err = 0;
	if (id >= ABI_EV_PRINTF) {
		const struct fmt_info *f = fmt_at(ev, id - ABI_EV_PRINTF);
		if (!f)
			err = -EINVAL;
		else if (ev->fmt->message)
			err = printf_message(ev, f, p, len);
		else
			fmt_render(ev->out, f->fmt, f->args, f->offs, f->nargs, p, len, ev->pctx);
	} else {
		switch (id) {
		case ABI_EV_EXIT:
			if (!ev->exit_seen && len >= 8)
				ev->exit_code = (int)(uint8_t)rd_u64(p); /* as a process status */
			ev->exit_seen = true;
			ev->ignoring = true;
			ev->batch = EV_BATCH - 1; /* end the batch: the session stops now */
			break;
		case ABI_EV_PRINT_MAP:
			err = on_print_map(ev, p, len);
			break;
		case ABI_EV_CLEAR_MAP:
		case ABI_EV_ZERO_MAP:
			if (len < 8 || rd_u64(p) >= (uint64_t)ev->sr->nmaps)
				err = -EINVAL;
			else if (id == ABI_EV_CLEAR_MAP)
				err = rt_map_clear(ev->maps, ev->sr, (int)rd_u64(p));
			else
				err = rt_map_zero(ev->maps, ev->sr, (int)rd_u64(p));
			break;
		case ABI_EV_TIME:
			err = on_time(ev, p, len);
			break;
		case ABI_EV_PRINT_VALUE:
			err = on_print_value(ev, p, len);
			break;
		case ABI_EV_ASYNC:
			err = rt_async_event(ev, p, len);
			break;
		case ABI_EV_HELPER_ERROR:
			err = rt_helper_error_event(ev, p, len);
			break;
		case ABI_EV_UNWATCH:
			err = rt_watchpoint_unwatch(ev, p, len);
			break;
		default:
			err = -EINVAL;
		}
	}
	/* A malformed event is a bug between codegen and runtime: remember it, keep going. */
	if (err && !ev->err)
		ev->err = err;
}

static int on_event(void *ctx, void *data, size_t size)
{
	struct rt_events *ev = ctx;
	ev->handled++;
	if (size >= sizeof(struct abi_event) && rd_u64(data) == ABI_EV_WATCHPOINT) {
		/* even after exit(): the stopped process must go on */
		int err = rt_watchpoint_event(ev, (const uint8_t *)data + sizeof(struct abi_event),
					      size - sizeof(struct abi_event));
		if (err && !ev->err)
			ev->err = err;
	} else if (size >= sizeof(struct abi_event) && !ev->ignoring) {
		handle_event(ev, data, size);
	}
	/* libbpf has already consumed this record when we return, so stop only after it is
	 * handled: a negative return ends ring_buffer__poll() with nothing lost. */
	if (ev->stop && (*ev->stop || ++ev->batch >= EV_BATCH))
		return -EINTR;
	return 0;
}

int rt_events_open(struct rt_events *ev, struct diag *d)
{
	if (!ev->fmt)
		ev->fmt = &output_text;
	ev->rb = ring_buffer__new(ev->maps->ringbuf_fd, on_event, ev, NULL);
	if (!ev->rb) {
		int err = -errno;
		diag_error_noloc(d, "cannot read the event ring buffer: %s", strerror(-err));
		return err ? err : -EINVAL;
	}
	if (ev->maps->perf_fd >= 0) {
		int err = rt_skb_open(&ev->skb, ev->maps->perf_fd, ring_buffer__epoll_fd(ev->rb),
				      ev->sr, d);
		if (err) {
			ring_buffer__free(ev->rb);
			ev->rb = NULL;
			return err;
		}
	}
	return 0;
}

int rt_events_poll(struct rt_events *ev, int timeout_ms)
{
	ev->batch = 0;
	if (ev->skb) { /* one wait for skboutput()'s perf buffer and the ring */
		int err = rt_skb_wait(ev->skb, timeout_ms);
		if (err)
			return err;
		return ring_buffer__consume(ev->rb);
	}
	return ring_buffer__poll(ev->rb, timeout_ms);
}

int rt_events_drain(struct rt_events *ev)
{
	if (ev->skb)
		rt_skb_drain(ev->skb);
	return ring_buffer__consume(ev->rb);
}

void rt_events_close(struct rt_events *ev)
{
	rt_skb_close(ev->skb);
	ev->skb = NULL;
	ring_buffer__free(ev->rb);
	ev->rb = NULL;
}
