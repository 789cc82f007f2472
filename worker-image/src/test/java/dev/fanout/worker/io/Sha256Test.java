package dev.fanout.worker.io;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.Random;
import org.junit.jupiter.api.Test;

class Sha256Test {
    private static String hex(byte[] b) {
        return HexFormat.of().formatHex(b);
    }

    /** On a Debian machine with OpenSSL 3 (this one, and the worker image's base) the native digest is the one used. */
    @Test
    void usesOpenSslWhereLibcryptoIsInstalled() {
        boolean installed = Files.exists(Path.of("/usr/lib/x86_64-linux-gnu/libcrypto.so.3"))
                || Files.exists(Path.of("/usr/lib/aarch64-linux-gnu/libcrypto.so.3"));
        assertThat(Sha256.implementation()).isEqualTo(installed ? "openssl" : "jdk");
        assertThat(Sha256.newDigest().getClass().getSimpleName()).isEqualTo(installed ? "OpenSsl" : Sha256.jdk().getClass().getSimpleName());
    }

    @Test
    void theStandardTestVectorsHash() {
        MessageDigest d = Sha256.newDigest();
        assertThat(hex(d.digest("abc".getBytes(StandardCharsets.US_ASCII))))
                .isEqualTo("ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
        assertThat(hex(d.digest())).as("digest() resets: the empty message next")
                .isEqualTo("e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
        assertThat(d.getDigestLength()).isEqualTo(32);
        assertThat(d.getAlgorithm()).isEqualTo("SHA-256");
    }

    /** Any sizes (block edges included), any split into updates (single bytes, slices at offsets), and reset mid-way. */
    @Test
    void givesTheJdksBytesForAnySplitOfTheInput() {
        Random random = new Random(42);
        for (int size : new int[] {0, 1, 55, 56, 63, 64, 65, 127, 1000, 65_536, (1 << 20) + 7}) {
            byte[] data = new byte[size + 10];
            random.nextBytes(data);
            MessageDigest jdk = Sha256.jdk();
            jdk.update(data, 5, size);
            byte[] expected = jdk.digest();

            MessageDigest d = Sha256.newDigest();
            d.update(new byte[] {1, 2, 3}); // thrown away by the reset
            d.reset();
            int at = 5;
            while (at < 5 + size) {
                int n = Math.min(5 + size - at, random.nextInt(3) == 0 ? 1 : random.nextInt(70_000));
                if (n == 1) {
                    d.update(data[at]);
                } else {
                    d.update(data, at, n);
                }
                at += n;
            }
            assertThat(hex(d.digest())).as("%d bytes", size).isEqualTo(hex(expected));
        }
    }

    @Test
    void manyDigestsLiveAndDieWithoutInterfering() {
        MessageDigest a = Sha256.newDigest();
        MessageDigest b = Sha256.newDigest();
        a.update("ab".getBytes(StandardCharsets.US_ASCII));
        b.update("xyz".getBytes(StandardCharsets.US_ASCII));
        a.update("c".getBytes(StandardCharsets.US_ASCII));
        assertThat(hex(a.digest())).isEqualTo("ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
        assertThat(hex(b.digest())).isEqualTo(hex(Sha256.jdk().digest("xyz".getBytes(StandardCharsets.US_ASCII))));
        for (int i = 0; i < 10_000; i++) {
            Sha256.newDigest().update((byte) i); // contexts of collected digests are freed by the cleaner
        }
        System.gc();
    }
}
