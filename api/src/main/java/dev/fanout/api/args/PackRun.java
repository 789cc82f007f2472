package dev.fanout.api.args;

import dev.fanout.api.VariantEdit;

/**
 * One run of a pack: several runs of one model and weather in one pod, so that a short run does not pay for a pod and two
 * worker starts of its own. Each run has its directory under the work dir, where {@code energy pack} writes its in.idf and
 * in.epw, the engine its out/.
 * <p>
 * The pod's two containers start together and hand each run over through files in the work dir (an emptyDir): the worker
 * writes {@link #READY_FILE} (or {@link #PREPARE_ERROR_FILE}) into a run's directory once its input is written, the engine
 * runs it and writes {@link #DONE_FILE}, the worker collects it. Each side shows it is alive by touching its own file every
 * second ({@link #WORKER_ALIVE_FILE}, {@link #ENGINE_ALIVE_FILE}), so that the other stops waiting when a container dies
 * instead of waiting for the Job's deadline; a worker that fails writes {@link #STOP_FILE}, and the engine runs no more.
 *
 * @param dir a plain directory name (r000, r001...), the order the engine runs them in
 * @param hash the run's spec hash as the operator knows it (null: none stored)
 */
public record PackRun(String dir, String variant, VariantEdit edit, String hash) {
    /** The repeatable option {@code --run <dir>=<variant id>}. */
    public static final String OPTION = "--run";
    /** Repeatable {@code --run-hash <dir>=<hash>}: the run's spec hash, stored with its row ({@link dev.fanout.api.results.RowsDigest}). */
    public static final String HASH_OPTION = "--run-hash";
    /** What the worker leaves in a run's directory instead of in.idf when the variant cannot be applied: the error line. */
    public static final String PREPARE_ERROR_FILE = "prepare-error";
    /** In a run's directory: its in.idf and in.epw are complete, the engine may run it. */
    public static final String READY_FILE = "ready";
    /** In a run's directory: the engine has run it (out/ holds its output and exit code). */
    public static final String DONE_FILE = "done";
    /** In the work dir: the worker failed, the engine runs no more. */
    public static final String STOP_FILE = "stop";
    /** In the work dir: the engine has run (or skipped) every run and ended. */
    public static final String ENGINE_ENDED_FILE = "engine-ended";
    public static final String WORKER_ALIVE_FILE = "worker-alive";
    public static final String ENGINE_ALIVE_FILE = "engine-alive";
    /** How long a side's alive file may stay untouched before the other side takes it for gone. */
    public static final int ALIVE_TIMEOUT_SECONDS = 30;

    public PackRun(String dir, String variant, VariantEdit edit) {
        this(dir, variant, edit, null);
    }

    /**
     * The engine container of a pack (the engine image's /bin/sh): each of the {@code runs} directories in order, once the
     * worker has prepared it, with the exit code written down for collect as a run of its own does; a run that was not
     * prepared is skipped. While it waits it checks, every {@value #ALIVE_TIMEOUT_SECONDS} s, that the worker touched its
     * alive file since the last check (a worker that has not started yet is waited for: its image may be being pulled).
     */
    public static String engineScript(String workDir, int runs) {
        return engineScript(workDir, runs, ALIVE_TIMEOUT_SECONDS);
    }

    /** The engine script, taking the worker for gone after {@code aliveTimeoutSeconds} without a sign of life. */
    public static String engineScript(String workDir, int runs, int aliveTimeoutSeconds) {
        StringBuilder dirs = new StringBuilder();
        for (int i = 0; i < runs; i++) {
            dirs.append(i == 0 ? "" : " ").append(dirName(i));
        }
        // ticks of sleep 0.05 (a shell whose sleep takes whole seconds only checks 20 times less often)
        return """
                mkdir -p {WORK} && cd {WORK} || exit 1
                touch .engine-check
                (while [ ! -e {ENDED} ]; do touch {ENGINE_ALIVE}; sleep 1; done) &
                for d in {DIRS}; do
                  t=0
                  while [ ! -e "$d/{READY}" ] && [ ! -e "$d/{PREPARE_ERROR}" ] && [ ! -e {STOP} ]; do
                    sleep 0.05 2>/dev/null || sleep 1
                    t=$((t + 1))
                    if [ $t -ge {TICKS} ]; then
                      if [ -e {WORKER_ALIVE} ] && [ ! {WORKER_ALIVE} -nt .engine-check ]; then
                        echo "fanout: the worker container stopped (no sign of life for {TIMEOUT} s); the engine stops" >&2
                        touch {ENDED}; exit 0
                      fi
                      touch .engine-check; t=0
                    fi
                  done
                  [ -e {STOP} ] && break
                  [ -e "$d/{READY}" ] || continue
                  mkdir -p "$d/out" && (cd "$d" && {ENGINE})
                  touch "$d/{DONE}"
                done
                touch {ENDED}
                """.replace("{WORK}", workDir).replace("{DIRS}", dirs).replace("{ENDED}", ENGINE_ENDED_FILE)
                .replace("{ENGINE_ALIVE}", ENGINE_ALIVE_FILE).replace("{WORKER_ALIVE}", WORKER_ALIVE_FILE).replace("{READY}", READY_FILE)
                .replace("{PREPARE_ERROR}", PREPARE_ERROR_FILE).replace("{STOP}", STOP_FILE).replace("{DONE}", DONE_FILE)
                .replace("{TICKS}", Integer.toString(aliveTimeoutSeconds * 20)).replace("{TIMEOUT}", Integer.toString(aliveTimeoutSeconds))
                .replace("{ENGINE}", CollectArgs.engineCommand());
    }

    /** Whether a name may be a run's directory: a plain name, so no argument can point outside the work dir. */
    public static boolean isDirName(String name) {
        return name.matches("[A-Za-z0-9_-]{1,40}");
    }

    public static String dirName(int index) {
        return "r%03d".formatted(index);
    }
}
