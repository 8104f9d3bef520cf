/* SPDX-License-Identifier: MIT */
/*
 * Translation internals shared by strtab.c (stream table, STE and CD
 * decode), ptw.c (table walks), tlb.c, cfgcache.c, tlb_inval.c and fast.h (TLB and config cache) and
 * translate.c (the translate API and invalidation commands).
 *
 * "The lock" in the comments of this layer (and of cache.h) is the
 * translation cache lock (vsmmu_xl_lock, model/model.h): every reader
 * that is not the lock-free hit path, and every writer, of the TLB, the
 * config and walk caches and the generation holds it.  A translation miss
 * holds it alone; command processing, reset, state load, SMMUEN changes
 * and ATS hold it under the instance lock.
 */
#ifndef VSMMU_XLATE_H
#define VSMMU_XLATE_H

#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "model/model.h"

/* Translation regime of a stage-1 configuration (StreamWorld). */
enum xl_regime {
    XR_NSEL1 = 1,   /* NS-EL1: ASID + VMID tagged, two VA ranges      */
    XR_S2ONLY = 2,  /* stage 2 only: VMID tagged, keyed by IPA         */
    XR_EL2 = 3,     /* NS-EL2: one VA range, no ASID/VMID              */
    XR_EL2E2H = 4,  /* NS-EL2-E2H: two VA ranges, ASID tagged          */
};

enum xl_kind {
    XK_ABORT = 0,   /* terminate silently (STE.Config abort)           */
    XK_BYPASS = 1,  /* both stages bypassed                            */
    XK_XLATE = 2,   /* at least one stage translates                   */
};

/* One set of translation-table parameters: a stage-1 half or stage 2. */
struct xl_tt {
    bool en;            /* walks allowed (stage 1: EPD == 0)            */
    bool tbi;           /* stage 1: top byte ignored                    */
    bool had;           /* stage 1: hierarchical attributes disabled    */
    bool be;            /* big-endian descriptors (ENDI / S2ENDI)        */
    uint8_t gshift;     /* granule: 12, 14 or 16                        */
    uint8_t ia_bits;    /* input size: 64 - TxSZ                        */
    uint8_t start;      /* start level 0..3                             */
    uint8_t oa_bits;    /* output limit: effective IPS / S2PS           */
    uint64_t ttb;       /* start table base, aligned                    */
};

/* A decoded STE (+ CD): everything a walk needs. */
struct xl_cfg {
    uint32_t sid, ssid;     /* ssid = VSMMU_NO_SSID without one         */
    uint8_t kind;           /* enum xl_kind                             */
    bool s1, s2;            /* stages that translate                    */
    uint8_t regime;         /* enum xl_regime (when translating)        */
    int32_t cd_index;       /* CD used (-1: none), for CFGI_CD          */
    uint8_t privcfg, instcfg;   /* STE overrides (0: incoming)          */
    uint8_t eats;           /* STE.EATS as it behaves regardless of
                               CR0.ATSCHK: 0 without IDR0.ATS, for Config
                               abort and bypass, and for 11 without DPT */
    /* stage 1 */
    struct xl_tt tt[2];
    bool affd, ha, wxn, pan, rec, abort_term;
    uint16_t asid;
    /* XP_* of a stage-1 leaf by XL_S1P_* index (xl_s1_perm_table). */
    uint8_t s1perm[16];
    /* A stage-1 leaf is global unless it has these bits: PTE_NG's mask,
     * 0 in the EL2 regime (no ASIDs there: every leaf is global). */
    uint64_t s1_ng;
    /* The stage-1 input range check (xl_s1_input_ok), from the fields
     * above (xl_s1_input_table): the half of an address is its bit 55
     * masked with s1_hsel (1 with two ranges, else 0); per half, the bits
     * from the top (55 under TBI, else 63) down to the input size, which
     * must all equal the half, or ~0 for a half that does not translate
     * (EPD, or an input size beyond the top). */
    uint8_t s1_hsel;
    uint64_t s1_in_mask[2];
    /* stage 2 */
    struct xl_tt st2;
    uint16_t vmid;
    bool s2affd, s2ha, s2ptw, s2r;
    uint64_t tag;           /* TLB tag (see xl_tag)                      */
    /* This decode's number in the config cache that holds it (even, from
     * 2, never reused by that cache: set by xl_cfg_insert()); 0: never
     * inserted.  Equal numbers: the same decode, so the same tag, tables
     * and table parameters (the walk cache's last hit, wcache.h). */
    uint64_t decode_id;
};

