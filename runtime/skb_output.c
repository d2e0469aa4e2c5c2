/*
 * runtime/skb_output.c — skboutput()'s packets: the perf buffer bpf_skb_output writes to
 * (one PERF_EVENT_ARRAY slot per CPU, BPFTRACE_PERF_RB_PAGES pages each, as bpftrace),
 * and the pcap files they go to (one per path, created when tracing starts: RAW IP link
 * type, microsecond timestamps of the real-time clock, as bpftrace's libpcap writer).
 *
 * Owns: the perf buffer, the files, the epoll set that waits for the perf buffer and the
 * event ring together, and the count of packets the kernel could not queue.
 * Must not: read the event ring (runtime/events.c does), or write anything but packets
 * into the files.
 */
#include "runtime_internal.h"

#include <bpf/libbpf.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <time.h>
#include <unistd.h>

#define PCAP_MAGIC_US 0xa1b2c3d4u /* microsecond timestamps */
#define PCAP_LINKTYPE_RAW 101u    /* raw IPv4/IPv6, no link-layer header */
#define PCAP_SNAPLEN 65535u
#define PERF_PAGES_DEFAULT 64

struct rt_skb {
	struct perf_buffer *pb;
	const struct sema_result *sr;
	FILE **files;         /* by fmt index; entries of one path share a FILE */
	int64_t real_minus_boot; /* CLOCK_REALTIME - CLOCK_BOOTTIME, ns */
	uint64_t lost;
	int epfd;
	int err;
};

