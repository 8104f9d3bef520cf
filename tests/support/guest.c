// SPDX-License-Identifier: MIT
/* A test guest driver: see guest.h. */
#include <string.h>

#include "guest.h"
#include "harness.h"
#include "model/model.h"

/* Guest RAM below this offset is left to the tests; the allocator starts here. */
#define GUEST_ALLOC_START (1ull << 20)

uint64_t guest_alloc(struct guest *g, uint64_t size, uint64_t align)
{
    uint64_t a;

    CHECK(align && (align & (align - 1)) == 0);
    a = (g->next + align - 1) & ~(align - 1);
    CHECK_MSG(a + size <= g->tb->ram_base + g->tb->ram_size && a + size >= a,
              "guest_alloc: out of guest RAM (size 0x%llx)", (unsigned long long)size);
    g->next = a + size;
    /* through the test bed: translating threads may read this RAM */
    for (uint64_t off = 0; off < size;) {
        static const uint8_t zero[512];
        size_t n = size - off < sizeof(zero) ? (size_t)(size - off) : sizeof(zero);
        tb_write(g->tb, a + off, zero, n);
        off += n;
    }
    return a;
}

static uint64_t max_u64(uint64_t a, uint64_t b) { return a > b ? a : b; }

void guest_cmd_op(uint64_t cmd[2], uint8_t op)
{
    cmd[0] = cmd[1] = 0;
    st_set(cmd, CMD_OP, op);
}

/* ---- commands ---------------------------------------------------------- */

int guest_cmd(struct guest *g, const uint64_t cmd[2])
{
    unsigned n = g->cmdq_log2;
    uint32_t cons = tb_readl(g->tb, R_CMDQ_CONS) & q_wrmask(n);
    uint64_t slot;

    if (q_full(g->cmdq_prod, cons, n))
        return -1;
    slot = g->cmdq + (uint64_t)q_index(g->cmdq_prod, n) * CMD_SIZE;
    tb_w64(g->tb, slot, cmd[0]);
    tb_w64(g->tb, slot + 8, cmd[1]);
    g->cmdq_prod = q_inc(g->cmdq_prod, n);
    tb_writel(g->tb, R_CMDQ_PROD, g->cmdq_prod);
    return 0;
}

int guest_sync(struct guest *g)
{
    uint64_t cmd[2], slot = g->cmdq + (uint64_t)q_index(g->cmdq_prod, g->cmdq_log2) * CMD_SIZE;
    bool msi = g->o.msi_sync && fld_get(tb_readl(g->tb, R_IDR0), IDR0_MSI);
    uint32_t cons;

    guest_cmd_op(cmd, OP_SYNC);
    if (msi) {
        /* Linux: MSI of 0 to the SYNC's own slot, then poll the slot. */
        st_set(cmd, CMD_SYNC_CS, SYNC_CS_IRQ);
        st_set(cmd, CMD_SYNC_MSH, 3);
        st_set(cmd, CMD_SYNC_MSIATTR, 0xf);
        st_set(cmd, CMD_SYNC_MSIADDR, slot >> 2);
    } else {
        st_set(cmd, CMD_SYNC_CS, SYNC_CS_SEV);
    }
    if (guest_cmd(g, cmd))
        return (guest_gerror_active(g) & fld_mask(GERROR_CMDQ_ERR)) ? (int)guest_cmdq_err(g) : -1;
    if (guest_gerror_active(g) & fld_mask(GERROR_CMDQ_ERR))
        return (int)guest_cmdq_err(g);
    cons = tb_readl(g->tb, R_CMDQ_CONS) & q_wrmask(g->cmdq_log2);
    if (cons != g->cmdq_prod)
        return -1;
    if (msi && tb_r32(g->tb, slot) != 0)
        return -1;
    return 0;
}

int guest_cmd_sync(struct guest *g, const uint64_t cmd[2])
{
    if (guest_cmd(g, cmd))
        return -1;
    return guest_sync(g);
}

int guest_cfgi_ste(struct guest *g, uint32_t sid)
{
    uint64_t cmd[2];
    guest_cmd_op(cmd, OP_CFGI_STE);
    st_set(cmd, CMD_SID, sid);
    st_set(cmd, CMD_LEAF, 1);
    return guest_cmd_sync(g, cmd);
}

int guest_cfgi_cd(struct guest *g, uint32_t sid, uint32_t ssid)
{
    uint64_t cmd[2];
    guest_cmd_op(cmd, OP_CFGI_CD);
    st_set(cmd, CMD_SID, sid);
    st_set(cmd, CMD_SSID, ssid);
    st_set(cmd, CMD_LEAF, 1);
    return guest_cmd_sync(g, cmd);
}

