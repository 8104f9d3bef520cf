/* SPDX-License-Identifier: MIT */
/*
 * Register and descriptor fields of the SMMUv3 (Arm IHI 0070), defined once.
 *
 * A field is written as "HI, LO" (bit numbers, inclusive) and used through
 * the helpers below, e.g. fld_get(cr0, CR0_SMMUEN) or
 * st_get(ste, STE_CONFIG).  Register fields are bit numbers within the
 * register; structure fields (STE, CD, commands, events) are absolute bit
 * numbers within the structure, as the specification numbers them, over an
 * array of little-endian-decoded 64-bit dwords.
 */
#ifndef VSMMU_FIELDS_H
#define VSMMU_FIELDS_H

#include <stdint.h>
#include <string.h>

static inline uint64_t fld_mask(unsigned hi, unsigned lo)
{
    return (~0ull >> (63 - hi)) & (~0ull << lo);
}
static inline uint64_t fld_get(uint64_t v, unsigned hi, unsigned lo)
{
    return (v & fld_mask(hi, lo)) >> lo;
}
static inline uint64_t fld_set(uint64_t v, unsigned hi, unsigned lo, uint64_t x)
{
    return (v & ~fld_mask(hi, lo)) | ((x << lo) & fld_mask(hi, lo));
}
/* The low bit number of a field (a one-bit field's bit), e.g. for
 * vsmmu_gerror_raise(s, fld_lo(GERROR_CMDQ_ERR)). */
static inline unsigned fld_lo(unsigned hi, unsigned lo)
{
    (void)hi;
    return lo;
}
/* Absolute-bit access to a structure held as 64-bit dwords.  A field never
 * crosses a dword boundary in the SMMUv3 formats. */
static inline uint64_t st_get(const uint64_t *dw, unsigned hi, unsigned lo)
{
    return fld_get(dw[lo / 64], hi % 64, lo % 64);
}
static inline void st_set(uint64_t *dw, unsigned hi, unsigned lo, uint64_t x)
{
    dw[lo / 64] = fld_set(dw[lo / 64], hi % 64, lo % 64, x);
}
/* The field's bits in place within its dword (for address fields). */
static inline uint64_t st_raw(const uint64_t *dw, unsigned hi, unsigned lo)
{
    return dw[lo / 64] & fld_mask(hi % 64, lo % 64);
}

/* ---- register offsets (page 0 unless noted) ---------------------------- */
#define R_IDR0             0x000
#define R_IDR1             0x004
#define R_IDR2             0x008
#define R_IDR3             0x00C
#define R_IDR4             0x010
#define R_IDR5             0x014
#define R_IIDR             0x018
#define R_AIDR             0x01C
#define R_CR0              0x020
#define R_CR0ACK           0x024
#define R_CR1              0x028
#define R_CR2              0x02C
#define R_STATUSR          0x040
#define R_GBPA             0x044
#define R_AGBPA            0x048
#define R_IRQ_CTRL         0x050
#define R_IRQ_CTRLACK      0x054
#define R_GERROR           0x060
#define R_GERRORN          0x064
#define R_GERROR_IRQ_CFG0  0x068
#define R_GERROR_IRQ_CFG1  0x070
#define R_GERROR_IRQ_CFG2  0x074
#define R_STRTAB_BASE      0x080
#define R_STRTAB_BASE_CFG  0x088
#define R_CMDQ_BASE        0x090
#define R_CMDQ_PROD        0x098
#define R_CMDQ_CONS        0x09C
#define R_EVENTQ_BASE      0x0A0
#define R_EVENTQ_IRQ_CFG0  0x0B0
#define R_EVENTQ_IRQ_CFG1  0x0B8
#define R_EVENTQ_IRQ_CFG2  0x0BC
#define R_PRIQ_BASE        0x0C0
#define R_PRIQ_IRQ_CFG0    0x0D0
#define R_PRIQ_IRQ_CFG1    0x0D8
#define R_PRIQ_IRQ_CFG2    0x0DC
#define R_ID_REGS_FIRST    0xFD0
#define R_ID_REGS_LAST     0xFFC
#define R_PAGE1            0x10000
#define R_EVENTQ_PROD      (R_PAGE1 + 0x0A8)
#define R_EVENTQ_CONS      (R_PAGE1 + 0x0AC)
#define R_PRIQ_PROD        (R_PAGE1 + 0x0C8)
#define R_PRIQ_CONS        (R_PAGE1 + 0x0CC)

