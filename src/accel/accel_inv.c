// SPDX-License-Identifier: MIT
/*
 * Accelerated mode: the command-queue hooks.  Invalidations the host must
 * see (TLBI_NH_*, TLBI_NSNH_ALL, CFGI_CD*, ATC_INV) are queued, coalesced
 * (coalesce()) and sent in one IOMMU_HWPT_INVALIDATE on the vIOMMU at the
 * end of the command batch (src/model/cmdq.c: CMD_SYNCs wait for it) or
 * when the buffer is full.  Commands the host kernel would refuse are
 * failed locally with CERROR_ILL instead of being forwarded.
 */
#include <errno.h>
#include <string.h>

#include "accel/accel_priv.h"

static bool forwarded_op(uint8_t op)
{
    switch (op) {
    case OP_CFGI_CD:
    case OP_CFGI_CD_ALL:
    case OP_TLBI_NH_ALL:
    case OP_TLBI_NH_ASID:
    case OP_TLBI_NH_VA:
    case OP_TLBI_NH_VAA:
    case OP_TLBI_NSNH_ALL:
    case OP_ATC_INV:
        return true;
    default:
        return false;
    }
}

static bool sid_based(uint8_t op)
{
    return op == OP_CFGI_CD || op == OP_CFGI_CD_ALL || op == OP_ATC_INV;
}

void accel_inv_discard(struct vsmmu_accel *a)
{
    a->nbatch = 0;
    a->batch_failed = false;
    for (unsigned i = 0; i < a->ndevs; i++)
        a->devs[i].cfgi_pending = false;
    a->ncfgi = 0;
}

/* SCALE as the host reads it: bit 25 exists only with IDR5.DS. */
#define CMD_SCALE_DS 25, 20

static void allow(uint64_t m[2], unsigned hi, unsigned lo)
{
    m[lo / 64] |= fld_mask(hi % 64, lo % 64);
}

/* The fields the host accepts in forwarded command @op (ID registers only,
 * so the same for every command of the instance): into @ok.  False when
 * the host takes no such command. */
static bool host_fields(const struct vsmmu *s, uint8_t op, uint64_t ok[2])
{
    bool ril = fld_get(s->idr[3], IDR3_RIL), ds = fld_get(s->idr[5], IDR5_DS);
    bool ssids = fld_get(s->idr[1], IDR1_SSIDSIZE) != 0;
    unsigned asid_bits = fld_get(s->idr[0], IDR0_ASID16) ? 16 : 8;

    ok[0] = ok[1] = 0;
    allow(ok, CMD_OP);
    switch (op) {
    case OP_TLBI_NSNH_ALL:
        break;
    case OP_TLBI_NH_VA:
        allow(ok, 48 + asid_bits - 1, 48);
        /* fall through */
    case OP_TLBI_NH_VAA:
        if (ril) {
            allow(ok, CMD_NUM);
            if (ds)
                allow(ok, CMD_SCALE_DS);
            else
                allow(ok, CMD_SCALE);
            allow(ok, CMD_TG);
            allow(ok, CMD_TTL);
        }
        allow(ok, CMD_VMID);
        allow(ok, CMD_LEAF);
        allow(ok, CMD_ADDR);
        break;
    case OP_TLBI_NH_ASID:
        allow(ok, 48 + asid_bits - 1, 48);
        /* fall through */
    case OP_TLBI_NH_ALL:
        allow(ok, CMD_VMID);
        break;
    case OP_ATC_INV:
        if (ssids) {
            allow(ok, CMD_SSV);
            allow(ok, CMD_SSID);
            allow(ok, CMD_GLOBAL);
        }
        allow(ok, CMD_SID);
        allow(ok, CMD_ATC_SIZE);
        allow(ok, CMD_ADDR);
        break;
    case OP_CFGI_CD:
        if (ssids)
            allow(ok, CMD_SSID);
        allow(ok, CMD_LEAF);
        /* fall through */
    case OP_CFGI_CD_ALL:
        allow(ok, CMD_SID);
        break;
    default:
        return false;
    }
    return true;
}

