// SPDX-License-Identifier: MIT
/*
 * vsmmu_translate(): the lock-free hit path (config cache + TLB), the miss
 * path (stream table, CD, walks) under the translation cache lock alone
 * (a miss whose event must be recorded is done again under the instance
 * lock too).  The cache effects of CFGI_* and TLBI_* commands are in
 * xlate_cmd.c.
 *
 * Choices where the architecture leaves freedom:
 *  - Bypass (SMMUEN = 0 with GBPA bypass, STE.Config = 100, S1DSS bypass
 *    without stage 2) reports the whole output range as one region:
 *    size = 2^OAS.
 *  - A fetch that fails or a structure that is ILLEGAL is never cached:
 *    the next transaction fetches and checks again (and records again).
 *  - S1ContextPtr beyond the IAS with stage 2 on is C_BAD_STE (the other
 *    permitted outcome is a stage-2 translation fault).
 *  - TLBI by address with TG/TTL hints removes exactly the entries of that
 *    granule and level; TLBI_S2_IPA removes stage-2-only entries (combined
 *    nested entries need TLBI_NH_* or TLBI_S12_VMALL, as the spec allows).
 *  - A translation that started before an invalidation may still complete
 *    with the old result (hits take no lock, so CMD_SYNC cannot wait for
 *    them); any translation starting after the CMD_SYNC sees the new state.
 *
 * All state is the instance's: each thread that translates claims one of
 * the cache's per-thread slots (front cache, configuration memo and its own
 * hit counter; see slots.c) and keeps it for the instance's lifetime.  A
 * thread that finds its candidate slots taken uses the shared TLB only.
 * stats.tlb_hits is exact: the shared counter (hits of threads without a
 * slot) plus every slot's counter.
 */
#include <errno.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "abi/abi.h"
#include "xlate/fast.h"
#include "xlate/ptw.h"

struct vsmmu_xlate {
    struct xl_slots *slots; /* the cache's per-thread slots and generation */
    struct xl_cache *cache;
};

/* ---- lifecycle --------------------------------------------------------------- */

int vsmmu_xlate_init(struct vsmmu *s)
{
    struct vsmmu_xlate *xl = calloc(1, sizeof(*xl));
    if (!xl)
        return -ENOMEM;
    xl->cache = xl_cache_new(s->cfg.tlb_entries, s->cfg.cfg_entries);
    if (!xl->cache) {
        free(xl);
        return -ENOMEM;
    }
    xl->slots = xl_cache_slots(xl->cache);
    s->xl = xl;
    s->xl_slots = xl->slots;
    return 0;
}

void vsmmu_xlate_fini(struct vsmmu *s)
{
    if (!s->xl)
        return;
    xl_cache_free(s->xl->cache);
    free(s->xl);
    s->xl = NULL;
    s->xl_slots = NULL;
}

void vsmmu_xlate_reset(struct vsmmu *s)
{
    if (!s->xl)
        return;
    vsmmu_xl_lock_plain(s);
    xl_cache_flush(s->xl->cache);
    vsmmu_xl_unlock(s);
}

void vsmmu_xlate_smmuen_changed(struct vsmmu *s)
{
    /* Front caches are probed without reading CR0: SMMUEN 0 must find
     * none of their entries alive. */
    if (!s->xl)
        return;
    vsmmu_xl_lock_plain(s);
    xl_cache_gen_bump(s->xl->cache);
    vsmmu_xl_unlock(s);
}

static bool beyond(uint64_t addr, unsigned bits)
{
    return xl_beyond(addr, bits);
}

void xl_set_bypass(const struct vsmmu *s, uint64_t va, struct vsmmu_xlate_result *res)
{
    res->status = VSMMU_XLATE_OK;
    res->addr = va;
    res->size = 1ull << vsmmu_oas_bits(s);
    res->perm = VSMMU_PERM_R | VSMMU_PERM_W | VSMMU_PERM_X;
}