/* TLB tag: regime, VMID and ASID. */
#define XT_ASID_MASK   0xFFFFull
#define XT_VMID_SHIFT  16
#define XT_REG_SHIFT   32
static inline uint64_t xl_tag(unsigned regime, unsigned vmid, unsigned asid)
{
    return (uint64_t)regime << XT_REG_SHIFT | (uint64_t)vmid << XT_VMID_SHIFT | asid;
}
static inline unsigned xl_tag_regime(uint64_t t) { return (unsigned)(t >> XT_REG_SHIFT) & 0xF; }
static inline unsigned xl_tag_vmid(uint64_t t) { return (unsigned)(t >> XT_VMID_SHIFT) & 0xFFFF; }
static inline unsigned xl_tag_asid(uint64_t t) { return (unsigned)t & 0xFFFF; }

/* Permission bits of a walk result and of TLB entries. */
enum {
    XP_PR = 1u << 0, XP_PW = 1u << 1, XP_PX = 1u << 2,
    XP_UR = 1u << 3, XP_UW = 1u << 4, XP_UX = 1u << 5,
    XP_ALL = 0x3F,
};

/* A fault: the event a transaction gets. */
struct xl_fault {
    uint8_t type;       /* EVT_*                                        */
    bool s2;
    uint8_t class_;     /* EVT_CLASS_*                                  */
    bool ttrnw;
    uint64_t ipa;
    uint64_t fetch_addr;
};

/* Result of a walk of one stage. */
struct xl_walk {
    uint64_t oa;        /* output address of the input address          */
    uint8_t shift;      /* log2 of the page/block size                  */
    uint8_t level;
    uint8_t perm;       /* XP_* granted by this stage                   */
    bool global;        /* stage 1: nG == 0                             */
    bool device;        /* stage 2: Device memory type                  */
};

/* ---- strtab.c -------------------------------------------------------- */
/** Decode and validate an STE into @c (the stage-1 part is left for the
 *  CD).  Returns 0 or EVT_C_BAD_STE. */
int xl_ste_decode(struct vsmmu *s, const uint64_t ste[STE_DWORDS], struct xl_cfg *c);
/** Resolve the CD for (@c->sid, @ssid) using the raw STE, fetch, validate
 *  and decode it into @c.  Returns 0 or fills @f (C_BAD_SUBSTREAMID,
 *  F_STREAM_DISABLED, F_CD_FETCH, C_BAD_CD, stage-2 faults with CLASS=CD)
 *  and returns its type.  Sets @c->s1 = false for S1DSS bypass. */
int xl_cd_resolve(struct vsmmu *s, const uint64_t ste[STE_DWORDS], struct xl_cfg *c,
                  uint32_t ssid, struct xl_fault *f);
/** IAS in bits. */
unsigned xl_ias_bits(const struct vsmmu *s);

/* ---- ptw.c ----------------------------------------------------------- */
/** Stage-1 walk of @va (already range-checked, half @half).  Table
 *  fetches go through stage 2 when @c->s2.  Returns 0 or a fault type. */
int xl_walk_s1(struct vsmmu *s, const struct xl_cfg *c, unsigned half, uint64_t va,
               struct xl_walk *w, struct xl_fault *f);
/** Stage-2 walk of @ipa.  @class_ is the CLASS of a fault.  Returns 0 or a
 *  fault type (faults have S2 = 1 and IPA = @ipa). */
int xl_walk_s2(struct vsmmu *s, const struct xl_cfg *c, uint64_t ipa, unsigned class_,
               struct xl_walk *w, struct xl_fault *f);
/** Translate the IPA of a structure or descriptor the SMMU reads (CD,
 *  L1CD, stage-1 table) or writes (@write: an Access-flag update) through
 *  stage 2: permission, AF, S2PTW.
 *  Returns 0 with *pa, or a fault type (CLASS = @class_). */
int xl_s2_fetch_addr(struct vsmmu *s, const struct xl_cfg *c, uint64_t ipa, unsigned class_,
                     bool write, uint64_t *pa, struct xl_fault *f);
/** Fill @c->s1perm from the regime, WXN and PAN: the permissions of a
 *  stage-1 leaf for each index XL_S1P_AP(AP[2:1] with the APTable
 *  restrictions applied) | XL_S1P_PXN | XL_S1P_UXN. */
void xl_s1_perm_table(struct xl_cfg *c);
#define XL_S1P_AP_MASK 3u
#define XL_S1P_PXN 4u
#define XL_S1P_UXN 8u
/** Start level for stage 1 from the input size and granule. */
unsigned xl_s1_start_level(unsigned ia_bits, unsigned gshift);

