package dev.fanout.worker.pg;

import static org.assertj.core.api.Assertions.assertThat;

import java.math.BigDecimal;
import java.math.BigInteger;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

class CopyBinaryWriterTest {
    private static byte[] small(BigDecimal v) {
        CopyBinaryWriter w = new CopyBinaryWriter(64);
        assertThat(w.putSmallNumeric(v)).as(v.toString()).isTrue();
        return w.toByteArray();
    }

    private static byte[] fromText(BigDecimal v) {
        CopyBinaryWriter w = new CopyBinaryWriter(64);
        w.putNumericFromText(v);
        return w.toByteArray();
    }

    /** The arithmetic path writes the very bytes of the text path (which PostgreSQL reads back in the load tests). */
    @Test
    void smallNumericsAreEncodedAsTheTextPathEncodesThem() {
        List<BigDecimal> values = new ArrayList<>(List.of(BigDecimal.ZERO, new BigDecimal("0.000"), new BigDecimal("-0.0012"),
                new BigDecimal("1234.5000"), new BigDecimal("10000"), new BigDecimal("100000000.00000001"), new BigDecimal("0.00000012"),
                new BigDecimal("999999999999999999"), new BigDecimal("-12345678901234.5678"), new BigDecimal("1.5"), new BigDecimal("7")));
        Random rnd = new Random(7);
        for (int i = 0; i < 20_000; i++) {
            int digits = 1 + rnd.nextInt(18);
            long unscaled = (long) (rnd.nextDouble() * Math.pow(10, digits)) * (rnd.nextBoolean() ? 1 : -1);
            values.add(BigDecimal.valueOf(unscaled, rnd.nextInt(digits + 1)));
        }
        int small = 0;
        for (BigDecimal v : values) {
            CopyBinaryWriter w = new CopyBinaryWriter(64);
            if (w.putSmallNumeric(v)) {
                small++;
                assertThat(w.toByteArray()).as(v.toPlainString()).containsExactly(fromText(v));
            }
        }
        assertThat(small).isGreaterThan(values.size() * 3 / 4);
        assertThat(small(new BigDecimal("-12345678901234.5678"))).containsExactly(fromText(new BigDecimal("-12345678901234.5678")));
    }

    @Test
    void largerNumericsAreLeftToTheTextPath() {
        for (BigDecimal v : List.of(new BigDecimal("1234567890123456789"), new BigDecimal("1E+5"),
                new BigDecimal(new BigInteger("123456789012345678901234567890"), 3), new BigDecimal("99999999999999999.9"))) {
            CopyBinaryWriter w = new CopyBinaryWriter(64);
            assertThat(w.putSmallNumeric(v)).as(v.toString()).isFalse();
            assertThat(w.size()).isZero();
        }
    }
}
