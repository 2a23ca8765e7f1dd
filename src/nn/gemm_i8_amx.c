/* SPDX-License-Identifier: MIT */
/* The packed int8 product on Intel AMX (nn/gemm_i8.h), for the exact columns only.
 *
 * tdpbusd multiplies 16 rows of unsigned activation bytes by 16 columns of signed weight bytes and
 * adds each group of four products exactly into an int32, like VNNI's vpdpbusd: no int16
 * saturation of pairs. On an exact column (tj_gemm_i8_exact_column) no pair can saturate, so the
 * int32 total is the one vpmaddubsw's saturated pairs give, and with the same epilogue
 * (fmaf(float(S), unq, pbias)) every output is bit for bit the AVX2 and scalar result. The other
 * columns stay on the AVX-512BW kernel.
 *
 * The packed layout (16 columns x 4 bytes of k per 64-byte row) is exactly tdpbusd's B tile: a
 * 64-byte slice of k of a 16-column group is 16 consecutive rows of P, so tiles load straight
 * from the packed weights. On this project's Xeon (AMX) one tdpbusd of 16 rows ran ~900 GMAC/s
 * against ~115-130 for the 512-bit vpdpbusd or vpmaddubsw chains (bench_gemm-style loops), and
 * even 4 rows (a decoder step of four sentences) ~400. */
#include "nn/gemm_i8.h"

#include <string.h>

#if defined(__x86_64__) && defined(__linux__) && (defined(__GNUC__) || defined(__clang__))
#include <cpuid.h>
#include <immintrin.h>
#include <stdatomic.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "nn/gemm_i8_512.h"

/* Linux hands AMX's 8 KB of tile state to a process only when asked (arch_prctl
 * ARCH_REQ_XCOMP_PERM for XFEATURE_XTILEDATA); the answer is the process's for good, so it is
 * asked once and kept. This is the one piece of process-wide state the kernels keep: the answer
 * cannot differ between models or threads. */
#define TJ_ARCH_REQ_XCOMP_PERM 0x1023
#define TJ_XFEATURE_XTILEDATA 18

static int detect_amx(void)
{
    if (!tj_cpu_has_avx512vnni()) return 0; /* the exact-column order comes with VNNI */
    unsigned a, b, c, d;
    if (!__get_cpuid_count(7, 0, &a, &b, &c, &d)) return 0;
    if (!(d & (1u << 24)) || !(d & (1u << 25))) return 0; /* AMX-TILE, AMX-INT8 */
    return syscall(SYS_arch_prctl, TJ_ARCH_REQ_XCOMP_PERM, TJ_XFEATURE_XTILEDATA) == 0;
}

int tj_cpu_has_amx(void)
{
    static atomic_int state; /* 0: not asked yet, 1: yes, 2: no */
    int s = atomic_load_explicit(&state, memory_order_relaxed);
    if (!s) {
        s = detect_amx() ? 1 : 2;
        atomic_store_explicit(&state, s, memory_order_relaxed);
    }
    return s == 1;
}

/* ldtilecfg's 64-byte operand (palette 1). */
typedef struct {
    uint8_t palette, start_row, reserved[14];
    uint16_t colsb[16];
    uint8_t rows[16];
} tilecfg;

/* Tiles: 0-3 the sums of a block of r rows against four groups of 16 columns; 4 the block's
 * activations (r rows of 64 bytes of k); 5, 6, 7 weights (16 rows of 64 bytes: 64 of k for 16
 * columns), tile 5 loaded twice per step. */
__attribute__((target("amx-tile,amx-int8"))) static void configure(size_t r)
{
    tilecfg c;
    memset(&c, 0, sizeof c);
    c.palette = 1;
    for (int t = 0; t < 8; t++) c.colsb[t] = 64;
    for (int t = 0; t < 5; t++) c.rows[t] = (uint8_t)r;
    c.rows[5] = c.rows[6] = c.rows[7] = 16;
    _tile_loadconfig(&c);
}

/* The split's limit: at most this many of every 100 groups of four k hot
 * (tj_gemm_i8_packed_amx). */
#define TJ_AMX_HOT_NUM 40
#define TJ_AMX_HOT_DEN 100

#define T_AMX "amx-tile,amx-int8," TJ_T512 ",bmi,bmi2"

/* The bounds of tj_gemm_i8_amx_bound: for each k, the largest positive weight and the largest
 * negated negative weight over packed positions [jv, N), from the packed rows (16 columns x 4 of k
 * per 64 bytes; the zero padding past N changes neither). */
