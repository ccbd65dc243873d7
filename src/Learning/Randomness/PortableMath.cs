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
    private static readonly double InvLn2 = BitConverter.Int64BitsToDouble(0x3FF71547652B82FE);
    private static readonly double OverflowThreshold = BitConverter.Int64BitsToDouble(0x40862E42FEFA39EF);
    private static readonly double UnderflowThreshold = BitConverter.Int64BitsToDouble(unchecked((long)0xC0874910D52D3051));
    private static readonly double TwoM1000 = BitConverter.Int64BitsToDouble(0x0170000000000000);
    private static readonly double P1 = BitConverter.Int64BitsToDouble(0x3FC555555555553E);
    private static readonly double P2 = BitConverter.Int64BitsToDouble(unchecked((long)0xBF66C16C16BEBD93));
    private static readonly double P3 = BitConverter.Int64BitsToDouble(0x3F11566AAF25DE2C);
    private static readonly double P4 = BitConverter.Int64BitsToDouble(unchecked((long)0xBEBBBD41C5D26BF1));
    private static readonly double P5 = BitConverter.Int64BitsToDouble(0x3E66376972BEA4D0);

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

    /// <summary>e^x; a transcription of fdlibm's __ieee754_exp (error below 1 ulp).</summary>
    public static double Exp(double x)
    {
        long bits = BitConverter.DoubleToInt64Bits(x);
        uint hx = (uint)(bits >> 32);
        int xsb = (int)(hx >> 31);
        hx &= 0x7fffffff;

        if (hx >= 0x40862E42)
        {
            // |x| >= 709.78: NaN, infinities, overflow and underflow.
            if (hx >= 0x7ff00000)
            {
                if (((hx & 0xfffff) | (uint)bits) != 0)
                {
                    return x + x;
                }
                return xsb == 0 ? x : 0.0;
            }
            if (x > OverflowThreshold)
            {
                return double.PositiveInfinity;
            }
            if (x < UnderflowThreshold)
            {
                return 0.0;
            }
        }

        // Reduce x to r = x - k ln2 with |r| <= 0.5 ln2, r carried as hi - lo.
        double hi = 0.0, lo = 0.0;
        int k = 0;
        if (hx > 0x3fd62e42)
        {
            if (hx < 0x3FF0A2B2)
            {
                hi = xsb == 0 ? x - Ln2Hi : x + Ln2Hi;
                lo = xsb == 0 ? Ln2Lo : -Ln2Lo;
                k = 1 - xsb - xsb;
            }
            else
            {
                k = (int)(InvLn2 * x + (xsb == 0 ? 0.5 : -0.5));
                double t = k;
                // t * Ln2Hi is exact: Ln2Hi has its low 32 bits zero and |k| < 2^11.
                hi = x - t * Ln2Hi;
                lo = t * Ln2Lo;
            }
            x = hi - lo;
        }
        else if (hx < 0x3e300000)
        {
            // |x| < 2^-28: 1 + x is e^x to within rounding.
            return 1.0 + x;
        }

        double tt = x * x;
        double c = x - tt * (P1 + tt * (P2 + tt * (P3 + tt * (P4 + tt * P5))));
        if (k == 0)
        {
            return 1.0 - ((x * c) / (c - 2.0) - x);
        }
        double y = 1.0 - ((lo - (x * c) / (2.0 - c)) - hi);
        if (k >= -1021)
        {
            return BitConverter.Int64BitsToDouble(BitConverter.DoubleToInt64Bits(y) + ((long)k << 52));
        }
        return BitConverter.Int64BitsToDouble(BitConverter.DoubleToInt64Bits(y) + ((long)(k + 1000) << 52)) * TwoM1000;
    }
}
