package dev.fanout.operator.tasks;

import dev.fanout.operator.crds.v1alpha1.common.TaskPhase;
import dev.fanout.operator.crds.v1alpha1.common.TaskStatus;

/** A task state kept in a resource's status ({@link TaskStatus}); subclasses say what a result fills in. */
public abstract class StatusTask<S extends TaskStatus> implements TaskState {
    public final S s;

    protected StatusTask(S s) {
        this.s = s;
    }

    @Override
    public TaskPhase phase() {
        return s.phase;
    }

    @Override
    public void phase(TaskPhase p) {
        s.phase = p;
    }

    @Override
    public String job() {
        return s.job;
    }

    @Override
    public void job(String job) {
        s.job = job;
    }

    @Override
    public int attempts() {
        return s.attempts == null ? 0 : s.attempts;
    }

    @Override
    public void attempts(int n) {
        s.attempts = n;
    }

    @Override
    public String specHash() {
        return s.specHash;
    }

    @Override
    public void specHash(String h) {
        s.specHash = h;
    }

    @Override
    public String message() {
        return s.message;
    }

    @Override
    public void message(String m) {
        s.message = m;
    }

    @Override
    public String startTime() {
        return s.startTime;
    }

    @Override
    public void startTime(String t) {
        s.startTime = t;
    }

    @Override
    public void completionTime(String t) {
        s.completionTime = t;
    }
}