/* ---- IDR0 ---------------------------------------------------------------- */
#define IDR0_S2P           0, 0
#define IDR0_S1P           1, 1
#define IDR0_TTF           3, 2
#define  IDR0_TTF_AARCH64  2
#define IDR0_COHACC        4, 4
#define IDR0_BTM           5, 5
#define IDR0_HTTU          7, 6
#define IDR0_DORMHINT      8, 8
#define IDR0_HYP           9, 9
#define IDR0_ATS           10, 10
#define IDR0_NS1ATS        11, 11
#define IDR0_ASID16        12, 12
#define IDR0_MSI           13, 13
#define IDR0_SEV           14, 14
#define IDR0_ATOS          15, 15
#define IDR0_PRI           16, 16
#define IDR0_VMW           17, 17
#define IDR0_VMID16        18, 18
#define IDR0_CD2L          19, 19
#define IDR0_VATOS         20, 20
#define IDR0_TTENDIAN      22, 21
#define  IDR0_TTENDIAN_LE  2
#define IDR0_ATSRECERR     23, 23
#define IDR0_STALL_MODEL   25, 24
#define  IDR0_STALL_NONE   1
#define  IDR0_STALL_FORCE  2
#define IDR0_TERM_MODEL    26, 26
#define IDR0_ST_LEVEL      28, 27
#define IDR0_RME_IMPL      30, 30

/* ---- IDR1 ---------------------------------------------------------------- */
#define IDR1_SIDSIZE       5, 0
#define IDR1_SSIDSIZE      10, 6
#define IDR1_PRIQS         15, 11
#define IDR1_EVENTQS       20, 16
#define IDR1_CMDQS         25, 21
#define IDR1_ATTR_PERMS_OVR 26, 26
#define IDR1_ATTR_TYPES_OVR 27, 27
#define IDR1_REL           28, 28
#define IDR1_QUEUES_PRESET 29, 29
#define IDR1_TABLES_PRESET 30, 30
#define IDR1_ECMDQ         31, 31
#define QUEUE_LOG2_MAX     19

/* ---- IDR3 ---------------------------------------------------------------- */
#define IDR3_HAD           2, 2
#define IDR3_PBHA          3, 3
#define IDR3_XNX           4, 4
#define IDR3_PPS           5, 5
#define IDR3_MPAM          7, 7
#define IDR3_FWB           8, 8
#define IDR3_STT           9, 9
#define IDR3_RIL           10, 10
#define IDR3_BBML          12, 11
#define IDR3_E0PD          13, 13
#define IDR3_PTWNNC        14, 14
#define IDR3_DPT           15, 15

/* ---- IDR5 ---------------------------------------------------------------- */
#define IDR5_OAS           2, 0
#define IDR5_GRAN4K        4, 4
#define IDR5_GRAN16K       5, 5
#define IDR5_GRAN64K       6, 6
#define IDR5_DS            7, 7
#define IDR5_VAX           11, 10
#define IDR5_STALL_MAX     31, 16

/* ---- IIDR, AIDR ---------------------------------------------------------- */
#define IIDR_IMPLEMENTER   11, 0
#define IIDR_REVISION      15, 12
#define IIDR_VARIANT       19, 16
#define IIDR_PRODUCTID     31, 20
#define AIDR_MINOR         3, 0
#define AIDR_MAJOR         7, 4

/* ---- CR0 / CR0ACK -------------------------------------------------------- */
#define CR0_SMMUEN         0, 0
#define CR0_PRIQEN         1, 1
#define CR0_EVENTQEN       2, 2
#define CR0_CMDQEN         3, 3
#define CR0_ATSCHK         4, 4
#define CR0_VMW            8, 6
#define CR0_DPT_WALK_EN    10, 10