/** log2 of the input range a descriptor at @level maps (granule 2^@gshift). */
static inline unsigned xl_level_shift(unsigned level, unsigned gshift)
{
    return gshift + (3 - level) * (gshift - 3);
}

/* ---- walkcache.c ----------------------------------------------------- */
/* What a walk's cached table descriptors are valid for: the TLB tag (stage
 * 1: the configuration's; stage 2: XR_S2ONLY and the VMID), the start
 * table, the parameters that shape the walk (the struct xl_tt fields
 * before ttb, as one word) and the kind of walk (XL_WC_*). */
struct xl_wc_key {
    uint64_t tag;
    uint64_t ttb;
    uint64_t params;
    uint8_t flags;
    uint8_t gshift, start;
    /* Filled by xl_wc_lookup() for the xl_wc_insert() of the same walk:
     * per level, the set it probed (NULL: none) and the way to fill (the
     * entry of this key, invalidated since, else an empty way; NULL:
     * round robin). */
    struct wc_ent *set[3], *way[3];
};
#define XL_WC_NESTED 1u         /* stage 1 with table addresses as IPAs */
#define XL_WC_STAGE2 2u
#define XL_WC_LEVEL_SHIFT 2     /* an entry's flags: the level above these */
/* The lowest level cached: 1 for stage 1, 0 for stage 2.  A level-0
 * descriptor maps 512 GB or more; its hit saves one read, about what
 * probing and filling its entry costs on every cold walk, except when the
 * walk ends in a level-1 block, as stage 2 often maps (1 GB blocks). */
static inline unsigned xl_wc_min_level(uint8_t flags)
{
    return (flags & XL_WC_STAGE2) ? 0 : 1;
}
/* The walk-cache key of a walk of @t in @c (stage 2: @st2; a stage-1
 * walk through stage 2: @nested). */
_Static_assert(offsetof(struct xl_tt, ttb) == sizeof(uint64_t),
               "the walk parameters of struct xl_tt fill one word before ttb");
static inline void xl_wc_key_make(const struct xl_cfg *c, const struct xl_tt *t, bool st2,
                                  bool nested, struct xl_wc_key *k)
{
    k->tag = st2 ? xl_tag(XR_S2ONLY, c->vmid, 0) : c->tag;
    k->ttb = t->ttb;
    memcpy(&k->params, t, sizeof(k->params));
    k->flags = (uint8_t)((nested ? XL_WC_NESTED : 0) | (st2 ? XL_WC_STAGE2 : 0));
    k->gshift = t->gshift;
    k->start = t->start;
}
struct xl_wc;
struct wc_ent;
struct xl_cache;
/** A walk cache whose entries are stamped with *@clock (the TLB's). */
struct xl_wc *xl_wc_new(const uint64_t *clock);
void xl_wc_free(struct xl_wc *wc);
/** Empty it and reset its scope words (the TLB's clock restarted). */
void xl_wc_clear(struct xl_wc *wc);
/** Under the lock: the deepest cached table for @ia under @k.  Returns the
 *  level to read next with its table in *table and the accumulated table
 *  restrictions in *attrs (k->start, k->ttb and 0 without a hit). */
unsigned xl_wc_lookup(struct xl_cache *xc, struct xl_wc_key *k, uint64_t ia,
                      uint64_t *table, unsigned *attrs);
/** Under the lock: xl_wc_lookup() of a plain stage-1 walk of @c with the
 *  4K granule from table @t (t->start < 3) right after its level-2 probe
 *  (xl_wc_s1_4k_l2(), wcache.h) missed: makes *@k itself. */
unsigned xl_wc_lookup_s1_4k(struct xl_cache *xc, const struct xl_cfg *c, const struct xl_tt *t,
                            uint64_t ia, struct xl_wc_key *k, uint64_t *table, unsigned *attrs);
/** Under the lock: the table descriptor at @level for @ia points at @next,
 *  with @attrs accumulated down to it.  @k: as xl_wc_lookup() left it for
 *  the same walk (nothing else may have invalidated in between). */
void xl_wc_insert(struct xl_cache *xc, const struct xl_wc_key *k, unsigned level, uint64_t ia,
                  uint64_t next, unsigned attrs);