__attribute__((target(T_AMX))) void tj_gemm_i8_amx_bound(const int8_t *P, size_t K, size_t N,
                                                         size_t jv, uint8_t *bound)
{
    size_t g1 = (N + 15) / 16;
    for (size_t k4 = 0; k4 < K / 4; k4++) {
        __m512i hi = _mm512_setzero_si512(), lo = hi;
        for (size_t g = jv / 16; g < g1; g++) {
            __m512i v = _mm512_loadu_si512(P + g * 16 * K + 64 * k4);
            hi = _mm512_max_epi8(hi, v);
            lo = _mm512_min_epi8(lo, v);
        }
        int8_t h[64], l[64];
        _mm512_storeu_si512(h, hi);
        _mm512_storeu_si512(l, lo);
        for (size_t t = 0; t < 4; t++) {
            int up = 0, un = 0;
            for (size_t c = 0; c < 16; c++) {
                up = h[4 * c + t] > up ? h[4 * c + t] : up;
                un = -l[4 * c + t] > un ? -l[4 * c + t] : un;
            }
            bound[4 * k4 + t] = (uint8_t)up;
            bound[K + 4 * k4 + t] = (uint8_t)un;
        }
    }
}

/* Splits r rows of activations (ld K) by pair: a pair (k, k + 1) is hot when some column of the
 * bounded set could saturate it, a[k] * up[k] + a[k+1] * up[k+1] > 32767 or the same with un
 * above 32768 (vpmaddwd on the bytes widened to 16 bits: exact). cold gets the rows with their
 * hot pairs zeroed; hot[row * K / 4 ..] the row's groups of four k holding a hot pair, as k / 4
 * with the two pairs' hot bits in bits 14 and 15; nhot[row] how many. */
__attribute__((target(T_AMX))) static void split_rows(const uint8_t *a, size_t r, size_t K,
                                                      const uint8_t *bound, uint8_t *cold,
                                                      uint16_t *hot, size_t *nhot)
{
    const __m512i lim_p = _mm512_set1_epi32(32767), lim_n = _mm512_set1_epi32(32768);
    for (size_t i = 0; i < r; i++) {
        const uint8_t *row = a + i * K;
        uint16_t *h = hot + i * (K / 4);
        size_t n = 0;
        for (size_t k = 0; k < K; k += 64) {
            __m512i av = _mm512_loadu_si512(row + k);
            __m512i a0 = _mm512_cvtepu8_epi16(_mm512_castsi512_si256(av)),
                    a1 = _mm512_cvtepu8_epi16(_mm512_extracti64x4_epi64(av, 1));
            __m512i p0 = _mm512_cvtepu8_epi16(_mm256_loadu_si256((const void *)(bound + k))),
                    p1 = _mm512_cvtepu8_epi16(_mm256_loadu_si256((const void *)(bound + k + 32))),
                    n0 = _mm512_cvtepu8_epi16(_mm256_loadu_si256((const void *)(bound + K + k))),
                    n1 = _mm512_cvtepu8_epi16(
                        _mm256_loadu_si256((const void *)(bound + K + k + 32)));
            uint32_t h0 = _mm512_cmpgt_epi32_mask(_mm512_madd_epi16(a0, p0), lim_p) |
                          _mm512_cmpgt_epi32_mask(_mm512_madd_epi16(a0, n0), lim_n),
                     h1 = _mm512_cmpgt_epi32_mask(_mm512_madd_epi16(a1, p1), lim_p) |
                          _mm512_cmpgt_epi32_mask(_mm512_madd_epi16(a1, n1), lim_n);
            uint32_t pm = h0 | h1 << 16; /* bit q: the pair of bytes 2q, 2q + 1 */
            uint64_t bm = _pdep_u64(pm, 0x5555555555555555ULL);
            bm |= bm << 1;
            _mm512_storeu_si512(cold + i * K + k, _mm512_maskz_mov_epi8(~bm, av));
            uint32_t km = _pext_u32(pm | pm >> 1, 0x55555555u);
            while (km) {
                unsigned q = (unsigned)__builtin_ctz(km);
                km &= km - 1;
                h[n++] = (uint16_t)((k / 4 + q) | ((pm >> (2 * q)) & 3u) << 14);
            }
        }
        nhot[i] = n;
    }
}