/* Slot of forwarded opcode @op in the cache of host_fields() masks. */
static int host_slot(uint8_t op)
{
    switch (op) {
    case OP_CFGI_CD: return 0;
    case OP_CFGI_CD_ALL: return 1;
    case OP_TLBI_NH_ALL: return 2;
    case OP_TLBI_NH_ASID: return 3;
    case OP_TLBI_NH_VA: return 4;
    case OP_TLBI_NH_VAA: return 5;
    case OP_TLBI_NSNH_ALL: return 6;
    case OP_ATC_INV: return 7;
    default: return -1;
    }
}

/*
 * Mirror of the host kernel's acceptance rules for forwarded commands
 * (docs/iommufd.md §6.3, per opcode: only the fields it knows, ASIDs
 * within the advertised width, range fields only with RIL and in a valid
 * combination, ATC_INV only with ATS and Size <= 52, SubstreamIDs only with
 * SSIDSIZE), judged with the vSMMU's ID registers, which the host's are at
 * least equal to (the attach-time check).  What it would refuse is never
 * sent.  Returns a reason, or NULL if the command may be forwarded.
 */
static const char *host_refuses(const struct vsmmu *s, const uint64_t cmd[2])
{
    struct vsmmu_accel *a = s->accel;
    uint8_t op = (uint8_t)st_get(cmd, CMD_OP);
    int k = host_slot(op);
    const uint64_t *ok;

    if (k < 0)
        return "not an invalidation the host takes";
    if (!(a->host_ok_set & (1u << k))) {
        (void)host_fields(s, op, a->host_ok[k]);
        a->host_ok_set |= (uint8_t)(1u << k);
    }
    ok = a->host_ok[k];
    if ((op == OP_TLBI_NH_VA || op == OP_TLBI_NH_VAA) && fld_get(s->idr[3], IDR3_RIL)) {
        uint64_t tg = st_get(cmd, CMD_TG), ttl = st_get(cmd, CMD_TTL);
        bool range = st_get(cmd, CMD_NUM) || st_get(cmd, CMD_SCALE_DS);
        if (!tg && (range || ttl))
            return "range fields without a granule";
        if (tg == 2 && ttl == 1 && !fld_get(s->idr[5], IDR5_DS))
            return "16K granule with TTL 1 without IDR5.DS";
        if (tg && !range && !ttl)
            return "a granule without range or TTL (reserved)";
    } else if (op == OP_ATC_INV) {
        if (!s->cfg.ats)
            return "ATC_INV without ATS";
        if (st_get(cmd, CMD_ATC_SIZE) > 52)
            return "ATC_INV Size above 52";
    }
    if ((cmd[0] & ~ok[0]) || (cmd[1] & ~ok[1]))
        return "fields the host does not accept are set";
    return NULL;
}

/*
 * Send the batch.  On a rejection the kernel says through entry_num how many
 * entries it handled; the next one is the failing command.  A kernel may not
 * have issued the entries before it either (it can refuse the batch as a
 * whole), so those are sent again on their own: invalidations are
 * idempotent.  The first command that fails is the one reported.
 */
static int send_batch(struct vsmmu *s, uint32_t *fail_idx)
{
    struct vsmmu_accel *a = s->accel;
    unsigned n = a->nbatch;
    int ret = 0;

    a->nbatch = 0;
    while (n) {
        uint8_t entries[ACCEL_BATCH_MAX * CMD_SIZE];
        uint32_t num = n, k;
        int rc;

        for (unsigned i = 0; i < n; i++) {
            vsmmu_put_le64(entries + CMD_SIZE * i, a->batch[i][0]);
            vsmmu_put_le64(entries + CMD_SIZE * i + 8, a->batch[i][1]);
        }
        rc = vsmmu_iommufd_hwpt_invalidate(a->t, a->viommu_id,
                                           VSMMU_VIOMMU_INVALIDATE_ARM_SMMUV3, entries,
                                           CMD_SIZE, &num);
        if (rc == 0)
            break;
        k = num < n ? num : n - 1;
        accel_fail(s, rc, "IOMMU_HWPT_INVALIDATE of %u command(s) (rejected: command %u "
                   "of the batch, opcode 0x%02x at command-queue index 0x%x, which gets "
                   "CERROR_ILL)", n, k, (unsigned)st_get(a->batch[k], CMD_OP),
                   a->batch_idx[k]);
        *fail_idx = a->batch_from[k];
        ret = CERROR_ILL;
        n = k;
    }
    return ret;
}