struct xl_tlbi;
/** Under the lock: the walk-cache part of a TLBI (xl_tlb_inval calls it). */
void xl_wc_inval(struct xl_cache *xc, const struct xl_tlbi *p);
/** Tests: live entries; turning the walk cache off for good. */
unsigned xl_wc_count(struct xl_cache *xc);
void xl_wc_disable(struct xl_cache *xc);

/* ---- tlb.c, cfgcache.c, tlb_inval.c ---------------------------------- */
struct xl_cache;
struct xl_cache *xl_cache_new(unsigned tlb_entries, unsigned cfg_entries);
void xl_cache_free(struct xl_cache *c);

/** Under the lock: full config of (sid, ssid), or NULL. */
const struct xl_cfg *xl_cfg_lookup(struct xl_cache *xc, uint32_t sid, uint32_t ssid);
/** Under the lock: insert (replaces an entry of the same key); sets
 * c->decode_id, which the cached copy gets too. */
void xl_cfg_insert(struct xl_cache *xc, struct xl_cfg *c);
/** Under the lock: remove configs of SIDs [sid, sid+num) (num 0: all);
 *  with @cd_only, only those that use CD @cd_index. */
unsigned xl_cfg_inval(struct xl_cache *xc, uint64_t sid, uint64_t num, bool cd_only, uint32_t cd_index);

/* One TLB entry's translation. */
struct xl_tlbe {
    uint64_t tag;
    bool global;
    uint64_t va;        /* input address (aligned to 2^shift)            */
    uint64_t oa;        /* output base                                   */
    uint64_t ipa;       /* nested / stage 2: IPA of the base (or 0)      */
    uint8_t shift, level, gshift, perm;
};
struct xl_probe;
/** Under the lock: insert; also records the size in the config hint of
 *  (sid, ssid).  @pr: the calling thread's record of its probe for this
 *  miss (xl_fast), or NULL. */
void xl_tlb_insert(struct xl_cache *xc, const struct xl_tlbe *e, uint32_t sid, uint32_t ssid,
                   const struct xl_probe *pr);

/* Invalidation predicate. */
struct xl_tlbi {
    unsigned regime_mask;   /* 1u << regime                              */
    bool match_vmid;
    uint16_t vmid;
    bool match_asid;        /* entries tagged with @asid (globals: see below) */
    uint16_t asid;
    bool keep_global;       /* NH_ASID: non-global entries only           */
    bool by_addr;
    bool by_ipa;            /* compare @lo..@hi against the IPA            */
    uint64_t lo, hi;        /* inclusive address range                     */
    uint8_t gshift;         /* 0: any granule                              */
    uint8_t level;          /* 0: any level                                */
};
unsigned xl_tlb_inval(struct xl_cache *xc, const struct xl_tlbi *p);
void xl_cache_flush(struct xl_cache *xc);
/** Counts of valid entries (tests, bench). */
unsigned xl_tlb_count(struct xl_cache *xc);
unsigned xl_cfg_count(struct xl_cache *xc);
/** Tests: move the invalidation clock forward to @clock (wrap safety). */
void xl_cache_set_clock(struct xl_cache *xc, uint64_t clock);


/* ---- per-thread slots (tlb.c fills them, vsmmu_translate probes them) ----
 * Each cache has XL_SLOTS slot indexes, one per thread that uses the
 * instance.  A thread claims a free index with a CAS on its owner word
 * (owner = its vsmmu_self() identity) and keeps it for the cache's lifetime;
 * with the claim it allocates its slot (struct xl_slot: hit counter,
 * configuration memo and front cache).  Only the owner reads or writes a
 * slot, except that vsmmu_get_stats sums the hit counters.  The owner
 * words and slot pointers are written only when claimed, so the threads
 * probing them share those lines without bouncing them.  A thread whose
 * two candidate indexes belong to other threads (or whose allocation
 * failed) uses no slot: it goes straight to the shared TLB and counts its
 * hits in the shared counter. */
#define XL_SLOTS_LOG2 6
#define XL_SLOTS (1u << XL_SLOTS_LOG2)

/* Front cache: a direct-mapped per-thread copy of the translations the
 * owner used, indexed by 4K input page and StreamID (xl_fc_idx).  Each
 * entry carries what a hit returns, precomputed: the vsmmu_translate() of
 * a plain access is a few compares, loads and stores. */