/* ---- CR1, CR2 ------------------------------------------------------------ */
#define CR1_QUEUE_IC       1, 0
#define CR1_QUEUE_OC       3, 2
#define CR1_QUEUE_SH       5, 4
#define CR1_TABLE_IC       7, 6
#define CR1_TABLE_OC       9, 8
#define CR1_TABLE_SH       11, 10
#define CR2_E2H            0, 0
#define CR2_RECINVSID      1, 1
#define CR2_PTM            2, 2
#define CR2_REC_CFG_ATS    3, 3

/* ---- STATUSR ------------------------------------------------------------- */
#define STATUSR_DORMANT    0, 0

/* ---- GBPA ---------------------------------------------------------------- */
#define GBPA_MEMATTR       3, 0
#define GBPA_MTCFG         4, 4
#define GBPA_ALLOCCFG      11, 8
#define GBPA_SHCFG         13, 12
#define  GBPA_SHCFG_INCOMING 1
#define GBPA_PRIVCFG       17, 16
#define GBPA_INSTCFG       19, 18
#define GBPA_ABORT         20, 20
#define GBPA_UPDATE        31, 31

/* ---- IRQ_CTRL / IRQ_CTRLACK ---------------------------------------------- */
#define IRQ_CTRL_GERROR_IRQEN  0, 0
#define IRQ_CTRL_PRIQ_IRQEN    1, 1
#define IRQ_CTRL_EVENTQ_IRQEN  2, 2

/* ---- GERROR / GERRORN ---------------------------------------------------- */
#define GERROR_CMDQ_ERR            0, 0
#define GERROR_EVENTQ_ABT_ERR      2, 2
#define GERROR_PRIQ_ABT_ERR        3, 3
#define GERROR_MSI_CMDQ_ABT_ERR    4, 4
#define GERROR_MSI_EVENTQ_ABT_ERR  5, 5
#define GERROR_MSI_PRIQ_ABT_ERR    6, 6
#define GERROR_MSI_GERROR_ABT_ERR  7, 7
#define GERROR_SFM_ERR             8, 8

/* ---- *_IRQ_CFG0/1/2 ------------------------------------------------------ */
#define IRQ_CFG0_ADDR      55, 2
#define IRQ_CFG1_DATA      31, 0
#define IRQ_CFG2_MEMATTR   3, 0
#define IRQ_CFG2_SH        5, 4
#define PRIQ_IRQ_CFG2_LO   31, 31

/* ---- STRTAB_BASE / STRTAB_BASE_CFG --------------------------------------- */
#define STRTAB_BASE_ADDR   55, 6
#define STRTAB_BASE_RA     62, 62
#define STRTAB_CFG_LOG2SIZE 5, 0
#define STRTAB_CFG_SPLIT   10, 6
#define STRTAB_CFG_FMT     17, 16
#define  STRTAB_FMT_LINEAR 0
#define  STRTAB_FMT_2LVL   1

/* ---- queue registers ----------------------------------------------------- */
#define Q_BASE_LOG2SIZE    4, 0
#define Q_BASE_ADDR        55, 5
#define Q_BASE_RA_WA       62, 62
#define Q_IDX_WR           19, 0    /* index and wrap bit (PROD.WR / CONS.RD) */
#define CMDQ_CONS_ERR      30, 24
#define Q_OVFLG            31, 31   /* EVENTQ/PRIQ_PROD.OVFLG */
#define Q_OVACKFLG         31, 31   /* EVENTQ/PRIQ_CONS.OVACKFLG */

/* CMDQ_CONS.ERR codes */
#define CERROR_NONE          0x00
#define CERROR_ILL           0x01
#define CERROR_ABT           0x02
#define CERROR_ATC_INV_SYNC  0x03

/* ---- structure sizes ----------------------------------------------------- */
#define STE_SIZE           64
#define STE_DWORDS         8
#define CD_SIZE            64
#define CD_DWORDS          8
#define L1STD_SIZE         8
#define L1CD_SIZE          8
#define CMD_SIZE           16
#define EVT_SIZE           32
#define PRI_SIZE           16