/* ---- events ------------------------------------------------------------------- */

static bool is_xlate_fault(uint8_t t)
{
    return t == EVT_F_TRANSLATION || t == EVT_F_ADDR_SIZE || t == EVT_F_ACCESS ||
           t == EVT_F_PERMISSION;
}

/*
 * Terminate the transaction with fault @f.  @c is the configuration (NULL
 * before the STE is known); @cd_known: a CD governs stage-1 faults.
 * Recording the event needs the instance lock: without it (a miss under
 * the cache lock only) only res->status = XL_STATUS_RELOCK is set, and
 * the miss is done again under both locks (translate_miss).
 */
void xl_terminate(struct vsmmu *s, const struct xl_cfg *c, bool cd_known, uint32_t sid,
                  uint32_t ssid, uint64_t va, const struct acc *a, const struct xl_fault *f,
                  struct vsmmu_xlate_result *res)
{
    bool record = true;
    struct vsmmu_event ev;

    res->status = VSMMU_XLATE_FAULT;
    if (is_xlate_fault(f->type)) {
        if (f->s2) {
            record = c && c->s2r;
        } else if (cd_known) {
            record = c->rec;
            if (!c->abort_term)
                res->status = VSMMU_XLATE_RAZWI;
        }
    } else if (f->type == EVT_C_BAD_STREAMID) {
        record = fld_get(__atomic_load_n(&s->cr2, __ATOMIC_RELAXED), CR2_RECINVSID) != 0;
    }
    if (!record) {
        vsmmu_tr(s, VSMMU_TRACE_XLATE_FAULT, sid, ssid, va, f->type, 0);
        vsmmu_trace(s, "translate sid %u: %s suppressed", sid, vsmmu_event_name(f->type) ?
                    vsmmu_event_name(f->type) : "fault");
        return;
    }
    if (!vsmmu_lock_held(s)) {
        res->status = XL_STATUS_RELOCK;
        return;
    }
    memset(&ev, 0, sizeof(ev));
    ev.type = f->type;
    ev.sid = sid;
    ev.ssv = ssid != VSMMU_NO_SSID;
    ev.ssid = ev.ssv ? ssid : 0;
    ev.rnw = a->rnw;
    ev.ind = a->ind;
    ev.pnu = a->priv;
    ev.s2 = f->s2;
    ev.class_ = f->class_;
    ev.ttrnw = f->type == EVT_F_PERMISSION && f->class_ == EVT_CLASS_TT && f->ttrnw;
    ev.input_addr = va;
    ev.ipa = f->ipa;
    ev.fetch_addr = f->fetch_addr;
    res->event_type = f->type;
    res->recorded = vsmmu_event_record_locked(s, &ev) == EVQ_WRITTEN;
    vsmmu_tr(s, VSMMU_TRACE_XLATE_FAULT, sid, ssid, va, f->type, res->recorded);
    vsmmu_trace(s, "translate sid %u va 0x%llx: %s%s", sid, (unsigned long long)va,
                vsmmu_event_name(f->type) ? vsmmu_event_name(f->type) : "fault",
                res->recorded ? "" : " (not recorded: event queue unwritable)");
}

static void simple_fault(struct xl_fault *f, uint8_t type)
{
    memset(f, 0, sizeof(*f));
    f->type = type;
}

int xl_s2_input(struct vsmmu *s, const struct xl_cfg *c, uint64_t ipa, uint8_t need,
                struct xl_walk *w, struct xl_fault *f)
{
    int rc = xl_walk_s2(s, c, ipa, EVT_CLASS_IN, w, f);

    if (!rc && (w->perm & need) != need) {
        simple_fault(f, EVT_F_PERMISSION);
        f->s2 = true;
        f->class_ = EVT_CLASS_IN;
        f->ipa = ipa;
        rc = f->type;
    }
    return rc;
}

/* ---- miss path ------------------------------------------------------------------- */