#define XL_FC_LOG2 9
#define XL_FC_N (1u << XL_FC_LOG2)
struct xl_fc_ent {
    uint32_t sid, ssid;     /* as presented (any valid SubstreamID)        */
    uint64_t gen;           /* cache generation it was filled under; an
                               entry of another generation is dead        */
    uint64_t vaoff;         /* input address | off (compared as iova | off) */
    uint64_t off;           /* size - 1: the offset bits                   */
    uint64_t pa;            /* output base (offset bits 0)                 */
    /* Per access value a (READ, WRITE, EXEC, PRIV bits): 0 when a is not
     * permitted (always for a without READ, WRITE or EXEC; everywhere in
     * an empty entry), else XL_FC_OK | the VSMMU_PERM_* to report. */
    uint8_t acc[16];
    uint64_t pad;           /* (a power of two: the index is one shift)    */
};
#define XL_FC_OK 0x80u
_Static_assert(sizeof(struct xl_fc_ent) == 64, "front cache entry: 64 bytes");

/* What the lock-free probe of a miss (xl_fast) computed that the insert
 * after the walk can use: the first set of (tag, page, size) for the last
 * (largest) size it probed, usually the only one.  A pure function of those
 * and the TLB's fixed geometry, so it stays right whatever happened in
 * between; and the tag's scope stamps as they were then (a hint for the
 * choice of victim only).  The tag and the stamps are the configuration
 * memo's (struct xl_slot), kept here so that a probe records only the page
 * and its set; whenever the memo takes another configuration, vkey is
 * cleared, so a record is always of the tag beside it. */
struct xl_probe {
    /* The page: its TLB key address (aligned) | its log2 size (12 or
     * more, so never 0); 0: no record. */
    uint64_t vkey;
    size_t set0;        /* index of the first set */
    uint64_t tag;       /* the memo's TLB tag (xl_tag bits) */
    /* ... and the stamps its global / non-global TLB entries must exceed
     * (cache.h: scope invalidation), read under the memo's generation. */
    uint64_t thr_g, thr_ng;
    /* The cache's TLB insert count read before the probe that recorded
     * vkey (cache.h, xl_cache.inserts). */
    uint64_t ins;
};

/* The head of a slot: what the hit path reads before it knows the slot is
 * the caller's. */
struct xl_slot_hdr {
    uintptr_t owner;    /* vsmmu_self() of the owner (0: xl_slots.none) */
    uint64_t hits;      /* TLB hits of the owner (it alone writes; atomic) */
};
struct xl_slot {
    struct xl_slot_hdr h;   /* first: a slot is reached through its head */
    uint64_t gen;       /* cache generation the memo was filled under */
    /* The hot configuration the owner used last (key 0: none).  Its size
     * hint may lag behind inserts by other threads: the miss path adds
     * the size it inserts.  Its TLB tag and scope stamps are in probe. */
    uint64_t ckey, chot, cshifts;
    /* The front-cache index (xl_fc_idx) of the translation in progress:
     * set before the shared-TLB probe, used by the fill after a hit or a
     * walk (computed once per call). */
    uint64_t fcx;
    /* What the owner's last shared-TLB probe that missed computed. */
    struct xl_probe probe;
    /* The front cache. */
    struct xl_fc_ent fc[XL_FC_N];
} __attribute__((aligned(64)));
struct xl_slots {
    /* The head of the slot of the thread that claimed index i, set once
     * (release) by the owner right after its claim; &none while free. */
    struct xl_slot_hdr *slot[XL_SLOTS] __attribute__((aligned(64)));
    /* vsmmu_self() of the thread that claimed index i; 0: free. */
    uintptr_t owner[XL_SLOTS];
    /* The cache generation: bumped (release) by every invalidation and
     * when SMMUEN changes. */
    uint64_t gen __attribute__((aligned(64)));
    struct xl_slot_hdr none;    /* the slot of no thread (owner 0) */
};


/** The first of the two slot indexes a thread may claim (the other: idx ^ 1). */
static inline unsigned xl_slot_idx(uintptr_t me)
{
    return (unsigned)(((uint64_t)me * 0x9E3779B97F4A7C15ull) >> (64 - XL_SLOTS_LOG2));
}

/** The slots of a cache. */
struct xl_slots *xl_cache_slots(struct xl_cache *xc);
/** Set up zeroed slots (no index claimed); free the claimed ones. */
void xl_slots_init(struct xl_slots *ss);
void xl_slots_fini(struct xl_slots *ss);
/** The slot @me owns, claiming (and allocating) a free one of its two
 *  candidates; NULL when both belong to other threads. */
