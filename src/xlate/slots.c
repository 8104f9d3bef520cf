// SPDX-License-Identifier: MIT
/*
 * Per-thread slots of a translation cache (struct xl_slots in xlate.h):
 * claiming one, finding it again, summing the hit counters, and filling a
 * front cache entry.
 *
 * A slot is allocated by the thread that claims its index, right after the
 * CAS on the owner word, and freed with the cache (xl_cache_free).  The
 * front cache inside it is direct-mapped (XL_FC_N entries of 48 bytes,
 * 32 KB per slot); an entry holds everything a hit returns, computed
 * when it is filled: the output base, the size, and per access value
 * whether it is permitted (STE.PRIVCFG/INSTCFG applied) and the
 * permissions to report.  It is valid only under
 * the cache generation it was filled under, so every invalidation kills
 * every front cache entry of every thread without touching them.
 */
#include <stdlib.h>
#include <string.h>

#include "xlate/xlate.h"

#define LD(p) __atomic_load_n((p), __ATOMIC_RELAXED)

void xl_slots_init(struct xl_slots *ss)
{
    for (unsigned i = 0; i < XL_SLOTS; i++)
        ss->slot[i] = &ss->none;
}

void xl_slots_fini(struct xl_slots *ss)
{
    for (unsigned i = 0; i < XL_SLOTS; i++)
        if (ss->slot[i] != &ss->none)
            free(ss->slot[i]);      /* the head is the slot's first member */
}

int xl_slot_index(struct xl_slots *ss, uintptr_t me)
{
    unsigned idx = xl_slot_idx(me);

    for (unsigned k = 0; k < 2; k++)
        if (LD(&ss->owner[idx ^ k]) == me)
            return (int)(idx ^ k);
    return -1;
}

struct xl_slot *xl_slot_find(struct xl_slots *ss, uintptr_t me)
{
    int i = xl_slot_index(ss, me);

    return i < 0 ? NULL : (struct xl_slot *)ss->slot[i];
}

struct xl_slot *xl_slot_claim(struct xl_slots *ss, uintptr_t me)
{
    unsigned idx = xl_slot_idx(me);
    struct xl_slot *sl = NULL;

    for (unsigned k = 0; k < 2; k++) {
        unsigned i = idx ^ k;
        uintptr_t owner = LD(&ss->owner[i]), zero = 0;

        if (owner == me) {
            free(sl);
            return (struct xl_slot *)ss->slot[i];
        }
        if (owner)
            continue;
        /* An index is claimed once and kept; the new owner's slot starts
         * with no entries, no memo and no hits. */
        if (!sl && !(sl = aligned_alloc(64, sizeof(*sl))))
            return NULL;
        memset(sl, 0, sizeof(*sl));
        sl->h.owner = me;
        if (__atomic_compare_exchange_n(&ss->owner[i], &zero, me, false, __ATOMIC_ACQUIRE,
                                        __ATOMIC_RELAXED)) {
            /* Release: vsmmu_get_stats reads the slot through it. */
            __atomic_store_n(&ss->slot[i], &sl->h, __ATOMIC_RELEASE);
            return sl;
        }
    }
    free(sl);
    return NULL;
}

uint64_t xl_slot_hits(const struct xl_slots *ss)
{
    uint64_t n = 0;

    for (unsigned i = 0; i < XL_SLOTS; i++) {
        const struct xl_slot_hdr *h = __atomic_load_n(&ss->slot[i], __ATOMIC_ACQUIRE);
        n += LD(&h->hits);      /* (none.hits: 0) */
    }
    return n;
}

/* The XP_P* bits (= VSMMU_PERM_*) a privileged access a (READ, WRITE and
 * EXEC bits) needs without STE overrides, as access_need() says: a write
 * with READ or EXEC also needs read (it is a data access), an EXEC read
 * needs execute. */
#define NEED(a) ((a) & VSMMU_ACC_WRITE                                                \
                 ? XP_PW | ((a) & (VSMMU_ACC_READ | VSMMU_ACC_EXEC) ? XP_PR : 0)        \
                 : (a) & VSMMU_ACC_EXEC ? XP_PX : (a) & VSMMU_ACC_READ ? XP_PR : 0)
#define OK(p, a) (((p) & NEED(a)) == NEED(a) ? 1u << (a) : 0u)
#define ALLOW8(p) (OK(p, 1) | OK(p, 2) | OK(p, 3) | OK(p, 4) | OK(p, 5) | OK(p, 6) | OK(p, 7))
/* Byte a (a = 1..7) XL_FC_OK | p when the permissions p (VSMMU_PERM_*)
 * allow a, else 0. */
#define BYTE(p, a) ((ALLOW8(p) >> (a) & 1) * ((XL_FC_OK | (p)) * 1ull << 8 * (a)))
#define ACC8(p) (BYTE(p, 1) | BYTE(p, 2) | BYTE(p, 3) | BYTE(p, 4) | BYTE(p, 5) | \
                 BYTE(p, 6) | BYTE(p, 7))
/* Entry xp: the unprivileged accesses' word (the XP_U* bits, xp >> 3),
 * then the privileged ones' (the XP_P* bits), as api_perm() picks them. */
#define ACC16(xp) { ACC8(((xp) >> 3) & 7), ACC8((xp) & 7) }
#define ACC16_ROW(b) ACC16((b) + 0), ACC16((b) + 1), ACC16((b) + 2), ACC16((b) + 3), \
                     ACC16((b) + 4), ACC16((b) + 5), ACC16((b) + 6), ACC16((b) + 7)
const uint64_t xl_acc16[XP_ALL + 1][2] = {
    ACC16_ROW(0), ACC16_ROW(8), ACC16_ROW(16), ACC16_ROW(24),
    ACC16_ROW(32), ACC16_ROW(40), ACC16_ROW(48), ACC16_ROW(56),
};

void xl_fc_perms_ovr(struct xl_fc_ent *e, unsigned xp, unsigned privcfg, unsigned instcfg)
{
    for (unsigned a = 0; a < 16; a++) {
        struct acc c;
        classify(a, privcfg, instcfg, &c);
        e->acc[a] = (a & 7) && (xp & c.need) == c.need
                    ? (uint8_t)(XL_FC_OK | api_perm((uint8_t)xp, c.priv)) : 0;
    }
}