/* Stage-1 TLBIs: the host sets the vIOMMU's VMID in each (TLBI_NSNH_ALL
 * becomes TLBI_NH_ALL of it) and they pass or fail on their content alone,
 * which host_refuses() has checked. */
static bool s1_tlbi(uint8_t op)
{
    return op == OP_TLBI_NH_ALL || op == OP_TLBI_NH_ASID || op == OP_TLBI_NH_VA ||
           op == OP_TLBI_NH_VAA || op == OP_TLBI_NSNH_ALL;
}

static unsigned entry_hash(const uint64_t cmd[2])
{
    uint64_t h = (cmd[0] ^ (cmd[1] * 0x9E3779B97F4A7C15ull)) * 0xC2B2AE3D27D4EB4Full;
    return (unsigned)(h >> 58) & (2 * ACCEL_BATCH_MAX - 1);
}

static void hash_add(struct vsmmu_accel *a, unsigned pos)
{
    a->batch_hash[entry_hash(a->batch[pos])] = (uint8_t)(pos + 1);
}

/*
 * Coalescing inside a batch (the entries not sent yet; a batch spans
 * CMD_SYNCs, which wait for it to be sent):
 *  - a command equal to one queued already adds nothing: its host outcome
 *    is the same (same words, and nothing the host looks up can change
 *    before the send), and the host runs it after every guest write the
 *    later copy followed;
 *  - a TLBI_NH_ALL or TLBI_NSNH_ALL (which the host turns into
 *    TLBI_NH_ALL of the vIOMMU's VMID) covers every stage-1 TLBI queued
 *    before it: those are dropped.  Stage-1 TLBIs pass or fail at the host
 *    on their content alone, which host_refuses() has checked; CFGI_CD*
 *    and ATC_INV (vSID lookups) are never dropped for another command.
 * If the host then fails a covering command, the failure is reported at
 * the earliest command it covered (*@from): every command before the one
 * reported is done, as without coalescing.  Returns true when @cmd itself
 * needs no entry.
 */
static bool coalesce(struct vsmmu_accel *a, const uint64_t cmd[2], uint32_t *from)
{
    uint8_t op = (uint8_t)st_get(cmd, CMD_OP);
    unsigned k = 0, dropped = 0, pos = a->batch_hash[entry_hash(cmd)];

    if (pos && pos <= a->nbatch && a->batch[pos - 1][0] == cmd[0] &&
        a->batch[pos - 1][1] == cmd[1])
        return true;
    if (op != OP_TLBI_NH_ALL && op != OP_TLBI_NSNH_ALL)
        return false;
    for (unsigned i = 0; i < a->nbatch; i++) {
        if (s1_tlbi((uint8_t)st_get(a->batch[i], CMD_OP))) {
            /* The first one dropped is the earliest: one dropped later
             * either is a plain TLBI after it or covered it already. */
            if (!dropped++)
                *from = a->batch_from[i];
            continue;
        }
        a->batch[k][0] = a->batch[i][0];
        a->batch[k][1] = a->batch[i][1];
        a->batch_idx[k] = a->batch_idx[i];
        a->batch_from[k] = a->batch_from[i];
        hash_add(a, k++);
    }
    a->nbatch = k;
    return false;
}