struct xl_slot *xl_slot_claim(struct xl_slots *ss, uintptr_t me);
/** The slot @me owns, without claiming one; NULL if none. */
struct xl_slot *xl_slot_find(struct xl_slots *ss, uintptr_t me);
/** The index of the slot @me owns; -1 if none. */
int xl_slot_index(struct xl_slots *ss, uintptr_t me);
/** Sum of the slots' hit counters. */
uint64_t xl_slot_hits(const struct xl_slots *ss);

/** Count a hit in the owner's slot (a plain increment made atomic for the
 *  reader in vsmmu_get_stats: the owner is the only writer). */
static inline void xl_slot_count_hit(struct xl_slot *sl)
{
    __atomic_store_n(&sl->h.hits, __atomic_load_n(&sl->h.hits, __ATOMIC_RELAXED) + 1,
                     __ATOMIC_RELAXED);
}

/** Front cache index of (@sid, @va): the 4K page number with the bits of
 *  the 2 MB block number folded in, so that any aligned run of XL_FC_N
 *  consecutive 4K, 16K, 64K pages or 2 MB blocks takes distinct entries. */
static inline unsigned xl_fc_idx(uint32_t sid, uint64_t va)
{
    return (unsigned)(((va ^ (va >> XL_FC_LOG2)) >> 12) ^ sid) & (XL_FC_N - 1);
}


/** Key of (sid, ssid) in the config cache and the slot memo (never 0):
 *  @ssid + 1 in the low 21 bits, so VSMMU_NO_SSID is 0 there (@ssid is
 *  VSMMU_NO_SSID or at most 0xFFFFF: xl_ssid_ok). */
static inline uint64_t xl_cfg_key(uint32_t sid, uint32_t ssid)
{
    return 1ull << 63 | (uint64_t)sid << 21 | (uint32_t)(ssid + 1);
}

/** @ssid is VSMMU_NO_SSID or a 20-bit SubstreamID. */
static inline bool xl_ssid_ok(uint32_t ssid)
{
    return (uint32_t)(ssid + 1) <= 0x100000u;
}

/** Tests: set the cache generation (wrap safety). */
void xl_cache_set_gen(struct xl_cache *xc, uint64_t gen);
/** Under the lock: kill every slot's front cache entries and memo. */
void xl_cache_gen_bump(struct xl_cache *xc);

/* Fast path (fast.h, inline in translate.c): configuration and TLB
 * lookup without the lock.  xl_fast() returns XF_HIT: translated from the
 * TLB; XF_DONE: final without the TLB (cached abort or bypass
 * configuration); XF_MISS: take the slow path. */
enum { XF_MISS = 0, XF_HIT = 1, XF_DONE = 2 };

/* ---- access classification ------------------------------------------------ */

struct acc {
    bool rnw, ind, priv;
    uint8_t need;       /* XP_* bits required */
};

static inline void classify(unsigned access, unsigned privcfg, unsigned instcfg, struct acc *a)
{
    bool instr = (access & VSMMU_ACC_EXEC) != 0;
    bool priv = (access & VSMMU_ACC_PRIV) != 0;

    a->rnw = !(access & VSMMU_ACC_WRITE);
    if (a->rnw && instcfg >= 2)
        instr = instcfg == 3;
    a->ind = a->rnw && instr;
    if (privcfg >= 2)
        priv = privcfg == 3;
    a->priv = priv;
    a->need = 0;
    if (access & VSMMU_ACC_WRITE)
        a->need |= priv ? XP_PW : XP_UW;
    if (access & (VSMMU_ACC_READ | VSMMU_ACC_EXEC)) {
        if (a->ind)
            a->need |= priv ? XP_PX : XP_UX;
        else
            a->need |= priv ? XP_PR : XP_UR;
    }
}

/* XP_PR/PW/PX are VSMMU_PERM_R/W/X, and XP_U* the same three bits up by 3. */
_Static_assert((unsigned)XP_PR == (unsigned)VSMMU_PERM_R &&
               (unsigned)XP_PW == (unsigned)VSMMU_PERM_W &&
               (unsigned)XP_PX == (unsigned)VSMMU_PERM_X &&
               XP_UR == XP_PR << 3 && XP_UW == XP_PW << 3 && XP_UX == XP_PX << 3,
               "permission bit layout");

static inline unsigned api_perm(uint8_t p, bool priv)
{
    return (priv ? p : p >> 3) & 7u;
}

/* A result's perm (VSMMU_PERM_*) with event_type 0 and recorded false,
 * as one 64-bit store where the layout allows. */