int guest_cfgi_all(struct guest *g)
{
    uint64_t cmd[2];
    guest_cmd_op(cmd, OP_CFGI_STE_RANGE);
    st_set(cmd, CMD_RANGE, CFGI_RANGE_ALL);
    return guest_cmd_sync(g, cmd);
}

int guest_tlbi_nsnh_all(struct guest *g)
{
    uint64_t cmd[2];
    guest_cmd_op(cmd, OP_TLBI_NSNH_ALL);
    return guest_cmd_sync(g, cmd);
}

/* ---- configuration structures ------------------------------------------ */

uint64_t guest_ste_addr(struct guest *g, uint32_t sid)
{
    uint64_t l1, desc, l2;
    uint32_t hi;

    CHECK_MSG(g->sid_bits >= 32 || (sid >> g->sid_bits) == 0,
              "guest_ste_addr: sid 0x%x beyond the stream table", sid);
    if (!g->two_level)
        return g->strtab + (uint64_t)sid * STE_SIZE;
    hi = g->split >= 32 ? 0 : sid >> g->split;
    l1 = g->strtab + (uint64_t)hi * L1STD_SIZE;
    desc = tb_r64(g->tb, l1);
    if (fld_get(desc, L1STD_SPAN) == 0) {
        uint64_t bytes = (uint64_t)STE_SIZE << g->split;
        l2 = guest_alloc(g, bytes, bytes);
        desc = fld_set(0, L1STD_SPAN, g->split + 1) | (l2 & fld_mask(L1STD_L2PTR));
        tb_w64(g->tb, l1, desc);
    }
    l2 = desc & fld_mask(L1STD_L2PTR);
    return l2 + (uint64_t)(sid & ((1u << g->split) - 1)) * STE_SIZE;
}

void guest_write_ste(struct guest *g, uint32_t sid, const uint64_t ste[8])
{
    uint64_t a = guest_ste_addr(g, sid);
    int rc;

    for (int i = 1; i < 8; i++)
        tb_w64(g->tb, a + 8u * (unsigned)i, ste[i]);
    tb_w64(g->tb, a, ste[0]);
    rc = guest_cfgi_ste(g, sid);
    CHECK_MSG(rc == 0, "guest_write_ste: CFGI_STE + SYNC failed (%d)", rc);
}

uint64_t guest_alloc_cd_table(struct guest *g, unsigned log2_entries)
{
    uint64_t bytes = (uint64_t)CD_SIZE << log2_entries;
    return guest_alloc(g, bytes, max_u64(bytes, 64));
}

void guest_write_cd(struct guest *g, uint64_t cdtab, uint32_t sid, uint32_t ssid,
                    const uint64_t cd[8])
{
    uint64_t a = cdtab + (uint64_t)ssid * CD_SIZE;
    int rc;

    for (int i = 1; i < 8; i++)
        tb_w64(g->tb, a + 8u * (unsigned)i, cd[i]);
    tb_w64(g->tb, a, cd[0]);
    rc = guest_cfgi_cd(g, sid, ssid);
    CHECK_MSG(rc == 0, "guest_write_cd: CFGI_CD + SYNC failed (%d)", rc);
}

/* ---- events and errors --------------------------------------------------- */

unsigned guest_pending_events(struct guest *g)
{
    unsigned n = g->evtq_log2;
    uint32_t prod = tb_readl(g->tb, R_EVENTQ_PROD) & q_wrmask(n);
    uint32_t cons = tb_readl(g->tb, R_EVENTQ_CONS) & q_wrmask(n);
    return (prod - cons) & q_wrmask(n);
}

bool guest_pop_event(struct guest *g, uint64_t rec[4])
{
    unsigned n = g->evtq_log2;
    uint32_t prodr = tb_readl(g->tb, R_EVENTQ_PROD);
    uint32_t cons = tb_readl(g->tb, R_EVENTQ_CONS) & q_wrmask(n);
    uint64_t a;

    if (q_empty(prodr & q_wrmask(n), cons, n))
        return false;
    a = g->evtq + (uint64_t)q_index(cons, n) * EVT_SIZE;
    for (int i = 0; i < 4; i++)
        rec[i] = tb_r64(g->tb, a + 8u * (unsigned)i);
    cons = q_inc(cons, n);
    tb_writel(g->tb, R_EVENTQ_CONS, cons | (prodr & (uint32_t)fld_mask(Q_OVFLG)));
    return true;
}

