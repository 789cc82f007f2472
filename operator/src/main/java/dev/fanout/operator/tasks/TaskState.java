package dev.fanout.operator.tasks;

import dev.fanout.operator.crds.v1alpha1.common.TaskPhase;

/** The recorded state of one task, whatever kind of resource keeps it (a layer's status, the aggregate's status...). */
public interface TaskState {
    TaskPhase phase();

    void phase(TaskPhase p);

    String job();

    void job(String job);

    int attempts();

    void attempts(int n);

    String specHash();

    void specHash(String h);

    String message();

    void message(String m);

    /** When the current attempt started (ISO-8601), or null. */
    String startTime();

    void startTime(String t);

    void completionTime(String t);

    /** Forgets the last result: the task's spec changed and it runs again. */
    void clearResult();

    /** The task runs again from its first attempt (its spec changed, or a rerun was asked for). */
    default void restart(String specHash) {
        specHash(specHash);
        phase(TaskPhase.Pending);
        attempts(0);
        job(null);
        message(null);
        startTime(null);
        completionTime(null);
        clearResult();
    }

    /** Takes the worker's result of a successful attempt: its JSON, one of the records in dev.fanout.api.results. */
    void result(String json);
}