_Static_assert(offsetof(struct vsmmu_xlate_result, event_type) ==
               offsetof(struct vsmmu_xlate_result, perm) + 4 &&
               offsetof(struct vsmmu_xlate_result, recorded) ==
               offsetof(struct vsmmu_xlate_result, perm) + 5 &&
               sizeof(struct vsmmu_xlate_result) >= offsetof(struct vsmmu_xlate_result, perm) + 8,
               "perm, event_type and recorded fill one 64-bit word");
static inline void xl_res_perm(struct vsmmu_xlate_result *res, uint64_t perm)
{
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
    /* (perm < 8: then event_type and recorded, 0 and false) */
    memcpy(&res->perm, &perm, sizeof(perm));
#else
    res->perm = (unsigned)perm;
    res->event_type = 0;
    res->recorded = false;
#endif
}

/* ---- slots.c: filling a front cache entry ------------------------------ */
/** The acc[] words of XP_* bits xp without STE overrides: [xp][0] for
 *  unprivileged accesses (acc[0..7]), [xp][1] for privileged ones
 *  (acc[8..15]).  Byte a (a = 1..7: READ, WRITE, EXEC bits) of a word is
 *  the acc[] byte of that access (XL_FC_OK | the VSMMU_PERM_* bits of its
 *  privilege when they permit it, else 0); byte 0 is 0. */
extern const uint64_t xl_acc16[XP_ALL + 1][2];
/** The access table of @e (acc[]) under PRIVCFG/INSTCFG overrides. */
void xl_fc_perms_ovr(struct xl_fc_ent *e, unsigned xp, unsigned privcfg, unsigned instcfg);

/** Fill front cache entry @e: @va (any address in it), 2^@shift bytes at
 *  output @pa, XP_* bits @xp, STE.PRIVCFG/INSTCFG @privcfg/@instcfg, under
 *  generation @gen. */
static inline void xl_fc_fill(struct xl_fc_ent *e, uint32_t sid, uint32_t ssid, uint64_t gen,
                              uint64_t va, unsigned shift, uint64_t pa, unsigned xp,
                              unsigned privcfg, unsigned instcfg)
{
    uint64_t off = (1ull << shift) - 1;

    if (__builtin_expect(privcfg | instcfg, 0)) {
        xl_fc_perms_ovr(e, xp, privcfg, instcfg);
    } else {
        /* Unprivileged accesses (0-7) need the XP_U* bits, privileged ones
         * (PRIV: 8-15) the XP_P* bits; byte a of the words is acc[a]. */
        vsmmu_put_le64(&e->acc[0], xl_acc16[xp & XP_ALL][0]);
        vsmmu_put_le64(&e->acc[VSMMU_ACC_PRIV], xl_acc16[xp & XP_ALL][1]);
    }
    e->sid = sid;
    e->ssid = ssid;
    e->gen = gen;
    e->vaoff = va | off;
    e->off = off;
    e->pa = pa & ~off;
}

/* The permission bits @access needs without STE overrides (classify()
 * with privcfg = instcfg = 0), as a table over READ, WRITE and EXEC. */
static inline uint8_t access_need(unsigned access)
{
    static const uint8_t need[8] = {
        0, XP_PR, XP_PW, XP_PR | XP_PW,     /* -, R, W, RW            */
        XP_PX, XP_PX, XP_PR | XP_PW, XP_PR | XP_PW, /* X, RX, WX, RWX: a write is data */
    };
    uint8_t n = need[access & 7];
    return (access & VSMMU_ACC_PRIV) ? n : (uint8_t)(n << 3);
}

/* The address the TLB is keyed by: the top byte folded away under TBI. */
static inline uint64_t tlb_key(uint64_t va, bool s1, bool two_range, bool tbi0, bool tbi1)
{
    bool top = (va >> 55) & 1;
    bool tbi;

    if (!s1)
        return va;
    tbi = (two_range && top) ? tbi1 : tbi0;
    if (!tbi)
        return va;
    return (two_range && top) ? (va | 0xFF00000000000000ull) : (va & 0x00FFFFFFFFFFFFFFull);
}

/* ---- translate.c: pieces shared with ats.c ---------------------- */
static inline bool xl_beyond(uint64_t addr, unsigned bits)
{
    return bits < 64 && (addr >> bits) != 0;
}
/** OK result passing @va untranslated (bypass): size 2^OAS, perm RWX. */
void xl_set_bypass(const struct vsmmu *s, uint64_t va, struct vsmmu_xlate_result *res);
/** Terminate with fault @f: record its event as the architecture says
 *  (CD.R, STE.S2R, RECINVSID) and fill @res.  @c: the configuration (NULL
 *  before the STE is known); @cd_known: a CD governs stage-1 faults.
 *  Recording needs the instance lock: a caller without it gets
 *  res->status = XL_STATUS_RELOCK instead (nothing recorded) and must do
 *  the translation again under the lock. */