uint32_t guest_gerror_active(struct guest *g)
{
    return tb_readl(g->tb, R_GERROR) ^ tb_readl(g->tb, R_GERRORN);
}

void guest_gerror_ack(struct guest *g)
{
    tb_writel(g->tb, R_GERRORN, tb_readl(g->tb, R_GERROR));
}

unsigned guest_cmdq_err(struct guest *g)
{
    return (unsigned)fld_get(tb_readl(g->tb, R_CMDQ_CONS), CMDQ_CONS_ERR);
}

/* ---- bring-up ------------------------------------------------------------- */

static void set_cr0(struct guest *g, uint32_t v)
{
    tb_writel(g->tb, R_CR0, v);
    CHECK_EQ(tb_readl(g->tb, R_CR0ACK), v);
}

void guest_init(struct guest *g, struct testbed *tb, const struct guest_opts *o)
{
    uint32_t idr0, idr1, cr0, cr1, irq = 0, gbpa;
    uint64_t bytes;
    int rc;

    memset(g, 0, sizeof(*g));
    g->tb = tb;
    if (o)
        g->o = *o;
    g->next = tb->ram_base + GUEST_ALLOC_START;
    idr0 = tb_readl(tb, R_IDR0);
    idr1 = tb_readl(tb, R_IDR1);

    g->cmdq_log2 = g->o.cmdq_log2 ? g->o.cmdq_log2 : 8;
    g->evtq_log2 = g->o.evtq_log2 ? g->o.evtq_log2 : 8;
    if (g->cmdq_log2 > fld_get(idr1, IDR1_CMDQS))
        g->cmdq_log2 = (unsigned)fld_get(idr1, IDR1_CMDQS);
    if (g->evtq_log2 > fld_get(idr1, IDR1_EVENTQS))
        g->evtq_log2 = (unsigned)fld_get(idr1, IDR1_EVENTQS);
    g->sid_bits = g->o.sid_bits ? g->o.sid_bits : (unsigned)fld_get(idr1, IDR1_SIDSIZE);
    if (!g->o.sid_bits && g->sid_bits > 16)
        g->sid_bits = 16;
    g->two_level = !g->o.linear && fld_get(idr0, IDR0_ST_LEVEL) == 1;
    g->split = g->o.split ? g->o.split : 8;
    if (g->split > g->sid_bits)
        g->split = g->sid_bits;

    /* 1. Disable. */
    set_cr0(g, 0);

    /* 2. Table and queue attributes: inner-shareable write-back. */
    cr1 = (uint32_t)(fld_set(0, CR1_QUEUE_SH, 3) | fld_set(0, CR1_QUEUE_OC, 1) |
                     fld_set(0, CR1_QUEUE_IC, 1) | fld_set(0, CR1_TABLE_SH, 3) |
                     fld_set(0, CR1_TABLE_OC, 1) | fld_set(0, CR1_TABLE_IC, 1));
    tb_writel(tb, R_CR1, cr1);
    tb_writel(tb, R_CR2, g->o.no_recinvsid ? 0 : (uint32_t)fld_mask(CR2_RECINVSID));

    /* 3. Stream table. */
    if (g->two_level) {
        unsigned l1bits = g->sid_bits > g->split ? g->sid_bits - g->split : 0;
        bytes = (uint64_t)L1STD_SIZE << l1bits;
        g->strtab = guest_alloc(g, bytes, max_u64(bytes, 64));
        tb_writeq(tb, R_STRTAB_BASE, g->strtab | fld_mask(STRTAB_BASE_RA));
        tb_writel(tb, R_STRTAB_BASE_CFG,
                  (uint32_t)(fld_set(0, STRTAB_CFG_FMT, STRTAB_FMT_2LVL) |
                             fld_set(0, STRTAB_CFG_SPLIT, g->split) |
                             fld_set(0, STRTAB_CFG_LOG2SIZE, g->sid_bits)));
    } else {
        bytes = (uint64_t)STE_SIZE << g->sid_bits;
        g->strtab = guest_alloc(g, bytes, bytes);
        tb_writeq(tb, R_STRTAB_BASE, g->strtab | fld_mask(STRTAB_BASE_RA));
        tb_writel(tb, R_STRTAB_BASE_CFG,
                  (uint32_t)(fld_set(0, STRTAB_CFG_FMT, STRTAB_FMT_LINEAR) |
                             fld_set(0, STRTAB_CFG_LOG2SIZE, g->sid_bits)));
    }

    /* 4. Command queue, then CMDQEN. */
    bytes = (uint64_t)CMD_SIZE << g->cmdq_log2;
    g->cmdq = guest_alloc(g, bytes, max_u64(bytes, 32));
    tb_writeq(tb, R_CMDQ_BASE, g->cmdq | fld_mask(Q_BASE_RA_WA) | g->cmdq_log2);
    tb_writel(tb, R_CMDQ_PROD, 0);
    tb_writel(tb, R_CMDQ_CONS, 0);
    g->cmdq_prod = 0;
    cr0 = (uint32_t)fld_mask(CR0_CMDQEN);
    set_cr0(g, cr0);

    /* 5. Invalidate everything cached. */
    {
        uint64_t cmd[2];
        guest_cmd_op(cmd, OP_CFGI_STE_RANGE);
        st_set(cmd, CMD_RANGE, CFGI_RANGE_ALL);
        CHECK_EQ(guest_cmd(g, cmd), 0);
        if (fld_get(idr0, IDR0_HYP)) {
            guest_cmd_op(cmd, OP_TLBI_EL2_ALL);
            CHECK_EQ(guest_cmd(g, cmd), 0);
        }
        guest_cmd_op(cmd, OP_TLBI_NSNH_ALL);
        CHECK_EQ(guest_cmd(g, cmd), 0);
        rc = guest_sync(g);
        CHECK_MSG(rc == 0, "bring-up: CFGI_ALL + TLBI_NSNH_ALL + SYNC failed (%d)", rc);
    }

    /* 6. Event queue, then EVENTQEN. */
    bytes = (uint64_t)EVT_SIZE << g->evtq_log2;
    g->evtq = guest_alloc(g, bytes, max_u64(bytes, 32));
    tb_writeq(tb, R_EVENTQ_BASE, g->evtq | fld_mask(Q_BASE_RA_WA) | g->evtq_log2);
    tb_writel(tb, R_EVENTQ_PROD, 0);
    tb_writel(tb, R_EVENTQ_CONS, 0);
    cr0 |= (uint32_t)fld_mask(CR0_EVENTQEN);
    set_cr0(g, cr0);

    /* 7. Interrupts: disable, program MSIs, enable. */
    tb_writel(tb, R_IRQ_CTRL, 0);
    CHECK_EQ(tb_readl(tb, R_IRQ_CTRLACK), 0);
    if (g->o.msi) {
        CHECK_MSG(fld_get(idr0, IDR0_MSI), "guest_init: opts.msi without IDR0.MSI");
        tb_writeq(tb, R_GERROR_IRQ_CFG0, GUEST_MSI_GERROR_ADDR);
        tb_writel(tb, R_GERROR_IRQ_CFG1, GUEST_MSI_GERROR_DATA);
        /* Device-nGnRE, as Linux programs it. */
        tb_writel(tb, R_GERROR_IRQ_CFG2, (uint32_t)fld_set(0, IRQ_CFG2_MEMATTR, 1));
        tb_writeq(tb, R_EVENTQ_IRQ_CFG0, GUEST_MSI_EVENTQ_ADDR);
        tb_writel(tb, R_EVENTQ_IRQ_CFG1, GUEST_MSI_EVENTQ_DATA);
        tb_writel(tb, R_EVENTQ_IRQ_CFG2, (uint32_t)fld_set(0, IRQ_CFG2_MEMATTR, 1));
    }
    if (!g->o.no_irqs) {
        irq = (uint32_t)(fld_mask(IRQ_CTRL_GERROR_IRQEN) | fld_mask(IRQ_CTRL_EVENTQ_IRQEN));
        tb_writel(tb, R_IRQ_CTRL, irq);
        CHECK_EQ(tb_readl(tb, R_IRQ_CTRLACK), irq);
    }

    /* 8. Enable translation. */
    if (!g->o.no_smmuen) {
        cr0 |= (uint32_t)fld_mask(CR0_SMMUEN);
        set_cr0(g, cr0);
    }

    /* 9. GBPA, with the Update handshake. */
    gbpa = tb_readl(tb, R_GBPA);
    gbpa = (uint32_t)fld_set(gbpa, GBPA_ABORT, g->o.gbpa_abort);
    tb_writel(tb, R_GBPA, gbpa | (uint32_t)fld_mask(GBPA_UPDATE));
    CHECK_EQ(fld_get(tb_readl(tb, R_GBPA), GBPA_UPDATE), 0);
}

void guest_init_msi(struct guest *g, struct testbed *tb)
{
    struct guest_opts o = { .msi = true };

    tb->msi_via_callback = true;
    tb_init(tb, NULL);
    guest_init(g, tb, &o);
}
