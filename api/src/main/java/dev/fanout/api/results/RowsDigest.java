package dev.fanout.api.results;

import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;

/**
 * Which rows of a batch a ranking is of: their count and the sum of a 60-bit hash of each row's model, weather, variant
 * and run hash (the spec hash of the run that wrote it). The sum does not depend on the rows' order, so the worker sums it
 * in SQL ({@link #SQL}) and the operator over its runs in Java ({@link #add}), alike: equal digests mean the ranking
 * counted exactly the batch's succeeded runs, each from its current spec, and no other row.
 */
public final class RowsDigest {
    /** Over the batch's rows of a results table (parameter 1: the batch): count, then the sum. */
    public static final String SQL = "SELECT count(*), coalesce(sum(('x' || substr(md5(coalesce(model, '') || chr(31) || coalesce(weather, '') "
            + "|| chr(31) || variant || chr(31) || coalesce(run_hash, '')), 1, 15))::bit(60)::bigint), 0) FROM %s WHERE batch = ?";

    private long count;
    private BigInteger sum = BigInteger.ZERO;

    /** Adds one row (a run's model, weather, variant and spec hash). */
    public RowsDigest add(String model, String weather, String variant, String runHash) {
        String key = model + '\u001f' + weather + '\u001f' + variant + '\u001f' + (runHash == null ? "" : runHash);
        try {
            String hex = HexFormat.of().formatHex(MessageDigest.getInstance("MD5").digest(key.getBytes(StandardCharsets.UTF_8)));
            sum = sum.add(BigInteger.valueOf(Long.parseLong(hex.substring(0, 15), 16)));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("MD5 is part of every Java runtime", e);
        }
        count++;
        return this;
    }

    /** The digest of the rows added. */
    @Override
    public String toString() {
        return of(count, sum);
    }

    /** The digest of {@link #SQL}'s two columns. */
    public static String of(long count, BigInteger sum) {
        return count + ":" + sum;
    }
}
