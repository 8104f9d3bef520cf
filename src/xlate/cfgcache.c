// SPDX-License-Identifier: MIT
/*
 * The config cache: decoded STE + CD per (StreamID, SubstreamID), a
 * set-associative table read lock-free by the hit path (cache.h has the
 * structure and the rules it shares with the TLB).
 */
#include "xlate/cache.h"

/* ---- config cache ------------------------------------------------------- */

static uint64_t hot_pack(const struct xl_cfg *c)
{
    uint64_t v = c->kind;
    v |= (uint64_t)c->tt[0].tbi << 8;
    v |= (uint64_t)c->tt[1].tbi << 9;
    v |= (uint64_t)(c->regime != XR_EL2) << 10;
    v |= (uint64_t)c->s1 << 11;
    v |= (uint64_t)c->privcfg << 16;
    v |= (uint64_t)c->instcfg << 24;
    return v;
}

const struct xl_cfg *xl_cfg_lookup_set(struct xl_cache *xc, uint64_t key)
{
    struct cfg_ent *set = cfg_set(xc, key);

    for (unsigned i = 0; i < WAYS; i++)
        if (set[i].key == key && cfg_live(xc, &set[i])) {
            ST(&set[i].ref, 1);
            return full(xc, &set[i]);
        }
    return NULL;
}

const struct xl_cfg *xl_cfg_lookup(struct xl_cache *xc, uint32_t sid, uint32_t ssid)
{
    return cfg_lookup(xc, sid, ssid);
}

void xl_cfg_insert(struct xl_cache *xc, struct xl_cfg *c)
{
    uint64_t key = cfg_key(c->sid, c->ssid);
    struct cfg_ent *set = cfg_set(xc, key);
    unsigned w = WAYS, dead = 0;

    for (unsigned i = 0; i < WAYS; i++) {
        if (set[i].key == key)
            w = i;
        if (!cfg_live(xc, &set[i]))
            dead |= 1u << i;
    }
    xc->decodes += 2;
    c->decode_id = xc->decodes;
    if (w == WAYS)
        w = VICTIM(&xc->cfg_hand[(size_t)(set - xc->cfg) / WAYS], dead, set, struct cfg_ent);
    struct cfg_ent *e = &set[w];
    wr_begin(&e->seq);
    ST(&e->key, key);
    ST(&e->hot, hot_pack(c));
    ST(&e->tag, c->tag);
    ST(&e->shifts, 0);
    ST(&e->ref, 0);
    ST(&e->stamp, xc->clock);
    *full(xc, e) = *c;
    wr_end(&e->seq);
}

/* Kill the live configuration of @key if it uses CD @cd_index. */
static unsigned cfg_kill_cd(struct xl_cache *xc, uint64_t key, uint32_t cd_index)
{
    struct cfg_ent *set = cfg_set(xc, key);
    unsigned count = 0;

    for (unsigned i = 0; i < WAYS; i++) {
        const struct xl_cfg *f = full(xc, &set[i]);
        if (set[i].key == key && cfg_live(xc, &set[i]) && f->cd_index >= 0 &&
            (uint32_t)f->cd_index == cd_index) {
            cfg_kill(&set[i]);
            count++;
        }
    }
    return count;
}

unsigned xl_cfg_inval(struct xl_cache *xc, uint64_t sid, uint64_t num, bool cd_only, uint32_t cd_index)
{
    size_t n = (size_t)WAYS << xc->cfg_sets_log2;
    unsigned count = 0;

    credit_add(xc);
    if (cd_only) {
        /* Only (sid, cd_index) and (sid, no SubstreamID) can use that CD. */
        count = cfg_kill_cd(xc, cfg_key((uint32_t)sid, cd_index), cd_index);
        count += cfg_kill_cd(xc, cfg_key((uint32_t)sid, VSMMU_NO_SSID), cd_index);
    } else if (num == 0 || num >= 1ull << 32 || (num > SID_DIRECT_MAX &&
                                                 !credit_take(xc, n / WAYS))) {
        mark(xc, &xc->cfg_inv);
        clock_tick(xc);
    } else if (num <= SID_DIRECT_MAX) {
        for (uint64_t i = 0; i < num; i++)
            mark(xc, sid_word(xc, (uint32_t)(sid + i)));
        clock_tick(xc);
    } else {
        for (size_t i = 0; i < n; i++) {
            struct cfg_ent *e = &xc->cfg[i];
            uint64_t esid = key_sid(e->key);
            if (!cfg_live(xc, e) || esid < sid || esid - sid >= num)
                continue;
            cfg_kill(e);
            count++;
        }
    }
    gen_bump(xc);
    return count;
}

unsigned xl_cfg_count(struct xl_cache *xc)
{
    size_t n = (size_t)WAYS << xc->cfg_sets_log2;
    unsigned count = 0;
    for (size_t i = 0; i < n; i++)
        count += cfg_live(xc, &xc->cfg[i]);
    return count;
}

