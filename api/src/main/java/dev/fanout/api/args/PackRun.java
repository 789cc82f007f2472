package dev.fanout.api.args;

import dev.fanout.api.VariantEdit;

/**
 * One run of a pack: several runs of one model and weather in one pod, so that a short run does not pay for a pod and two
 * worker starts of its own. Each run has its directory under the work dir: {@code energy prepare} writes its in.idf and
 * in.epw there, the engine its out/, {@code energy collect} reads that.
 *
 * @param dir a plain directory name (r000, r001...), the order the engine runs them in
 * @param hash the run's spec hash as the operator knows it (null: none stored)
 */
public record PackRun(String dir, String variant, VariantEdit edit, String hash) {
    /** The repeatable option both steps take, {@code --run <dir>=<value>}: the variant's edit (prepare) or its id (collect). */
    public static final String OPTION = "--run";
    /** Collect's repeatable {@code --run-hash <dir>=<hash>}: the run's spec hash, stored with its row ({@link dev.fanout.api.results.RowsDigest}). */
    public static final String HASH_OPTION = "--run-hash";
    /** What prepare leaves in a run's directory instead of in.idf when the variant cannot be applied: the error line. */
    public static final String PREPARE_ERROR_FILE = "prepare-error";

    public PackRun(String dir, String variant, VariantEdit edit) {
        this(dir, variant, edit, null);
    }

    /**
     * The engine container of a pack (the engine image's /bin/sh): every prepared run in directory order, each run's exit
     * code written down for collect as a run of its own does; a run that was not prepared is skipped.
     */
    public static String engineScript(String workDir) {
        return "cd " + workDir + " && for d in r[0-9]*; do [ -f \"$d/in.idf\" ] || continue; mkdir -p \"$d/out\"; "
                + "(cd \"$d\" && " + CollectArgs.engineCommand() + "); done; exit 0";
    }

    /** Whether a name may be a run's directory: a plain name, so no argument can point outside the work dir. */
    public static boolean isDirName(String name) {
        return name.matches("[A-Za-z0-9_-]{1,40}");
    }

    public static String dirName(int index) {
        return "r%03d".formatted(index);
    }
}