int xl_load_ste(struct vsmmu *s, uint32_t sid, uint32_t ssid, uint64_t ste[STE_DWORDS],
                struct xl_cfg *c, struct xl_fault *f)
{
    uint64_t fa;
    int rc;

    rc = vsmmu_ste_fetch(s, sid, ste, &fa);
    if (rc) {
        simple_fault(f, (uint8_t)rc);
        f->fetch_addr = fa;
        return rc;
    }
    rc = xl_ste_decode(s, ste, c);
    if (rc) {
        simple_fault(f, (uint8_t)rc);
        return rc;
    }
    c->sid = sid;
    c->ssid = ssid;
    return 0;
}

int xl_load_cd(struct vsmmu *s, const uint64_t ste[STE_DWORDS], struct xl_cfg *c, uint32_t ssid,
               struct xl_fault *f)
{
    if (c->kind == XK_ABORT)
        return 0;
    if ((c->kind == XK_BYPASS || !c->s1) && ssid != VSMMU_NO_SSID) {
        simple_fault(f, EVT_C_BAD_SUBSTREAMID);
        return f->type;
    }
    if (c->s1)
        return xl_cd_resolve(s, ste, c, ssid, f);
    return 0;
}

/* Fetch and decode the configuration of (sid, ssid).  Returns 0, or fills
 * @f and returns the event type. */
static int load_cfg(struct vsmmu *s, uint32_t sid, uint32_t ssid,
                    struct xl_cfg *c, struct xl_fault *f)
{
    uint64_t ste[STE_DWORDS];
    int rc = xl_load_ste(s, sid, ssid, ste, c, f);

    return rc ? rc : xl_load_cd(s, ste, c, ssid, f);
}

/* After a miss filled the TLB (2^@shift bytes at output @oa, XP_* bits
 * @perm): the same translation in the front cache of @sl, the calling
 * thread's slot (NULL: none), under the generation xl_fast() left in the
 * slot: the one translate() read before it found SMMUEN = 1, as the shared
 * TLB's hits fill it (an entry of a generation that an invalidation or an
 * SMMUEN change has moved past since is dead at once).  Inlined:
 * slow_path() has two callers (the plain miss and its redo under the
 * instance lock). */
__attribute__((always_inline))
static inline void fill_front(struct xl_slot *sl, uint32_t sid, uint32_t ssid, uint64_t va,
                              unsigned shift, uint64_t oa, uint8_t perm,
                              const struct xl_cfg *c)
{
    if (sl)
        xl_fc_fill(&sl->fc[sl->fcx], sid, ssid, sl->gen, va, shift, oa, perm,
                   c->privcfg, c->instcfg);
}

/* The configuration of (sid, ssid) from the config cache, else fetched,
 * decoded and cached (into @own).  NULL after a fault (terminated). */
__attribute__((noinline))
static const struct xl_cfg *miss_cfg(struct vsmmu *s, uint32_t sid, uint32_t ssid, uint64_t va,
                                     unsigned access, struct xl_cfg *own,
                                     struct vsmmu_xlate_result *res)
{
    struct xl_fault f;
    struct acc a;
    int rc;

    memset(own, 0, sizeof(*own));
    rc = load_cfg(s, sid, ssid, own, &f);
    if (rc) {
        if (rc != EVT_C_BAD_STREAMID && rc != EVT_F_STE_FETCH && rc != EVT_C_BAD_STE)
            classify(access, own->privcfg, own->instcfg, &a);
        else
            classify(access, 0, 0, &a);
        xl_terminate(s, own, false, sid, ssid, va, &a, &f, res);
        return NULL;
    }
    xl_cfg_insert(s->xl->cache, own);
    return own;
}

/* Terminate the miss with fault @f, the access classified with the
 * configuration's overrides.  Returns 0 (nothing inserted). */
