/* SPDX-License-Identifier: MIT */
/*
 * Guest RAM the VMM has mapped in its own address space (vsmmu_set_ram()):
 * the model's table reads, queue reads and writes become loads and stores
 * instead of mem_read/mem_write calls.  The map is an immutable sorted
 * array, replaced whole under both locks; every guest memory access runs
 * under one of them (a translation miss under the cache lock, the rest
 * under the instance lock), so a map is never freed while in use.  Guest
 * vCPUs write the memory concurrently: aligned dwords are moved with one
 * relaxed atomic access each, anything else byte by byte, never a plain
 * access that could tear or race.
 */
#include <stdlib.h>
#include <string.h>

#include "abi/abi.h"
#include "model.h"

/* Copy @len bytes between guest RAM at @ram and @buf, @write: towards
 * the guest. */
static void ram_move(unsigned char *ram, unsigned char *buf, size_t len, bool write)
{
    size_t i = 0;

    if ((((uintptr_t)ram | (uintptr_t)buf) & 7) == 0) {
        for (; i + 8 <= len; i += 8) {
            uint64_t *g = (uint64_t *)(void *)(ram + i), v;
            if (write) {
                memcpy(&v, buf + i, 8);
                __atomic_store_n(g, v, __ATOMIC_RELAXED);
            } else {
                v = __atomic_load_n(g, __ATOMIC_RELAXED);
                memcpy(buf + i, &v, 8);
            }
        }
    }
    for (; i < len; i++) {
        if (write)
            __atomic_store_n(ram + i, buf[i], __ATOMIC_RELAXED);
        else
            buf[i] = __atomic_load_n(ram + i, __ATOMIC_RELAXED);
    }
}

int vsmmu_ram_copy(struct vsmmu *s, uint64_t addr, void *buf, size_t len, bool write)
{
    const struct vsmmu_ram_ent *e;

    /* Outside both locks the map could be replaced meanwhile: the
     * callback, which needs no map, does it. */
    if (len == 0 || !(vsmmu_lock_held(s) || vsmmu_xl_lock_held(s)) || !s->ram)
        return 0;
    e = vsmmu_ram_find(s->ram, addr, len);
    if (!e || (write && e->readonly))
        return 0;
    ram_move(e->host + (addr - e->gpa), buf, len, write);
    return 1;
}

void vsmmu_ram_free(const struct vsmmu_ram *r)
{
    free((void *)r);
}

/* Check region @in and add it to @r in gpa order, its dword window
 * clipped to @oas bits: 0 or -EINVAL. */
static int ram_add(struct vsmmu_ram *r, const struct vsmmu_ram_region *in, unsigned oas)
{
    struct vsmmu_ram_ent ent;
    uint64_t top = oas < 64 ? (1ull << oas) - 1 : UINT64_MAX, last8;
    unsigned i;

    if ((in->flags & ~VSMMU_RAM_READONLY) || in->size == 0 || !in->host ||
        in->gpa > UINT64_MAX - (in->size - 1) ||
        in->size - 1 > (uint64_t)(UINTPTR_MAX - (uintptr_t)in->host))
        return -EINVAL;
    ent = (struct vsmmu_ram_ent){ .gpa = in->gpa, .last = in->gpa + (in->size - 1),
                                  .host = in->host,
                                  .readonly = (in->flags & VSMMU_RAM_READONLY) != 0,
                                  .gpa8 = UINT64_MAX };
    last8 = ent.last < top ? ent.last : top;
    if (last8 >= ent.gpa && last8 - ent.gpa >= 7) {
        ent.gpa8 = ent.gpa;
        ent.span8 = last8 - ent.gpa - 7;
    }
    for (i = r->n; i > 0 && r->e[i - 1].gpa > ent.gpa; i--)
        r->e[i] = r->e[i - 1];
    r->e[i] = ent;
    r->n++;
    if ((i > 0 && r->e[i - 1].last >= ent.gpa) || (i + 1 < r->n && ent.last >= r->e[i + 1].gpa))
        return -EINVAL;
    return 0;
}

/* Build the map of @n regions @stride bytes apart (@oas: the instance's
 * OAS in bits): 0 or a negative errno. */
static int ram_build(const unsigned char *regions, uint32_t stride, unsigned n, unsigned oas,
                     struct vsmmu_ram **out)
{
    struct vsmmu_ram *r = calloc(1, sizeof(*r) + (size_t)n * sizeof(r->e[0]));
    int rc = 0;

    if (!r)
        return -ENOMEM;
    for (unsigned i = 0; i < n && rc == 0; i++) {
        struct vsmmu_ram_region in = { .struct_size = sizeof(in) };
        const unsigned char *el = regions + (size_t)i * stride;

        if (vsmmu_abi_struct_size(el) != stride)
            rc = -EINVAL;
        else if ((rc = vsmmu_abi_copy_in(&in, sizeof(in), el)) == 0)
            rc = ram_add(r, &in, oas);
    }
    if (rc) {
        free(r);
        return rc;
    }
    *out = r;
    return 0;
}

int vsmmu_set_ram(vsmmu_t *s, const struct vsmmu_ram_region *regions, unsigned n)
{
    struct vsmmu_ram *map = NULL;
    const struct vsmmu_ram *old;
    int rc;

    if (!s || (n && !regions))
        return -EINVAL;
    if (n > VSMMU_RAM_MAX_REGIONS)
        return -E2BIG;
    if (n) {
        if (!vsmmu_abi_size_ok(regions))
            return -EINVAL;
        rc = ram_build((const unsigned char *)regions, vsmmu_abi_struct_size(regions), n,
                       vsmmu_oas_bits(s), &map);
        if (rc)
            return rc;
    }
    if (vsmmu_lock(s)) {
        free(map);
        return -EDEADLK;
    }
    vsmmu_xl_lock_plain(s);
    old = s->ram;
    __atomic_store_n(&s->ram, map, __ATOMIC_RELAXED);
    vsmmu_xl_unlock(s);
    vsmmu_unlock(s);
    vsmmu_ram_free(old);
    return 0;
}
