package dev.edgeflow.pi4j;

/**
 * A BME280's or BMP280's trimming parameters and Bosch's compensation formulas in double
 * precision (datasheet BST-BME280-DS002, section 8.1; BMP280: BST-BMP280-DS001, section 8.1).
 * The parameters are read from the chip once: 0x88 to 0xA1, and for humidity 0xE1 to 0xE7.
 */
final class Bme280Calibration {
    final int t1;
    final int t2;
    final int t3;
    final int p1;
    final int p2;
    final int p3;
    final int p4;
    final int p5;
    final int p6;
    final int p7;
    final int p8;
    final int p9;
    final int h1;
    final int h2;
    final int h3;
    final int h4;
    final int h5;
    final int h6;

    /**
     * Decodes the parameters.
     *
     * @param tp the 26 bytes of registers 0x88 to 0xA1
     * @param h the 7 bytes of registers 0xE1 to 0xE7, or {@code null} for a BMP280
     */
    Bme280Calibration(byte[] tp, byte[] h) {
        t1 = u16(tp, 0);
        t2 = s16(tp, 2);
        t3 = s16(tp, 4);
        p1 = u16(tp, 6);
        p2 = s16(tp, 8);
        p3 = s16(tp, 10);
        p4 = s16(tp, 12);
        p5 = s16(tp, 14);
        p6 = s16(tp, 16);
        p7 = s16(tp, 18);
        p8 = s16(tp, 20);
        p9 = s16(tp, 22);
        h1 = tp[25] & 0xFF;                                   // 0xA1; 0xA0 is unused
        if (h == null) {
            h2 = h3 = h4 = h5 = h6 = 0;
        } else {
            h2 = s16(h, 0);                                   // 0xE1/0xE2
            h3 = h[2] & 0xFF;                                 // 0xE3
            h4 = (h[3] << 4) | (h[4] & 0x0F);                 // 0xE4 (signed) [11:4], 0xE5 [3:0]
            h5 = (h[5] << 4) | ((h[4] & 0xFF) >> 4);          // 0xE6 (signed) [11:4], 0xE5 [7:4]
            h6 = h[6];                                        // 0xE7, signed
        }
    }

    /** The fine temperature that pressure and humidity compensation take. */
    double fineTemperature(int adcT) {
        double var1 = (adcT / 16384.0 - t1 / 1024.0) * t2;
        double d = adcT / 131072.0 - t1 / 8192.0;
        double var2 = d * d * t3;
        return var1 + var2;
    }

    /** Temperature in °C from the fine temperature. */
    static double celsius(double fine) {
        return fine / 5120.0;
    }

    /** Pressure in Pa, or NaN if the parameters would divide by zero (a chip not calibrated). */
    double pascal(int adcP, double fine) {
        double tFine = (int) fine; // the datasheet's t_fine is a 32-bit integer, truncated
        double var1 = tFine / 2.0 - 64000.0;
        double var2 = var1 * var1 * p6 / 32768.0;
        var2 = var2 + var1 * p5 * 2.0;
        var2 = var2 / 4.0 + p4 * 65536.0;
        var1 = (p3 * var1 * var1 / 524288.0 + p2 * var1) / 524288.0;
        var1 = (1.0 + var1 / 32768.0) * p1;
        if (var1 == 0.0) {
            return Double.NaN;
        }
        double p = 1048576.0 - adcP;
        p = (p - var2 / 4096.0) * 6250.0 / var1;
        var1 = p9 * p * p / 2147483648.0;
        var2 = p * p8 / 32768.0;
        return p + (var1 + var2 + p7) / 16.0;
    }

    /** Relative humidity in %, clamped to 0..100 as the datasheet does. */
    double humidity(int adcH, double fine) {
        double h = (int) fine - 76800.0;
        h = (adcH - (h4 * 64.0 + h5 / 16384.0 * h))
                * (h2 / 65536.0 * (1.0 + h6 / 67108864.0 * h * (1.0 + h3 / 67108864.0 * h)));
        h = h * (1.0 - h1 * h / 524288.0);
        return Math.max(0.0, Math.min(100.0, h));
    }

    private static int u16(byte[] b, int i) {
        return (b[i] & 0xFF) | (b[i + 1] & 0xFF) << 8;
    }

    private static int s16(byte[] b, int i) {
        return (short) u16(b, i);
    }
}