__attribute__((noinline, cold))
static unsigned miss_fault(struct vsmmu *s, const struct xl_cfg *c, bool cd_known, uint32_t sid,
                           uint32_t ssid, uint64_t va, unsigned access, const struct xl_fault *f,
                           struct vsmmu_xlate_result *res)
{
    struct acc a;

    classify(access, c->privcfg, c->instcfg, &a);
    xl_terminate(s, c, cd_known, sid, ssid, va, &a, f, res);
    return 0;
}

/* The same for a fault of @type with CLASS = IN and no other field. */
__attribute__((noinline, cold))
static unsigned miss_fault_in(struct vsmmu *s, const struct xl_cfg *c, bool cd_known,
                              uint32_t sid, uint32_t ssid, uint64_t va, unsigned access,
                              uint8_t type, struct vsmmu_xlate_result *res)
{
    struct xl_fault f;

    simple_fault(&f, type);
    f.class_ = EVT_CLASS_IN;
    return miss_fault(s, c, cd_known, sid, ssid, va, access, &f, res);
}

/* A configuration that does not translate: abort, or bypass (with the
 * input range check). */
__attribute__((noinline, cold))
static unsigned miss_untranslated(struct vsmmu *s, const struct xl_cfg *c, uint32_t sid,
                                  uint32_t ssid, uint64_t va, unsigned access,
                                  struct vsmmu_xlate_result *res)
{
    if (c->kind == XK_ABORT) {
        res->status = VSMMU_XLATE_FAULT;
        return 0;
    }
    if (beyond(va, c->s1 || c->cd_index >= 0 ? xl_ias_bits(s) : vsmmu_oas_bits(s)))
        return miss_fault_in(s, c, false, sid, ssid, va, access, EVT_F_ADDR_SIZE, res);
    xl_set_bypass(s, va, res);
    return 0;
}

/* Returns the log2 size of the translation put in the TLB (learnt by the
 * slot's configuration memo too), 0 for none.
 * @sl: the calling thread's slot (with the probe of this miss), or NULL.
 * Inlined into translate_miss (inline itself): no second call, frame and
 * argument passing on the miss (and into the cold miss_relock). */
__attribute__((always_inline))
static inline unsigned slow_path(struct vsmmu *s, struct xl_slot *sl, uint32_t sid,
                                 uint32_t ssid, uint64_t va, unsigned access,
                                 struct vsmmu_xlate_result *res)
{
    struct xl_cache *xc = xl_cache_of(s);
    const struct xl_cfg *c;
    struct xl_cfg own;
    struct xl_fault f;
    struct xl_walk w1, w2;
    unsigned half = 0, shift, level = 0, gshift = 0;
    uint64_t ipa, key, oa, mask;
    uint8_t need, perm;
    bool priv, global = false;
    int rc;

    /* The cached configuration is read in place: nothing below changes the
     * config cache (the cache lock is held; host callbacks cannot
     * re-enter). */
    c = cfg_lookup(xc, sid, ssid);
    if (!c && !(c = miss_cfg(s, sid, ssid, va, access, &own, res)))
        return 0;
    if (c->kind != XK_XLATE)
        return miss_untranslated(s, c, sid, ssid, va, access, res);
    if (c->privcfg || c->instcfg) {
        struct acc a;
        classify(access, c->privcfg, c->instcfg, &a);
        need = a.need;
        priv = a.priv;
    } else {
        need = access_need(access);
        priv = (access & VSMMU_ACC_PRIV) != 0;
    }

