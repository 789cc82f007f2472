package dev.fanout.worker.io;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.SymbolLookup;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;
import java.lang.ref.Cleaner;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;

/**
 * The SHA-256 of sources: OpenSSL's (libcrypto through the FFM API) where the image has it, else the JDK's.
 * <p>
 * Why not the JDK's alone: most tasks run as short JVMs (C1 only), and C1 has no intrinsic for SHA-256. The JDK's digest
 * there hashes about 100 MB/s on this machine, OpenSSL's about 1 GB/s (SHA-NI): a 100 MB layer was hashed slower than it
 * was loaded, so large downloads had to keep C2, whose compilations cost a 2-core node more than they save. With
 * OpenSSL's digest a layer of any size runs as a short JVM. Both give the same bytes (tested); the JDK's is the fallback
 * for an image without libcrypto.so.3 (the test bed's Debian base has it: libssl3).
 */
public final class Sha256 {
    private Sha256() {
    }

    /** A new SHA-256 digest: OpenSSL's when it loaded, else the JDK's. */
    public static MessageDigest newDigest() {
        return OpenSsl.AVAILABLE ? new OpenSsl() : jdk();
    }

    /** Which implementation {@link #newDigest} gives: "openssl" or "jdk" (for `fanout-worker version` and the tests). */
    public static String implementation() {
        return OpenSsl.AVAILABLE ? "openssl" : "jdk";
    }

    static MessageDigest jdk() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    /** EVP_DigestInit/Update/Final on a context of its own, freed when the digest is collected. */
    static final class OpenSsl extends MessageDigest {
        private static final Cleaner CLEANER = Cleaner.create();
        static final boolean AVAILABLE;
        private static final MethodHandle CTX_NEW;
        private static final MethodHandle CTX_FREE;
        private static final MethodHandle INIT;
        private static final MethodHandle UPDATE;
        private static final MethodHandle FINAL;
        private static final MemorySegment SHA256;

        static {
            MethodHandle ctxNew = null, ctxFree = null, init = null, update = null, fin = null;
            MemorySegment md = null;
            boolean ok = false;
            try {
                Linker linker = Linker.nativeLinker();
                SymbolLookup lib = SymbolLookup.libraryLookup("libcrypto.so.3", Arena.global());
                ctxNew = linker.downcallHandle(lib.findOrThrow("EVP_MD_CTX_new"), FunctionDescriptor.of(ValueLayout.ADDRESS));
                ctxFree = linker.downcallHandle(lib.findOrThrow("EVP_MD_CTX_free"), FunctionDescriptor.ofVoid(ValueLayout.ADDRESS));
                init = linker.downcallHandle(lib.findOrThrow("EVP_DigestInit_ex"),
                        FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.ADDRESS, ValueLayout.ADDRESS, ValueLayout.ADDRESS));
                // critical: hashes the caller's byte[] in place (no copy to native memory); a call hashes one buffer, microseconds
                update = linker.downcallHandle(lib.findOrThrow("EVP_DigestUpdate"),
                        FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.ADDRESS, ValueLayout.ADDRESS, ValueLayout.JAVA_LONG),
                        Linker.Option.critical(true));
                fin = linker.downcallHandle(lib.findOrThrow("EVP_DigestFinal_ex"),
                        FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.ADDRESS, ValueLayout.ADDRESS, ValueLayout.ADDRESS));
                md = (MemorySegment) linker.downcallHandle(lib.findOrThrow("EVP_sha256"), FunctionDescriptor.of(ValueLayout.ADDRESS))
                        .invokeExact();
                ok = !md.equals(MemorySegment.NULL);
            } catch (Throwable e) {
                // no libcrypto.so.3 (another base image, another OS) or native access denied: the JDK's digest
            }
            AVAILABLE = ok;
            CTX_NEW = ctxNew;
            CTX_FREE = ctxFree;
            INIT = init;
            UPDATE = update;
            FINAL = fin;
            SHA256 = md;
        }

        private final MemorySegment ctx;
        private final byte[] one = new byte[1];

        OpenSsl() {
            super("SHA-256");
            try {
                ctx = (MemorySegment) CTX_NEW.invokeExact();
            } catch (Throwable e) {
                throw new IllegalStateException("EVP_MD_CTX_new failed", e);
            }
            if (ctx.equals(MemorySegment.NULL)) {
                throw new OutOfMemoryError("EVP_MD_CTX_new returned NULL");
            }
            MemorySegment owned = ctx; // the cleaning action must not hold this digest
            CLEANER.register(this, () -> free(owned));
            engineReset();
        }

        private static void free(MemorySegment ctx) {
            try {
                CTX_FREE.invokeExact(ctx);
            } catch (Throwable ignored) {
                // nothing more to do for memory that is going anyway
            }
        }

        /** A libcrypto call returning 1 on success. */
        private interface Call {
            int invoke() throws Throwable;
        }

        private static void call(String name, Call call) {
            int rc;
            try {
                rc = call.invoke();
            } catch (RuntimeException | Error e) {
                throw e;
            } catch (Throwable e) {
                throw new IllegalStateException(name + " failed", e);
            }
            if (rc != 1) {
                throw new IllegalStateException(name + " failed");
            }
        }

        @Override
        protected void engineUpdate(byte input) {
            one[0] = input;
            engineUpdate(one, 0, 1);
        }

        @Override
        protected void engineUpdate(byte[] input, int offset, int len) {
            if (len > 0) {
                MemorySegment bytes = MemorySegment.ofArray(input).asSlice(offset, len);
                call("EVP_DigestUpdate", () -> (int) UPDATE.invokeExact(ctx, bytes, (long) len));
            }
        }

        @Override
        protected byte[] engineDigest() {
            try (Arena arena = Arena.ofConfined()) {
                MemorySegment out = arena.allocate(32);
                call("EVP_DigestFinal_ex", () -> (int) FINAL.invokeExact(ctx, out, MemorySegment.NULL));
                engineReset(); // as MessageDigest#digest promises
                return out.toArray(ValueLayout.JAVA_BYTE);
            }
        }

        @Override
        protected void engineReset() {
            call("EVP_DigestInit_ex", () -> (int) INIT.invokeExact(ctx, SHA256, MemorySegment.NULL));
        }

        @Override
        protected int engineGetDigestLength() {
            return 32;
        }
    }
}
