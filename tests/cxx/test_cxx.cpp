// SPDX-License-Identifier: MIT
/*
 * The public headers used from C++17: every enumerator in scope under its
 * own enum's name, the structs usable as ordinary aggregates, and a small
 * bring-up through the C API.  (Each header is also compiled on its own
 * with -pedantic -Werror by the Makefile.)
 */
#include "vsmmu.h"
#include "vsmmu_iommufd.h"
#include "vsmmu_sim.h"

#include <cstdio>
#include <cstring>
#include <vector>

static int failed, passed;

#define EXPECT(name, cond)                                                  \
    do {                                                                    \
        if (cond) { std::printf("PASS test_cxx:%s\n", name); passed++; }    \
        else { std::printf("FAIL test_cxx:%s (%s)\n", name, #cond); failed++; } \
    } while (0)

static std::vector<unsigned char> ram(0x10000);
static const uint64_t ram_base = 0x80000000ull;

static int mem_read(void *, uint64_t addr, void *buf, size_t len)
{
    if (addr < ram_base || addr - ram_base + len > ram.size())
        return -1;
    std::memcpy(buf, &ram[addr - ram_base], len);
    return 0;
}

static int mem_write(void *, uint64_t addr, const void *buf, size_t len)
{
    if (addr < ram_base || addr - ram_base + len > ram.size())
        return -1;
    std::memcpy(&ram[addr - ram_base], buf, len);
    return 0;
}

static unsigned inval_seen;
static void on_inval(void *, const vsmmu_inval *inv)
{
    if (inv->kind == VSMMU_INVAL_ALL && VSMMU_HAS_FIELD(inv, vsmmu_inval, size))
        inval_seen++;
}

int main()
{
    vsmmu_inval_kind k = VSMMU_INVAL_IPA;
    vsmmu_flag f = VSMMU_FLAG_TRACE;
    vsmmu_access a = VSMMU_ACC_ATS_REQUEST;
    vsmmu_perm p = VSMMU_PERM_X;
    vsmmu_sim_op op = VSMMU_SIM_ATTACH;
    EXPECT("named_enums", k == 5 && f == 2 && a == 32 && p == 4 && op == VSMMU_SIM_ATTACH);
    EXPECT("version", vsmmu_version() == VSMMU_VERSION);

    vsmmu_config cfg;
    vsmmu_config_default(&cfg);
    cfg.sidsize = 4;
    cfg.two_level_strtab = false;
    vsmmu_host_ops ops{};
    ops.struct_size = sizeof(ops);
    ops.mem_read = mem_read;
    ops.mem_write = mem_write;
    vsmmu_t *s = nullptr;
    EXPECT("create", vsmmu_create(&cfg, &ops, &s) == 0 && s);
    if (!s)
        return 1;
    vsmmu_set_inval_notifier(s, on_inval, nullptr);

    /* STE 0 bypass in a linear table at ram_base; a TLBI_NSNH_ALL command */
    ram[0] = 0x9;
    const uint64_t cmdq = ram_base + 0x1000;
    ram[0x1000] = 0x30;
    vsmmu_mmio_write(s, 0x80, 8, ram_base);
    vsmmu_mmio_write(s, 0x88, 4, 2);
    vsmmu_mmio_write(s, 0x90, 8, cmdq | 4);
    vsmmu_mmio_write(s, 0x20, 4, 1 | (1u << 3));
    vsmmu_mmio_write(s, 0x98, 4, 1);
    EXPECT("inval_notifier", inval_seen == 1);

    vsmmu_xlate_result r{};
    r.struct_size = sizeof(r);
    int rc = vsmmu_translate(s, 0, VSMMU_NO_SSID, 0x4321000, VSMMU_ACC_READ, &r);
    EXPECT("translate", rc == 0 && r.status == VSMMU_XLATE_OK && r.addr == 0x4321000);

    vsmmu_stats st{};
    st.struct_size = sizeof(st);
    EXPECT("stats", vsmmu_get_stats(s, &st) == 0 && st.commands == 1);
    vsmmu_destroy(s);
    std::printf("test_cxx: %d passed, %d failed\n", passed, failed);
    return failed != 0;
}