    /* Stage 1. */
    key = va;
    ipa = va;
    shift = 64;
    perm = XP_ALL;
    if (c->s1) {
        if (!xl_s1_input_ok(c, va, &half))
            return miss_fault_in(s, c, true, sid, ssid, va, access, EVT_F_TRANSLATION, res);
        /* tlb_key(): the half's TBI is the one it picks (the upper half
         * only with two ranges and bit 55 set). */
        key = tlb_key(va, true, half, c->tt[half].tbi, c->tt[half].tbi);
        rc = xl_walk_s1_fast(s, c, half, key, &w1, &f);
        if (rc)
            return miss_fault(s, c, true, sid, ssid, va, access, &f, res);
        if ((w1.perm & need) != need)
            return miss_fault_in(s, c, true, sid, ssid, va, access, EVT_F_PERMISSION, res);
        ipa = w1.oa;
        shift = w1.shift;
        perm = w1.perm;
        /* the entry's walk: the stage-1 one */
        level = w1.level;
        gshift = c->tt[half].gshift;
        global = w1.global;
    } else if (beyond(va, xl_ias_bits(s))) {
        return miss_fault_in(s, c, false, sid, ssid, va, access, EVT_F_ADDR_SIZE, res);
    }

    /* Stage 2. */
    oa = ipa;
    if (c->s2) {
        rc = xl_s2_input(s, c, ipa, need, &w2, &f);
        if (rc)
            return miss_fault(s, c, c->s1, sid, ssid, va, access, &f, res);
        oa = w2.oa;
        if (w2.shift < shift)
            shift = w2.shift;
        perm &= w2.perm;
        if (!c->s1) {
            level = w2.level;
            gshift = c->st2.gshift;
        }
    }

    /* The TLB entry is built in place (tlb_insert() is inline). */
    mask = ~((1ull << shift) - 1);
    tlb_insert(xc, c->tag, global, key, oa & mask, ipa & mask, shift, level, gshift, perm, sid,
               ssid, sl ? &sl->probe : NULL);
    fill_front(sl, sid, ssid, va, shift, oa & mask, perm, c);
    vsmmu_tr(s, VSMMU_TRACE_TLB_FILL, sid, ssid, xl_tag_vmid(c->tag), xl_tag_asid(c->tag),
             key & mask, oa & mask, 1ull << shift, api_perm(perm, priv));

    res->status = VSMMU_XLATE_OK;
    res->addr = oa;
    res->size = 1ull << shift;
    res->perm = api_perm(perm, priv);
    /* The configuration memo's size hint learns the size just inserted (the
     * memo stays: it is emptied when the generation moves).  A size another
     * thread inserted is learnt the same way, on this thread's own miss. */
    if (sl)
        sl->cshifts |= 1ull << shift;
    return shift;
}

/* ---- translate ------------------------------------------------------------------ */

/* SMMUEN = 0: GBPA decides (no event, no cache). */
__attribute__((noinline))
static int translate_disabled(struct vsmmu *s, uint64_t iova, struct vsmmu_xlate_result *res)
{
    uint32_t gbpa = __atomic_load_n(&s->gbpa, __ATOMIC_RELAXED);

    memset(res, 0, sizeof(*res));
    if (fld_get(gbpa, GBPA_ABORT) || beyond(iova, vsmmu_oas_bits(s)))
        res->status = VSMMU_XLATE_FAULT;
    else
        xl_set_bypass(s, iova, res);
    return 0;
}

/* A miss whose fault must be recorded, done again under the instance lock
 * (then the cache lock): the event is recorded with the outcome of this
 * pass, atomically with respect to commands, reset and state load. */
__attribute__((noinline, cold))
static void miss_relock(struct vsmmu *s, struct xl_slot *sl, uint32_t sid, uint32_t ssid,
                        uint64_t iova, unsigned access, struct vsmmu_xlate_result *res)
{
    /* As an urgent waiter: spinning, and let in by command processing at
     * its next command boundary (within bounds: cmdq.c), so that a
     * faulting translation does not wait a sleeper's wake-up behind a long
     * queue.  This thread holds neither lock. */
    vsmmu_lock_spin(s, true);
    vsmmu_xl_lock_plain(s);
    memset(res, 0, sizeof(*res));
    slow_path(s, sl, sid, ssid, iova, access, res);
    vsmmu_xl_unlock(s);
    vsmmu_unlock(s);
}

