#include "nn/ops.h"

#include <math.h>
#include <string.h>

float tj_exp_cephes(float x)
{
    /* Range reduction x = n*ln2 + r, then a degree-5 polynomial for e^r; the constants are the
     * classic Cephes single-precision ones, applied in the same order as the SIMD code. */
    if (x > 88.3762626647949f) x = 88.3762626647949f;
    if (x < -88.3762626647949f) x = -88.3762626647949f;
    float fx = x * 1.44269504088896341f + 0.5f;
    float n = floorf(fx);
    float r = x - n * 0.693359375f;
    r = r - n * -2.12194440e-4f;
    float r2 = r * r;
    float p = 1.9875691500e-4f;
    p = p * r + 1.3981999507e-3f;
    p = p * r + 8.3334519073e-3f;
    p = p * r + 4.1665795894e-2f;
    p = p * r + 1.6666665459e-1f;
    p = p * r + 5.0000001201e-1f;
    p = p * r2 + r;
    p = p + 1.0f;
    int e = (int)n + 127;
    union {
        unsigned u;
        float f;
    } pow2;
    pow2.u = (unsigned)e << 23;
    return p * pow2.f;
}

float tj_sigmoid_vec(float x)
{
    float e = tj_exp_cephes(x);
    return e / (1.0f + e);
}

/* Marian reduces the 8 lanes of a float32x8 left to right (functional::Ops::sumReduce). */
static float hsum8(const float *v)
{
    float s = 0.0f;
    for (int i = 0; i < 8; i++) s += v[i];
    return s;
}

static float hmax8(const float *v)
{
    float m = v[0];
    for (int i = 1; i < 8; i++) m = v[i] > m ? v[i] : m;
    return m;
}

void tj_softmax_rows(float *x, size_t rows, size_t n)
{
    for (size_t r = 0; r < rows; r++) {
        float *row = x + r * n;
        if (n % 8 == 0) {
            float mx[8], sm[8] = {0};
            memcpy(mx, row, sizeof mx);
            for (size_t i = 8; i < n; i += 8)
                for (int l = 0; l < 8; l++) mx[l] = row[i + l] > mx[l] ? row[i + l] : mx[l];
            float m = hmax8(mx);
            for (size_t i = 0; i < n; i += 8)
                for (int l = 0; l < 8; l++) {
                    float e = tj_exp_cephes(row[i + l] - m);
                    sm[l] += e;
                    row[i + l] = e;
                }
            float s = hsum8(sm);
            for (size_t i = 0; i < n; i++) row[i] = row[i] / s;
        } else {
            float m = row[0];
            for (size_t i = 1; i < n; i++) m = row[i] > m ? row[i] : m;
            float s = 0;
            for (size_t i = 0; i < n; i++) {
                float e = expf(row[i] - m);
                s += e;
                row[i] = e;
            }
            for (size_t i = 0; i < n; i++) row[i] = row[i] / s;
        }
    }
}

void tj_logsoftmax_rows(float *x, size_t rows, size_t n)
{
    for (size_t r = 0; r < rows; r++) {
        float *row = x + r * n;
        float m, s;
        if (n % 8 == 0) {
            float mx[8], sm[8] = {0};
            memcpy(mx, row, sizeof mx);
            for (size_t i = 8; i < n; i += 8)
                for (int l = 0; l < 8; l++) mx[l] = row[i + l] > mx[l] ? row[i + l] : mx[l];
            m = hmax8(mx);
            for (size_t i = 0; i < n; i += 8)
                for (int l = 0; l < 8; l++) {
                    float d = row[i + l] - m;
                    sm[l] += tj_exp_cephes(d);
                    row[i + l] = d;
                }
            s = hsum8(sm);
        } else {
            m = row[0];
            for (size_t i = 1; i < n; i++) m = row[i] > m ? row[i] : m;
            s = 0;
            for (size_t i = 0; i < n; i++) {
                float d = row[i] - m;
                s += expf(d);
                row[i] = d;
            }
        }
        float ls = logf(s);
        for (size_t i = 0; i < n; i++) row[i] = row[i] - ls;
    }
}

void tj_layernorm(const float *x, float *y, size_t rows, size_t n, const float *gamma,
                  const float *beta, float eps)
{
    for (size_t r = 0; r < rows; r++) {
        const float *xr = x + r * n;
        float *yr = y + r * n;
        float sum = 0;
        for (size_t i = 0; i < n; i++) sum += xr[i];
        float mean = sum / (float)n;
        float sq = 0;
        for (size_t i = 0; i < n; i++) {
            float d = xr[i] - mean;
            sq += d * d;
        }
        float sigma = sqrtf(sq / (float)n + eps);
        for (size_t i = 0; i < n; i++) yr[i] = gamma[i] * ((xr[i] - mean) / sigma) + beta[i];
    }
}

void tj_position_signal(int p, int d, float *out)
{
    int half = d / 2;
    float nf = (float)half;
    float inc = logf(10000.0f) / (nf - 1.0f);
    for (int i = 0; i < half; i++) {
        float v = (float)p * expf((float)i * -inc);
        out[i] = sinf(v);
        out[half + i] = cosf(v);
    }
}

void tj_relu(float *x, size_t n)
{
    for (size_t i = 0; i < n; i++) x[i] = x[i] > 0.0f ? x[i] : 0.0f;
}

void tj_add(float *y, const float *x, size_t n)
{
    for (size_t i = 0; i < n; i++) y[i] += x[i];
}