int accel_inv_queue(struct vsmmu *s, const uint64_t cmd[2], uint32_t idx)
{
    struct vsmmu_accel *a = s->accel;
    uint8_t op = (uint8_t)st_get(cmd, CMD_OP);
    uint32_t from;
    const char *why;

    if (a->batch_failed)
        return 0;   /* an earlier command failed: the next flush reports it */
    why = host_refuses(s, cmd);
    if (why) {
        /* Earlier commands go first; if they fail, the earliest failure wins. */
        if (a->nbatch && send_batch(s, &a->batch_fail_idx)) {
            a->batch_failed = true;
            return 0;
        }
        vsmmu_log(s, VSMMU_LOG_GUEST,
                  "accel: command 0x%02x at index %u not forwarded (%s): CERROR_ILL",
                  op, idx, why);
        return CERROR_ILL;
    }
    if (sid_based(op)) {
        struct accel_dev *d = accel_find(a, (uint32_t)st_get(cmd, CMD_SID));
        if (!d || !d->has_vdev)
            return 0;
    }
    from = idx;
    if (coalesce(a, cmd, &from))
        return 0;
    if (a->nbatch == ACCEL_BATCH_MAX && send_batch(s, &a->batch_fail_idx)) {
        a->batch_failed = true;
        return 0;
    }
    a->batch[a->nbatch][0] = cmd[0];
    a->batch[a->nbatch][1] = cmd[1];
    a->batch_idx[a->nbatch] = idx;
    a->batch_from[a->nbatch] = from;
    hash_add(a, a->nbatch++);
    return 0;
}

bool vsmmu_accel_pending(const struct vsmmu *s)
{
    const struct vsmmu_accel *a = s->accel;
    return a && (a->nbatch || a->batch_failed || a->ncfgi);
}

/*
 * The end of a batch: first the devices CFGI_STE* named are re-installed,
 * then the invalidations queued before the earliest failing command are
 * sent (none after it: the guest re-issues those after the error).
 */
int vsmmu_accel_flush(struct vsmmu *s, uint32_t start, uint32_t wrmask, uint32_t *fail_idx)
{
    struct vsmmu_accel *a = s->accel;
    bool failed = false;
    uint32_t fail = 0, sent_fail = 0;

    if (!a)
        return 0;
    if (a->batch_failed) {
        fail = a->batch_fail_idx;
        failed = true;
        a->nbatch = 0;
        a->batch_failed = false;
    }
    if (a->ncfgi)
        failed = accel_cfgi_flush(s, start, wrmask, failed, &fail);
    if (failed) {
        unsigned k = 0;
        for (unsigned i = 0; i < a->nbatch; i++) {
            if (((a->batch_idx[i] - start) & wrmask) >= ((fail - start) & wrmask))
                continue;
            a->batch[k][0] = a->batch[i][0];
            a->batch[k][1] = a->batch[i][1];
            a->batch_idx[k++] = a->batch_idx[i];
        }
        a->nbatch = k;
    }
    if (a->nbatch && send_batch(s, &sent_fail)) {
        failed = true;
        fail = sent_fail;   /* before any failure above: only those were sent */
    }
    if (!failed)
        return 0;
    *fail_idx = fail;
    return CERROR_ILL;
}

int vsmmu_accel_cmd(struct vsmmu *s, const uint64_t cmd[2], uint32_t idx)
{
    struct vsmmu_accel *a = s->accel;
    uint8_t op = (uint8_t)st_get(cmd, CMD_OP);

    if (!a || !a->has_viommu)
        return 0;   /* without a vIOMMU nothing is forwarded */
    switch (op) {
    case OP_CFGI_STE:
    case OP_CFGI_STE_RANGE:
        return accel_cfgi_ste(s, cmd, idx);
    case OP_TLBI_S12_VMALL:
    case OP_TLBI_S2_IPA:
    case OP_TLBI_EL2_ALL:
    case OP_TLBI_EL2_ASID:
    case OP_TLBI_EL2_VA:
    case OP_TLBI_EL2_VAA:
    case OP_TLBI_EL3_ALL:
    case OP_TLBI_EL3_VA:
        vsmmu_log(s, VSMMU_LOG_GUEST,
                  "accel: command 0x%02x at index %u: stage 2 and EL2/EL3 invalidations "
                  "are not supported in accel mode: CERROR_ILL", op, idx);
        return CERROR_ILL;
    default:
        break;
    }
    if (forwarded_op(op))
        return accel_inv_queue(s, cmd, idx);
    return 0;
}