#define XL_STATUS_RELOCK ((enum vsmmu_xlate_status)7)
void xl_terminate(struct vsmmu *s, const struct xl_cfg *c, bool cd_known, uint32_t sid,
                  uint32_t ssid, uint64_t va, const struct acc *a, const struct xl_fault *f,
                  struct vsmmu_xlate_result *res);
/** Stage-2 walk of @ipa for an input transaction needing the XP_* bits
 *  @need: 0 with @w, or the walk's fault, or F_PERMISSION (S2 = 1,
 *  CLASS = IN, IPA = @ipa) when stage 2 does not grant @need. */
int xl_s2_input(struct vsmmu *s, const struct xl_cfg *c, uint64_t ipa, uint8_t need,
                struct xl_walk *w, struct xl_fault *f);
/** Fetch the STE of @sid into @ste and decode it into @c.  Returns 0, or
 *  fills @f (C_BAD_STREAMID, F_STE_FETCH, C_BAD_STE) and returns its type. */
int xl_load_ste(struct vsmmu *s, uint32_t sid, uint32_t ssid, uint64_t ste[STE_DWORDS],
                struct xl_cfg *c, struct xl_fault *f);
/** The rest of the configuration after xl_load_ste(): the SubstreamID
 *  check and the CD.  Returns 0 or fills @f and returns its type. */
int xl_load_cd(struct vsmmu *s, const uint64_t ste[STE_DWORDS], struct xl_cfg *c, uint32_t ssid,
               struct xl_fault *f);
/** The instance's translation cache: its slots are its first member
 *  (cache.h), and the instance keeps a pointer to them for the hit path. */
static inline struct xl_cache *xl_cache_of(struct vsmmu *s)
{
    return (struct xl_cache *)(void *)s->xl_slots;
}
/** Fill @c's stage-1 input range check (s1_hsel, s1_in_mask) from its
 *  regime and halves (after the CD's decode). */
static inline void xl_s1_input_table(struct xl_cfg *c)
{
    c->s1_hsel = c->regime != XR_EL2;
    for (unsigned h = 0; h < 2; h++) {
        const struct xl_tt *t = &c->tt[h];
        unsigned top = t->tbi ? 55 : 63;

        c->s1_in_mask[h] = !t->en || t->ia_bits > top ? ~0ull : fld_mask(top, t->ia_bits);
    }
}
/** Stage-1 input range check (TxSZ, EPD, TBI): true with the half to walk. */
static inline bool xl_s1_input_ok(const struct xl_cfg *c, uint64_t va, unsigned *half)
{
    unsigned h = (unsigned)(va >> 55) & c->s1_hsel;
    uint64_t m = c->s1_in_mask[h];

    *half = h;
    /* Bits top..ia_bits all equal to h (the lower half: 0, the upper: 1). */
    return m != ~0ull && ((h ? ~va : va) & m) == 0;
}

/* ---- ats.c ------------------------------------------------------------- */
/** vsmmu_translate() for accesses with VSMMU_ACC_ATS_* (arguments not yet
 *  checked beyond @s, @res and @ssid). */
__attribute__((cold))
int xl_translate_ats(struct vsmmu *s, uint32_t sid, uint32_t ssid, uint64_t iova,
                     unsigned access, struct vsmmu_xlate_result *res);

/* ---- translate.c ------------------------------------------------------ */
/** Cache occupancy (tests, benchmark). */
unsigned vsmmu_xlate_tlb_count(struct vsmmu *s);
unsigned vsmmu_xlate_cfg_count(struct vsmmu *s);
/** Tests: index of the slot the calling thread owns in @s (-1: none, it
 *  claims none), its hit count, and dropping its front cache and memo. */
int vsmmu_xlate_thread_slot(struct vsmmu *s);
uint64_t vsmmu_xlate_thread_hits(struct vsmmu *s);
void vsmmu_xlate_forget_thread(struct vsmmu *s);
/** Tests: move the invalidation clock forward (xl_cache_set_clock). */
void vsmmu_xlate_set_inval_clock(struct vsmmu *s, uint64_t clock);
/** Tests: set the cache generation (xl_cache_set_gen). */
void vsmmu_xlate_set_gen(struct vsmmu *s, uint64_t gen);

#endif /* VSMMU_XLATE_H */
