namespace FedActors.Learning;

/// <summary>
/// Transcendental functions built only from IEEE-754 +, -, *, / so that their results are bit-identical on
/// every platform; Math.Log defers to the C runtime, whose last bit differs between libms.
/// </summary>
internal static class PortableMath
{
    private static readonly double Ln2Hi = BitConverter.Int64BitsToDouble(0x3FE62E42FEE00000);
    private static readonly double Ln2Lo = BitConverter.Int64BitsToDouble(0x3DEA39EF35793C76);
    private static readonly double Two54 = BitConverter.Int64BitsToDouble(0x4350000000000000);
    private static readonly double Lg1 = BitConverter.Int64BitsToDouble(0x3FE5555555555593);
    private static readonly double Lg2 = BitConverter.Int64BitsToDouble(0x3FD999999997FA04);
    private static readonly double Lg3 = BitConverter.Int64BitsToDouble(0x3FD2492494229359);
    private static readonly double Lg4 = BitConverter.Int64BitsToDouble(0x3FCC71C51D8E78AF);
    private static readonly double Lg5 = BitConverter.Int64BitsToDouble(0x3FC7466496CB03DE);
    private static readonly double Lg6 = BitConverter.Int64BitsToDouble(0x3FC39A09D078C69F);
    private static readonly double Lg7 = BitConverter.Int64BitsToDouble(0x3FC2F112DF3E5244);

    /// <summary>Natural logarithm; a transcription of fdlibm's __ieee754_log (error below 1 ulp).</summary>
    public static double Log(double x)
    {
        long bits = BitConverter.DoubleToInt64Bits(x);
        int hx = (int)(bits >> 32);
        uint lx = (uint)bits;

        int k = 0;
        if (hx < 0x00100000)
        {
            if (((hx & 0x7fffffff) | (int)lx) == 0)
            {
                return double.NegativeInfinity;
            }
            if (hx < 0)
            {
                return double.NaN;
            }
            // Subnormal: scale into the normal range and remember the exponent shift.
            k -= 54;
            x *= Two54;
            bits = BitConverter.DoubleToInt64Bits(x);
            hx = (int)(bits >> 32);
        }
        if (hx >= 0x7ff00000)
        {
            return x + x;
        }

        k += (hx >> 20) - 1023;
        hx &= 0x000fffff;
        // Reduce x to [sqrt(2)/2, sqrt(2)) so that f = x - 1 is small.
        int i = (hx + 0x95f64) & 0x100000;
        bits = BitConverter.DoubleToInt64Bits(x);
        x = BitConverter.Int64BitsToDouble(((long)(hx | (i ^ 0x3ff00000)) << 32) | (bits & 0xffffffffL));
        k += i >> 20;
        double f = x - 1.0;
        double dk;

        if ((0x000fffff & (2 + hx)) < 3)
        {
            // |f| < 2^-20: a short series suffices.
            if (f == 0.0)
            {
                if (k == 0)
                {
                    return 0.0;
                }
                dk = k;
                return dk * Ln2Hi + dk * Ln2Lo;
            }
            double r0 = f * f * (0.5 - 0.33333333333333333 * f);
            if (k == 0)
            {
                return f - r0;
            }
            dk = k;
            return dk * Ln2Hi - ((r0 - dk * Ln2Lo) - f);
        }

        double s = f / (2.0 + f);
        dk = k;
        double z = s * s;
        i = hx - 0x6147a;
        double w = z * z;
        int j = 0x6b851 - hx;
        double t1 = w * (Lg2 + w * (Lg4 + w * Lg6));
        double t2 = z * (Lg1 + w * (Lg3 + w * (Lg5 + w * Lg7)));
        i |= j;
        double r = t2 + t1;
        if (i > 0)
        {
            double hfsq = 0.5 * f * f;
            if (k == 0)
            {
                return f - (hfsq - s * (hfsq + r));
            }
            return dk * Ln2Hi - ((hfsq - (s * (hfsq + r) + dk * Ln2Lo)) - f);
        }
        if (k == 0)
        {
            return f - s * (f - r);
        }
        return dk * Ln2Hi - ((s * (f - r) - dk * Ln2Lo) - f);
    }
}