/* Miss: under the cache lock only, so that command processing, which holds
 * the instance lock for a whole queue and the cache lock only around each
 * command's cache work, never holds it up for long.  A fault to record
 * needs the instance lock: that miss is done again with it.  Inline in
 * translate_owned() (the common caller: one frame for the whole miss),
 * out of line for the others (translate_miss_call()). */
static inline __attribute__((always_inline))
int translate_miss(struct vsmmu *s, struct xl_slot *sl, uint32_t sid, uint32_t ssid,
                   uint64_t iova, unsigned access, struct vsmmu_xlate_result *res)
{
    unsigned shift;

    memset(res, 0, sizeof(*res));
    if (vsmmu_xl_lock(s))
        return -EDEADLK;
    __atomic_fetch_add(&s->stats.tlb_misses, 1, __ATOMIC_RELAXED);
    shift = slow_path(s, sl, sid, ssid, iova, access, res);
    vsmmu_xl_unlock(s);
    if (__builtin_expect(!shift && res->status == XL_STATUS_RELOCK, 0))
        miss_relock(s, sl, sid, ssid, iova, access, res);
    return 0;
}

__attribute__((noinline))
static int translate_miss_call(struct vsmmu *s, struct xl_slot *sl, uint32_t sid, uint32_t ssid,
                               uint64_t iova, unsigned access, struct vsmmu_xlate_result *res)
{
    return translate_miss(s, sl, sid, ssid, iova, access, res);
}

/*
 * A hit in the front cache of slot @sl: an entry of (@sid, @ssid) covering
 * @iova, filled under the current generation @gen, that permits @access
 * (at most 0xF: READ, WRITE, EXEC, PRIV).  Fills @res and counts the hit;
 * false (nothing written) otherwise.
 */
static inline bool fc_hit(struct xl_slot *sl, uint64_t gen, uint32_t sid, uint32_t ssid,
                          uint64_t iova, unsigned access, struct vsmmu_xlate_result *res)
{
    const struct xl_fc_ent *e = &sl->fc[xl_fc_idx(sid, iova)];
    uint64_t perm;

    if (e->gen != gen || e->sid != sid || e->ssid != ssid || (iova | e->off) != e->vaoff ||
        !e->acc[access])
        return false;
    /* (Reload the entry's fields rather than keep them in registers: no
     * stack frame in vsmmu_translate.) */
    __atomic_signal_fence(__ATOMIC_SEQ_CST);
    res->status = VSMMU_XLATE_OK;
    res->addr = e->pa | (iova & e->off);
    res->size = e->off + 1;
    perm = e->acc[access] & ~XL_FC_OK;
    xl_res_perm(res, perm);
    xl_slot_count_hit(sl);
    return true;
}

/* vsmmu_translate() into the library's own struct (@res is not NULL).
 * @probed: vsmmu_translate() has probed the front cache of the thread's
 * first candidate slot.  @owned: that slot, the calling thread's (then
 * @s is not NULL and @access has no ATS bits), or NULL: not known yet.
 * Inline in its callers (no call and frame of its own on the way to the
 * shared TLB and the miss). */
static inline __attribute__((always_inline))
int translate(vsmmu_t *s, uint32_t sid, uint32_t ssid, uint64_t iova,
              unsigned access, struct vsmmu_xlate_result *res, bool probed,
              struct xl_slot *owned)
{
    struct vsmmu_xlate *xl;
    struct xl_slot *sl;
    uintptr_t me;
    unsigned idx;
    uint64_t gen;
    int rc;