/* ---- L1STD --------------------------------------------------------------- */
#define L1STD_SPAN         4, 0
#define L1STD_L2PTR        55, 6

/* ---- STE (absolute bits) ------------------------------------------------- */
#define STE_V              0, 0
#define STE_CONFIG         3, 1
#define  STE_CFG_ABORT     0   /* 0..3 all abort */
#define  STE_CFG_BYPASS    4
#define  STE_CFG_S1        5
#define  STE_CFG_S2        6
#define  STE_CFG_NESTED    7
#define STE_S1FMT          5, 4
#define  S1FMT_LINEAR      0
#define  S1FMT_2LVL_4K     1
#define  S1FMT_2LVL_64K    2
#define STE_S1CTXPTR       55, 6
#define STE_S1CDMAX        63, 59
#define STE_S1DSS          65, 64
#define  S1DSS_TERMINATE   0
#define  S1DSS_BYPASS      1
#define  S1DSS_SSID0       2
#define STE_S1CIR          67, 66
#define STE_S1COR          69, 68
#define STE_S1CSH          71, 70
#define STE_DRE            76, 76
#define STE_CONT           80, 77
#define STE_DCP            81, 81
#define STE_PPAR           82, 82
#define STE_MEV            83, 83
#define STE_S1PIE          88, 88
#define STE_S2FWB          89, 89
#define STE_S1MPAM         90, 90
#define STE_S1STALLD       91, 91
#define STE_EATS           93, 92
#define STE_STRW           95, 94
#define  STRW_NSEL1        0
#define  STRW_EL2          2
#define STE_MEMATTR        99, 96
#define STE_MTCFG          100, 100
#define STE_ALLOCCFG       104, 101
#define STE_SHCFG          109, 108
#define STE_NSCFG          111, 110
#define STE_PRIVCFG        113, 112
#define STE_INSTCFG        115, 114
#define STE_S2VMID         143, 128
#define STE_S2T0SZ         165, 160
#define STE_S2SL0          167, 166
#define STE_S2IR0          169, 168
#define STE_S2OR0          171, 170
#define STE_S2SH0          173, 172
#define STE_S2TG           175, 174
#define STE_S2PS           178, 176
#define STE_S2AA64         179, 179
#define STE_S2ENDI         180, 180
#define STE_S2AFFD         181, 181
#define STE_S2PTW          182, 182
#define STE_S2HD           183, 183
#define STE_S2HA           184, 184
#define STE_S2S            185, 185
#define STE_S2R            186, 186
#define STE_S2HAFT         187, 187
#define STE_S2PIE          188, 188
#define STE_S2POE          189, 189
#define STE_S2SL0_2        194, 194
#define STE_S2DS           195, 195
#define STE_S2TTB          247, 196
#define STE_VMSPTR         375, 332

/* ---- L1CD ---------------------------------------------------------------- */
#define L1CD_V             0, 0
#define L1CD_L2PTR         55, 12

/* ---- CD (absolute bits) -------------------------------------------------- */
#define CD_T0SZ            5, 0
#define CD_TG0             7, 6
#define CD_IR0             9, 8
#define CD_OR0             11, 10
#define CD_SH0             13, 12
#define CD_EPD0            14, 14
#define CD_ENDI            15, 15
#define CD_T1SZ            21, 16
#define CD_TG1             23, 22
#define CD_IR1             25, 24
#define CD_OR1             27, 26
#define CD_SH1             29, 28
#define CD_EPD1            30, 30
#define CD_V               31, 31
#define CD_IPS             34, 32
#define CD_AFFD            35, 35
#define CD_WXN             36, 36
#define CD_UWXN            37, 37
#define CD_TBI0            38, 38
#define CD_TBI1            39, 39
#define CD_PAN             40, 40
#define CD_AA64            41, 41
#define CD_HD              42, 42
#define CD_HA              43, 43
#define CD_S               44, 44
#define CD_R               45, 45
#define CD_A               46, 46
#define CD_ASET            47, 47
#define CD_ASID            63, 48
#define CD_NSCFG0          64, 64
#define CD_HAD0            65, 65
#define CD_E0PD0           66, 66
#define CD_HAFT            67, 67
#define CD_TTB0            119, 68
#define CD_EPAN            123, 123
#define CD_NSCFG1          128, 128
#define CD_HAD1            129, 129
#define CD_E0PD1           130, 130
#define CD_AIE             131, 131
#define CD_TTB1            183, 132
#define CD_DS              186, 186
#define CD_PIE             187, 187
#define CD_MAIR            255, 192