__attribute__((target(T_AMX))) size_t
tj_gemm_i8_packed_amx(const uint8_t *A, size_t M, size_t K, const int8_t *P, size_t N, size_t jv,
                      size_t j1, const uint8_t *bound, const int32_t *perm, float unq,
                      const float *pbias, float *C, size_t ldc)
{
    /* 50 kB of stack for a block of 16 rows at the largest K. */
    uint8_t cold[16 * TJ_AMX_MAX_K];
    uint16_t hot[16 * (TJ_AMX_MAX_K / 4)];
    size_t nhot[16];
    int32_t s[16 * 64];
    static const uint32_t amask[4] = {0, 0x0000ffffu, 0xffff0000u, 0xffffffffu};
    const __m512i ones = _mm512_set1_epi16(1);
    const __m512 vunq = _mm512_set1_ps(unq);
    size_t cur = 0;
    if (!M) return j1;
    if (j1 > jv) {
        /* The split pays while few groups of four k are hot (trained weights: ~3 %); with many
         * (random ones: 30-80 %) the hot pairs' one-row products cost more than the AVX-512BW
         * kernel's 4-row blocks on all of them. The first row decides for the call, so that a
         * call which does not split has spent one row's split on finding out. */
        split_rows(A, 1, K, bound, cold, hot, nhot);
        if (nhot[0] * TJ_AMX_HOT_DEN > (K / 4) * TJ_AMX_HOT_NUM)
            j1 = jv;
        else if (M > 1)
            split_rows(A + K, (M < 16 ? M : 16) - 1, K, bound, cold + K, hot + K / 4, nhot + 1);
    }
    if (!j1) return 0;
    for (size_t i = 0; i < M; i += 16) {
        size_t r = M - i < 16 ? M - i : 16;
        if (r != cur) configure(cur = r);
        const uint8_t *a = A + i * K;
        if (j1 > jv && i) split_rows(a, r, K, bound, cold, hot, nhot);
        for (size_t jb = 0; jb < j1; jb += 64) {
            const int8_t *p0 = P + jb * K, *p1 = p0 + 16 * K, *p2 = p1 + 16 * K, *p3 = p2 + 16 * K;
            int split = jb >= jv; /* jv is a multiple of 64: a panel is on one side */
            const uint8_t *src = split ? cold : a;
            _tile_zero(0);
            _tile_zero(1);
            _tile_zero(2);
            _tile_zero(3);
            for (size_t k = 0; k < K; k += 64) {
                _tile_loadd(4, src + k, K);
                _tile_loadd(5, p0 + 16 * k, 64);
                _tile_loadd(6, p1 + 16 * k, 64);
                _tile_loadd(7, p2 + 16 * k, 64);
                _tile_dpbusd(0, 4, 5);
                _tile_dpbusd(1, 4, 6);
                _tile_dpbusd(2, 4, 7);
                _tile_loadd(5, p3 + 16 * k, 64);
                _tile_dpbusd(3, 4, 5);
            }
            _tile_stored(0, s, 256);
            _tile_stored(1, s + 16, 256);
            _tile_stored(2, s + 32, 256);
            _tile_stored(3, s + 48, 256);
            for (size_t rr = 0; rr < r; rr++) {
                __m512i sum[4];
                for (int q = 0; q < 4; q++) sum[q] = _mm512_loadu_si512(s + 64 * rr + 16 * q);
                if (split) {
                    /* The hot pairs with vpmaddubsw's saturation, the cold pair of their group
                     * of four zeroed (it is in the tiles' sum). */
                    const uint8_t *row = a + rr * K;
                    const uint16_t *h = hot + rr * (K / 4);
                    for (size_t e = 0; e < nhot[rr]; e++) {
                        size_t k4 = h[e] & 0x3fffu, o = 64 * k4;
                        uint32_t a4;
                        memcpy(&a4, row + 4 * k4, sizeof a4);
                        __m512i x = _mm512_set1_epi32((int)(a4 & amask[h[e] >> 14]));
                        sum[0] = tj_i8_mac_pairs(sum[0], x, _mm512_loadu_si512(p0 + o), ones);
                        sum[1] = tj_i8_mac_pairs(sum[1], x, _mm512_loadu_si512(p1 + o), ones);
                        sum[2] = tj_i8_mac_pairs(sum[2], x, _mm512_loadu_si512(p2 + o), ones);
                        sum[3] = tj_i8_mac_pairs(sum[3], x, _mm512_loadu_si512(p3 + o), ones);
                    }
                }
                for (size_t q = 0; q < 4; q++)
                    tj_i8_store16(sum[q], jb + 16 * q, N, perm, vunq, pbias, C + (i + rr) * ldc);
            }
        }
    }
    /* Give the tile state back: a thread that keeps it costs 8 KB more at every context switch. */
    _tile_release();
    return j1;
}

#else
int tj_cpu_has_amx(void)
{
    return 0;
}
void tj_gemm_i8_amx_bound(const int8_t *P, size_t K, size_t N, size_t jv, uint8_t *bound)
{
    (void)P, (void)K, (void)N, (void)jv, (void)bound;
}
size_t tj_gemm_i8_packed_amx(const uint8_t *A, size_t M, size_t K, const int8_t *P, size_t N,
                             size_t jv, size_t j1, const uint8_t *bound, const int32_t *perm,
                             float unq, const float *pbias, float *C, size_t ldc)
{
    (void)A, (void)M, (void)K, (void)P, (void)N, (void)jv, (void)j1, (void)bound, (void)perm,
        (void)unq, (void)pbias, (void)C, (void)ldc;
    return 0;
}
#endif