    if ((!owned && !s) || (ssid != VSMMU_NO_SSID && ssid > 0xFFFFF))
        return -EINVAL;
    if (!owned && __builtin_expect((access & ~0xFu) != 0, 0))
        return xl_translate_ats(s, sid, ssid, iova, access, res);
    if (!(access & (VSMMU_ACC_READ | VSMMU_ACC_WRITE | VSMMU_ACC_EXEC)))
        return -EINVAL;
    /* The generation before CR0: an entry filled under it was filled while
     * SMMUEN was 1, as clearing SMMUEN bumps the generation (see
     * vsmmu_xlate_smmuen_changed). */
    xl = s->xl;
    gen = __atomic_load_n(&xl->slots->gen, __ATOMIC_ACQUIRE);
    if (__builtin_expect(!(__atomic_load_n(&s->cr0, __ATOMIC_ACQUIRE) & fld_mask(CR0_SMMUEN)), 0))
        return translate_disabled(s, iova, res);

    /* Hit path: no lock; the calling thread's slot, else none.  (A hit
     * or final answer sets event_type and recorded with perm,
     * xl_res_perm(); a miss clears the result.) */
    if (owned) {
        sl = owned;
    } else if (me = vsmmu_self(), idx = xl_slot_idx(me),
               __builtin_expect(__atomic_load_n(&xl->slots->owner[idx], __ATOMIC_RELAXED) == me,
                                1)) {
        sl = (struct xl_slot *)xl->slots->slot[idx];
    } else {
        sl = xl_slot_claim(xl->slots, me);
        probed = false;     /* the second candidate, or a new slot */
    }
    if (sl && !owned) {
        sl->fcx = xl_fc_idx(sid, iova);
        if (!probed && fc_hit(sl, gen, sid, ssid, iova, access, res))
            return 0;
    }
    rc = xl_fast(xl->cache, sl, gen, sid, ssid, iova, access, s->cfg.oas_bits, res);
    if (__builtin_expect(rc == XF_HIT, 1)) {
        if (sl)
            xl_slot_count_hit(sl);
        else
            __atomic_fetch_add(&s->stats.tlb_hits, 1, __ATOMIC_RELAXED);
        return 0;
    }
    if (rc == XF_DONE)
        return 0;
    if (owned)
        return translate_miss(s, sl, sid, ssid, iova, access, res);
    return translate_miss_call(s, sl, sid, ssid, iova, access, res);
}

/* vsmmu_translate() for a caller compiled with another struct size:
 * through our struct, then min(sizes). */
__attribute__((noinline, cold))
static int translate_compat(vsmmu_t *s, uint32_t sid, uint32_t ssid, uint64_t iova,
                            unsigned access, struct vsmmu_xlate_result *res)
{
    struct vsmmu_xlate_result own;
    int rc;

    if (!res || !vsmmu_abi_size_ok(res))
        return -EINVAL;
    memset(&own, 0, sizeof(own));
    rc = translate(s, sid, ssid, iova, access, &own, false, NULL);
    if (rc)
        return rc;
    return vsmmu_abi_copy_out(res, &own, sizeof(own));
}

/* Everything but the front cache probe of the first candidate slot: out
 * of line, so that the hit needs no stack frame. */
__attribute__((noinline))
static int translate_full(vsmmu_t *s, uint32_t sid, uint32_t ssid, uint64_t iova,
                          unsigned access, struct vsmmu_xlate_result *res)
{
    int rc;

    /* A caller compiled with this library's struct: straight into it (the
     * translation may overwrite struct_size; it is put back). */
    if (__builtin_expect(res && res->struct_size == sizeof(*res), 1)) {
        rc = translate(s, sid, ssid, iova, access, res, true, NULL);
        res->struct_size = sizeof(*res);
        return rc;
    }
    return translate_compat(s, sid, ssid, iova, access, res);
}

/* translate_full() for a plain access of this library's struct by the
 * owner of slot @sl, whose front cache missed (vsmmu_translate() checked
 * all that). */