/* ---- commands (absolute bits of the 128-bit command) ------------------- */
#define CMD_OP             7, 0
#define CMD_GLOBAL         9, 9     /* ATC_INV */
#define CMD_SSEC           10, 10
#define CMD_SSV            11, 11
#define CMD_SSID           31, 12
#define CMD_SID            63, 32
#define CMD_VMID           47, 32
#define CMD_ASID           63, 48
#define CMD_NUM            16, 12
#define CMD_SCALE          24, 20
#define CMD_LEAF           64, 64
#define CMD_RANGE          68, 64   /* CFGI_STE_RANGE */
#define CMD_PF_SIZE        68, 64   /* PREFETCH_ADDR */
#define CMD_TTL128         71, 71
#define CMD_TTL            73, 72
#define CMD_TG             75, 74
#define CMD_ADDR           127, 76  /* VA[63:12] */
#define CMD_IPA            119, 76  /* IPA[55:12] (TLBI_S2_IPA) */
#define CMD_ATC_SIZE       69, 64
#define CMD_PRI_PRGIDX     72, 64
#define CMD_PRI_RESP       77, 76
#define CMD_RESUME_AC      12, 12
#define CMD_RESUME_AB      13, 13
#define CMD_RESUME_STAG    79, 64
#define CMD_SYNC_CS        13, 12
#define  SYNC_CS_NONE      0
#define  SYNC_CS_IRQ       1
#define  SYNC_CS_SEV       2
#define CMD_SYNC_MSH       23, 22
#define CMD_SYNC_MSIATTR   27, 24
#define CMD_SYNC_MSIDATA   63, 32
#define CMD_SYNC_MSIADDR   119, 66  /* PA[55:2] */

/* opcodes */
#define OP_PREFETCH_CONFIG 0x01
#define OP_PREFETCH_ADDR   0x02
#define OP_CFGI_STE        0x03
#define OP_CFGI_STE_RANGE  0x04     /* CFGI_ALL: Range = 31 */
#define OP_CFGI_CD         0x05
#define OP_CFGI_CD_ALL     0x06
#define OP_CFGI_VMS_PIDM   0x07
#define OP_TLBI_NH_ALL     0x10
#define OP_TLBI_NH_ASID    0x11
#define OP_TLBI_NH_VA      0x12
#define OP_TLBI_NH_VAA     0x13
#define OP_TLBI_EL3_ALL    0x18
#define OP_TLBI_EL3_VA     0x1A
#define OP_TLBI_EL2_ALL    0x20
#define OP_TLBI_EL2_ASID   0x21
#define OP_TLBI_EL2_VA     0x22
#define OP_TLBI_EL2_VAA    0x23
#define OP_TLBI_S12_VMALL  0x28
#define OP_TLBI_S2_IPA     0x2A
#define OP_TLBI_NSNH_ALL   0x30
#define OP_ATC_INV         0x40
#define OP_PRI_RESP        0x41
#define OP_RESUME          0x44
#define OP_STALL_TERM      0x45
#define OP_SYNC            0x46
#define CFGI_RANGE_ALL     31