static int64_t clock_ns(clockid_t id)
{
	struct timespec ts;
	clock_gettime(id, &ts);
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

static void put_u32(uint8_t *p, uint32_t v) { memcpy(p, &v, 4); }

static FILE *open_pcap(const char *path, struct diag *d)
{
	FILE *f = fopen(path, "wb");
	if (!f) {
		diag_error_noloc(d, "cannot create the pcap file '%s' for skboutput(): %s", path,
				 strerror(errno));
		return NULL;
	}
	uint8_t h[24];
	put_u32(h, PCAP_MAGIC_US);
	uint16_t major = 2, minor = 4;
	memcpy(h + 4, &major, 2);
	memcpy(h + 6, &minor, 2);
	put_u32(h + 8, 0);  /* thiszone */
	put_u32(h + 12, 0); /* sigfigs */
	put_u32(h + 16, PCAP_SNAPLEN);
	put_u32(h + 20, PCAP_LINKTYPE_RAW);
	fwrite(h, 1, sizeof(h), f);
	return f;
}

/* One sample: struct abi_skb_hdr, then the packet (the kernel pads the sample to 8 bytes,
 * so the header's len, not the size, says how many bytes are the packet's) */
static void on_sample(void *ctx, int cpu, void *data, __u32 size)
{
	struct rt_skb *k = ctx;
	struct abi_skb_hdr h;
	if (size < sizeof(h))
		return;
	memcpy(&h, data, sizeof(h));
	if (h.fmt >= (uint64_t)k->sr->nfmts || !k->files[h.fmt])
		return;
	uint64_t have = size - sizeof(h), len = h.len < have ? h.len : have;
	uint32_t off = k->sr->fmts[h.fmt].skb_offset;
	uint32_t n = len > off ? (uint32_t)(len - off) : 0;
	int64_t ns = (int64_t)h.boot_ns + k->real_minus_boot;
	uint8_t rec[16];
	put_u32(rec, (uint32_t)(ns / 1000000000));
	put_u32(rec + 4, (uint32_t)(ns % 1000000000 / 1000));
	put_u32(rec + 8, n);
	put_u32(rec + 12, n);
	FILE *f = k->files[h.fmt];
	if (fwrite(rec, 1, sizeof(rec), f) != sizeof(rec) ||
	    (n && fwrite((uint8_t *)data + sizeof(h) + off, 1, n, f) != n))
		k->err = -EIO;
}

static void on_lost(void *ctx, int cpu, __u64 cnt)
{
	((struct rt_skb *)ctx)->lost += cnt;
}

static int perf_pages(void)
{
	const char *e = getenv("BPFTRACE_PERF_RB_PAGES");
	long v = e ? strtol(e, NULL, 10) : 0;
	if (v <= 0)
		return PERF_PAGES_DEFAULT;
	long p = 1; /* perf wants a power of two */
	while (p < v && p < (1 << 16))
		p <<= 1;
	return (int)p;
}

int rt_skb_open(struct rt_skb **out, int perf_fd, int ring_epfd, const struct sema_result *sr,
		struct diag *d)
{
	*out = NULL;
	struct rt_skb *k = calloc(1, sizeof(*k));
	if (!k || !(k->files = calloc((size_t)sr->nfmts, sizeof(FILE *)))) {
		free(k);
		diag_error_noloc(d, "out of memory");
		return -ENOMEM;
	}
	k->sr = sr;
	k->epfd = -1;
	k->real_minus_boot = clock_ns(CLOCK_REALTIME) - clock_ns(CLOCK_BOOTTIME);
	int err = 0;
	for (int i = 0; i < sr->nfmts && !err; i++) {
		if (sr->fmts[i].kind != FMT_SKBOUTPUT)
			continue;
		for (int j = 0; j < i && !k->files[i]; j++)
			if (k->files[j] && strcmp(sr->fmts[j].fmt, sr->fmts[i].fmt) == 0)
				k->files[i] = k->files[j];
		if (!k->files[i] && !(k->files[i] = open_pcap(sr->fmts[i].fmt, d)))
			err = -EIO;
	}
	if (!err) {
		k->pb = perf_buffer__new(perf_fd, (size_t)perf_pages(), on_sample, on_lost, k, NULL);
		if (!k->pb) {
			err = -errno;
			diag_error_noloc(d, "cannot open the perf buffer for skboutput(): %s",
					 strerror(-err));
		}
	}
	if (!err) {
		struct epoll_event e1 = { .events = EPOLLIN, .data.u32 = 0 };
		struct epoll_event e2 = { .events = EPOLLIN, .data.u32 = 1 };
		k->epfd = epoll_create1(EPOLL_CLOEXEC);
		if (k->epfd < 0 || epoll_ctl(k->epfd, EPOLL_CTL_ADD, ring_epfd, &e1) ||
		    epoll_ctl(k->epfd, EPOLL_CTL_ADD, perf_buffer__epoll_fd(k->pb), &e2)) {
			err = -errno;
			diag_error_noloc(d, "cannot wait for skboutput() packets: %s", strerror(-err));
		}
	}
	if (err) {
		rt_skb_close(k);
		return err ? err : -EINVAL;
	}
	*out = k;
	return 0;
}

int rt_skb_wait(struct rt_skb *k, int timeout_ms)
{
	struct epoll_event ev[2];
	int n = epoll_wait(k->epfd, ev, 2, timeout_ms);
	if (n < 0)
		return -errno;
	rt_skb_drain(k);
	return k->err;
}

void rt_skb_drain(struct rt_skb *k)
{
	perf_buffer__consume(k->pb);
}

void rt_skb_close(struct rt_skb *k)
{
	if (!k)
		return;
	if (k->pb) {
		perf_buffer__consume(k->pb);
		perf_buffer__free(k->pb);
	}
	if (k->lost)
		fprintf(stderr, "WARNING: %llu skboutput() packet%s lost: the perf buffer was full "
				"(BPFTRACE_PERF_RB_PAGES raises its size)\n",
			(unsigned long long)k->lost, k->lost == 1 ? " was" : "s were");
	for (int i = 0; k->files && i < k->sr->nfmts; i++) {
		if (!k->files[i])
			continue;
		bool shared = false;
		for (int j = 0; j < i && !shared; j++)
			shared = k->files[j] == k->files[i];
		if (!shared)
			fclose(k->files[i]);
	}
	if (k->epfd >= 0)
		close(k->epfd);
	free(k->files);
	free(k);
}