__attribute__((noinline))
static int translate_owned(vsmmu_t *s, uint32_t sid, uint32_t ssid, uint64_t iova,
                           unsigned access, struct vsmmu_xlate_result *res, struct xl_slot *sl)
{
    int rc;

    /* (Told to the compiler, vsmmu_translate() having checked them: the
     * tests of a NULL slot, instance or result in the inline parts below
     * go.) */
    if (!s || !res || !sl)
        __builtin_unreachable();
    rc = translate(s, sid, ssid, iova, access, res, true, sl);

    res->struct_size = sizeof(*res);
    return rc;
}

/*
 * The hit path: a plain access (no ATS bits) by a thread that owns its
 * first candidate slot, answered by that slot's front cache.  Entries
 * exist only for valid SubstreamIDs, the access table of an entry never
 * permits an access without READ, WRITE or EXEC, and no entry is of the
 * current generation while SMMUEN is 0 (translate(), fill_front()), so
 * the checks of translate() hold for every hit.
 */
int vsmmu_translate(vsmmu_t *s, uint32_t sid, uint32_t ssid, uint64_t iova,
                    unsigned access, struct vsmmu_xlate_result *res)
{
    if (__builtin_expect(s && res && res->struct_size == sizeof(*res) && access <= 0xFu, 1)) {
        struct xl_slots *ss = s->xl_slots;
        uintptr_t me = vsmmu_self();
        struct xl_slot_hdr *h = __atomic_load_n(&ss->slot[xl_slot_idx(me)], __ATOMIC_ACQUIRE);

        if (h->owner == me) {
            if (fc_hit((struct xl_slot *)h, __atomic_load_n(&ss->gen, __ATOMIC_RELAXED), sid,
                       ssid, iova, access, res))
                return 0;
            ((struct xl_slot *)h)->fcx = xl_fc_idx(sid, iova);
            return translate_owned(s, sid, ssid, iova, access, res, (struct xl_slot *)h);
        }
    }
    return translate_full(s, sid, ssid, iova, access, res);
}

uint64_t vsmmu_xlate_hits(struct vsmmu *s)
{
    uint64_t n = __atomic_load_n(&s->stats.tlb_hits, __ATOMIC_RELAXED);
    return s->xl ? n + xl_slot_hits(s->xl->slots) : n;
}

/* @count of the cache, under the cache lock. */
static unsigned cache_count(struct vsmmu *s, unsigned (*count)(struct xl_cache *))
{
    unsigned n;

    vsmmu_xl_lock_plain(s);
    n = count(s->xl->cache);
    vsmmu_xl_unlock(s);
    return n;
}

unsigned vsmmu_xlate_tlb_count(struct vsmmu *s) { return cache_count(s, xl_tlb_count); }
unsigned vsmmu_xlate_cfg_count(struct vsmmu *s) { return cache_count(s, xl_cfg_count); }

static struct xl_slot *own_slot(struct vsmmu *s)
{
    return xl_slot_find(s->xl->slots, vsmmu_self());
}

int vsmmu_xlate_thread_slot(struct vsmmu *s)
{
    return xl_slot_index(s->xl->slots, vsmmu_self());
}

uint64_t vsmmu_xlate_thread_hits(struct vsmmu *s)
{
    struct xl_slot *sl = own_slot(s);
    return sl ? __atomic_load_n(&sl->h.hits, __ATOMIC_RELAXED) : 0;
}

void vsmmu_xlate_forget_thread(struct vsmmu *s)
{
    struct xl_slot *sl = own_slot(s);
    if (sl) {
        memset(sl->fc, 0, sizeof(sl->fc));
        sl->ckey = 0;
    }
}

void vsmmu_xlate_set_inval_clock(struct vsmmu *s, uint64_t clock)
{
    vsmmu_xl_lock_plain(s);
    xl_cache_set_clock(s->xl->cache, clock);
    vsmmu_xl_unlock(s);
}

void vsmmu_xlate_set_gen(struct vsmmu *s, uint64_t gen)
{
    vsmmu_xl_lock_plain(s);
    xl_cache_set_gen(s->xl->cache, gen);
    vsmmu_xl_unlock(s);
}