/* ---- event records (absolute bits of the 256-bit record) --------------- */
#define EVT_TYPE           7, 0
#define EVT_SSV            11, 11
#define EVT_SSID           31, 12
#define EVT_SID            63, 32
#define EVT_STAG           79, 64
#define EVT_REASON         79, 64   /* F_STE_FETCH and similar (IMPDEF) */
#define EVT_STALL          95, 95
#define EVT_PNU            97, 97
#define EVT_IND            98, 98
#define EVT_RNW            99, 99
#define EVT_NSIPA          102, 102
#define EVT_S2             103, 103
#define EVT_CLASS          105, 104
#define  EVT_CLASS_CD      0
#define  EVT_CLASS_TT      1
#define  EVT_CLASS_IN      2
#define EVT_TTRNW          108, 108
#define EVT_INPUTADDR      191, 128
#define EVT_IPA            247, 204   /* IPA[55:12] */
#define EVT_FETCHADDR      247, 195   /* PA[55:3] */
/* F_BAD_ATS_TREQ */
#define EVT_ATS_SPAN       67, 64
#define EVT_ATS_P          92, 92
#define EVT_ATS_X          93, 93
#define EVT_ATS_W          94, 94
#define EVT_ATS_R          95, 95

/* event types */
#define EVT_F_UUT              0x01
#define EVT_C_BAD_STREAMID     0x02
#define EVT_F_STE_FETCH        0x03
#define EVT_C_BAD_STE          0x04
#define EVT_F_BAD_ATS_TREQ     0x05
#define EVT_F_STREAM_DISABLED  0x06
#define EVT_F_TRANSL_FORBIDDEN 0x07
#define EVT_C_BAD_SUBSTREAMID  0x08
#define EVT_F_CD_FETCH         0x09
#define EVT_C_BAD_CD           0x0A
#define EVT_F_WALK_EABT        0x0B
#define EVT_F_TRANSLATION      0x10
#define EVT_F_ADDR_SIZE        0x11
#define EVT_F_ACCESS           0x12
#define EVT_F_PERMISSION       0x13
#define EVT_F_TLB_CONFLICT     0x20
#define EVT_F_CFG_CONFLICT     0x21
#define EVT_E_PAGE_REQUEST     0x24
#define EVT_F_VMS_FETCH        0x25

/* ---- translation-table descriptors (VMSAv8-64) --------------------------- */
#define PTE_VALID          0, 0
#define PTE_TYPE           1, 1     /* 1: table (levels 0-2) or page (level 3) */
#define PTE_ATTRINDX       4, 2
#define PTE_S2_MEMATTR     5, 2
#define PTE_AP             7, 6     /* stage 1 AP[2:1] */
#define PTE_S2AP           7, 6     /* stage 2 S2AP */
#define PTE_SH             9, 8
#define PTE_AF             10, 10
#define PTE_NG             11, 11
#define PTE_DBM            51, 51
#define PTE_CONT           52, 52
#define PTE_PXN            53, 53
#define PTE_UXN            54, 54
#define PTE_S2XN           54, 53
#define PTE_OA             47, 12   /* before masking to the granule */
#define PTE_PXNTABLE       59, 59
#define PTE_UXNTABLE       60, 60
#define PTE_APTABLE        62, 61
#define PTE_NSTABLE        63, 63

/* Structures in guest memory and in iommufd records are little-endian
 * byte arrays; these read and write one 64-bit word of them. */
/* Little-endian 64-bit words: one load or store (and a byte swap on a
 * big-endian host) where the compiler says the byte order; byte by byte
 * elsewhere. */
#if defined(__BYTE_ORDER__) && defined(__ORDER_LITTLE_ENDIAN__) && \
    defined(__ORDER_BIG_ENDIAN__)
static inline uint64_t vsmmu_le64(const uint8_t *p)
{
    uint64_t v;
    memcpy(&v, p, sizeof(v));
#if __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__
    v = __builtin_bswap64(v);
#endif
    return v;
}

static inline void vsmmu_put_le64(uint8_t *p, uint64_t v)
{
#if __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__
    v = __builtin_bswap64(v);
#endif
    memcpy(p, &v, sizeof(v));
}
#else
static inline uint64_t vsmmu_le64(const uint8_t *p)
{
    uint64_t v = 0;
    for (int i = 7; i >= 0; i--)
        v = (v << 8) | p[i];
    return v;
}

static inline void vsmmu_put_le64(uint8_t *p, uint64_t v)
{
    for (int i = 0; i < 8; i++)
        p[i] = (uint8_t)(v >> (8 * i));
}
#endif

#endif /* VSMMU_FIELDS_H */
